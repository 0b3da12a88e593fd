package dsl

import (
	"strings"

	"github.com/causerie/causerie/tools"
)

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
	out, _ := tools.Template{Lookup: s.lookup, Missing: tools.MissingBlank}.Render(text)
	return out
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
	for _, p := range tools.Placeholders(text) {
		root, _, _ := strings.Cut(p, ".")
		out = append(out, root)
	}
	return out
}

// contextRoots are the variables a flow sees without defining them.
// "error" holds the failure that sent the flow down an error edge.
var contextRoots = []string{"contact", "conversation", "workspace", "message", "error"}
