package dsl

import (
	"regexp"
	"strings"

	"github.com/causerie/causerie/tools"
)

// placeholder is a {{variable.path}}, as package tools writes them.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}`)

// scope is what templates and expressions of a running flow see: the
// flow's variables over the context (contact, conversation, workspace).
type scope struct {
	vars, context map[string]any
}

func (s scope) lookup(path string) (any, bool) {
	root, _, _ := strings.Cut(path, ".")
	if _, ok := s.vars[root]; ok {
		return tools.Lookup(s.vars, path)
	}
	return tools.Lookup(s.context, path)
}

// render replaces each {{path}} with its value; a variable without a value
// yet renders as nothing, so a message never shows braces to a visitor.
func (s scope) render(text string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		v, _ := s.lookup(placeholder.FindStringSubmatch(m)[1])
		return tools.Format(v)
	})
}

// env merges the scope into one map, for expressions.
func (s scope) env() map[string]any {
	m := make(map[string]any, len(s.vars)+len(s.context))
	for k, v := range s.context {
		m[k] = v
	}
	for k, v := range s.vars {
		m[k] = v
	}
	return m
}

// templateRoots returns the first name of each {{path}} in text.
func templateRoots(text string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		root, _, _ := strings.Cut(m[1], ".")
		out = append(out, root)
	}
	return out
}

// contextRoots are the variables a flow sees without defining them.
// "error" holds the failure that sent the flow down an error edge.
var contextRoots = []string{"contact", "conversation", "workspace", "message", "error"}
