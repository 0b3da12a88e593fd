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

// placeholder is a variable in a text: {{path.to.value}}, or seed 002's
// $contact.field, which means {{contact.field}}.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}|\$contact\.([A-Za-z][A-Za-z0-9_]*)`)

// placeholderPath returns the variable path of a placeholder match's
// submatches.
func placeholderPath(sub []string) string {
	if sub[1] != "" {
		return sub[1]
	}
	return "contact." + sub[2]
}

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

// Missing says what rendering does with a variable that is unknown or has
// no value yet.
type Missing int

const (
	// MissingFails makes rendering fail, naming the variable and the
	// nearest known ones: what an action needs, so that it does not send
	// a half-filled request.
	MissingFails Missing = iota
	// MissingBlank renders nothing in its place: a flow's message never
	// shows braces to a visitor.
	MissingBlank
	// MissingKept leaves the placeholder as written, so that the gap
	// shows: the AI agent's replies.
	MissingKept
)

// Template renders texts with variables: the one placeholder renderer of
// actions, flows and replies.
type Template struct {
	// Lookup finds a variable's value by its dotted path; ok is false
	// when the variable is unknown. A nil value has no value yet.
	Lookup func(path string) (v any, ok bool)
	// Escape prepares a value for its place (EscapeNone when nil).
	Escape func(string) string
	// Missing says what to do with an unknown or empty variable.
	Missing Missing
	// Known lists the variables for error messages (MissingFails).
	Known func() []string
}

// Render replaces every placeholder of text.
func (t Template) Render(text string) (string, error) {
	if !strings.Contains(text, "{{") && !strings.Contains(text, "$contact.") {
		return text, nil
	}
	escape := t.Escape
	if escape == nil {
		escape = EscapeNone
	}
	var unknown, empty []string
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		path := placeholderPath(placeholder.FindStringSubmatch(m))
		v, ok := t.Lookup(path)
		switch {
		case ok && v != nil:
			s := Format(v)
			if s == "" && t.Missing == MissingKept {
				return m
			}
			return escape(s)
		case t.Missing == MissingKept:
			return m
		case t.Missing == MissingBlank:
			return ""
		case !ok:
			unknown = append(unknown, path)
		default:
			empty = append(empty, path)
		}
		return m
	})
	if len(empty) > 0 {
		return "", fmt.Errorf("{{%s}} has no value yet; collect it first (e.g. with update_contact_fields) or leave it out", empty[0])
	}
	if len(unknown) > 0 {
		var known []string
		if t.Known != nil {
			known = t.Known()
		}
		return "", fmt.Errorf("unknown variable {{%s}}; known variables: %s", unknown[0],
			suggest.List(suggest.Nearest(unknown[0], known), 8))
	}
	return out, nil
}

// Render replaces every variable of text with its value in vars (nested
// maps), passing each through escape. An unknown variable is an error
// that names it and the nearest known ones; a known one without a value
// (nil: a contact field not filled yet) is an error too.
func Render(text string, vars map[string]any, escape func(string) string) (string, error) {
	return Template{Lookup: func(p string) (any, bool) { return Lookup(vars, p) }, Escape: escape,
		Known: func() []string { return Paths(vars) }}.Render(text)
}

// Placeholders returns the variable path of each placeholder of text, in
// order ("contact.email" for both {{contact.email}} and $contact.email).
func Placeholders(text string) []string {
	var out []string
	for _, sub := range placeholder.FindAllStringSubmatch(text, -1) {
		out = append(out, placeholderPath(sub))
	}
	return out
}

// HoldBack returns where streamed text may still be inside a placeholder
// that has not ended yet: the text before it can be rendered and sent,
// the rest must wait for more text.
func HoldBack(text string) int {
	i := strings.LastIndexAny(text, "${")
	if i < 0 {
		return len(text)
	}
	tail := text[i:]
	if tail[0] == '{' {
		// "{{ contact.x }}" ends with "}}"; a lone "{" may start "{{".
		if j := strings.LastIndex(text, "{{"); j >= 0 && !strings.Contains(text[j:], "}}") {
			return j
		}
		if tail == "{" {
			return i
		}
		return len(text)
	}
	// "$contact.x" ends at the first character that cannot be in a name.
	if strings.HasPrefix("$contact.", tail) || (strings.HasPrefix(tail, "$contact.") && isName(tail[len("$contact."):])) {
		return i
	}
	return len(text)
}

func isName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
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
