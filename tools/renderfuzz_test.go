package tools_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/tools"
)

// FuzzTemplate renders texts with every missing-variable policy and
// escaper: nothing panics, a text without placeholders comes back as is,
// and the kept policy never loses text that is not a placeholder.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Bonjour {{contact.name}} !", "le $contact.bookingdate à {{ contact.bookingtime }}",
		"{{http.body.items.0.status}}", "{{", "}}{{contact.}}", "$contact.", "{{ a.b.c.d.e.f }}", "prix : 35 $ {accolade}"} {
		f.Add(s)
	}
	vars := map[string]any{"contact": map[string]any{"name": "Camille", "bookingdate": nil, "bookingtime": "14h30"},
		"http": map[string]any{"body": map[string]any{"items": []any{map[string]any{"status": "ok"}}}}}
	lookup := func(p string) (any, bool) { return tools.Lookup(vars, p) }
	f.Fuzz(func(t *testing.T, text string) {
		for _, esc := range []func(string) string{tools.EscapeNone, tools.EscapeJSON, tools.EscapeQuery} {
			for _, m := range []tools.Missing{tools.MissingFails, tools.MissingBlank, tools.MissingKept} {
				out, err := tools.Template{Lookup: lookup, Escape: esc, Missing: m, Known: func() []string { return tools.Paths(vars) }}.Render(text)
				if err != nil {
					continue
				}
				if len(tools.Placeholders(text)) == 0 && out != text {
					t.Fatalf("%q has no placeholder but rendered as %q", text, out)
				}
			}
		}
		_ = tools.HoldBack(text)
		if n := tools.HoldBack(text); n < 0 || n > len(text) || (n < len(text) && !strings.ContainsAny(text[n:n+1], "${")) {
			t.Fatalf("HoldBack(%q) = %d", text, n)
		}
	})
}
