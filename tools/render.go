package tools

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/causerie/causerie/internal/suggest"
)

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}`)

// Escapers for the places a variable is inserted into.
var (
	// EscapeNone inserts values as they are (plain text, headers).
	EscapeNone = func(s string) string { return s }
	// EscapeQuery inserts values into a URL.
	EscapeQuery = url.QueryEscape
	// EscapeJSON inserts values inside a JSON string literal.
	EscapeJSON = func(s string) string {
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	}
)

// Render replaces every {{path.to.value}} in text with its value in vars
// (nested maps), passing each through escape. An unknown variable is an
// error that names it and the nearest known ones; a known one without a
// value (nil: a contact field not filled yet) is an error too.
func Render(text string, vars map[string]any, escape func(string) string) (string, error) {
	var unknown, empty []string
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		path := placeholder.FindStringSubmatch(m)[1]
		v, ok := Lookup(vars, path)
		switch {
		case !ok:
			unknown = append(unknown, path)
			return m
		case v == nil:
			empty = append(empty, path)
			return m
		}
		return escape(Format(v))
	})
	if len(empty) > 0 {
		return "", fmt.Errorf("{{%s}} has no value yet; collect it first (e.g. with update_contact_fields) or leave it out", empty[0])
	}
	if len(unknown) > 0 {
		known := Paths(vars)
		return "", fmt.Errorf("unknown variable {{%s}}; known variables: %s", unknown[0],
			suggest.List(suggest.Nearest(unknown[0], known), 8))
	}
	return out, nil
}

// Lookup finds a dotted path ("contact.email", "http.body.items.0") in
// nested maps and lists.
func Lookup(vars map[string]any, path string) (any, bool) {
	var cur any = vars
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Paths lists the leaf paths of vars, sorted, for error messages.
func Paths(vars map[string]any) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			out = append(out, prefix)
			return
		}
		for k, sub := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, sub)
		}
	}
	for k, v := range vars {
		walk(k, v)
	}
	sort.Strings(out)
	return out
}

// Format renders a variable's value as text: numbers without a useless
// ".0", lists and maps as JSON, nothing as "".
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
