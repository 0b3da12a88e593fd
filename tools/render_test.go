package tools_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

func TestRender(t *testing.T) {
	t.Parallel()
	vars := map[string]any{
		"contact": map[string]any{"email": "léa+rdv@example.fr", "name": `Léa "L"`, "budget": 150.0, "bookingdate": nil},
		"http":    map[string]any{"body": map[string]any{"items": []any{map[string]any{"status": "ok"}}}},
	}
	for _, tc := range []struct {
		text   string
		escape func(string) string
		want   string
	}{
		{"https://api.example.com/c?email={{contact.email}}", tools.EscapeQuery, "https://api.example.com/c?email=l%C3%A9a%2Brdv%40example.fr"},
		{`{"name": "{{ contact.name }}", "budget": {{contact.budget}}}`, tools.EscapeJSON, `{"name": "Léa \"L\"", "budget": 150}`},
		{"statut : {{http.body.items.0.status}}", tools.EscapeNone, "statut : ok"},
	} {
		got, err := tools.Render(tc.text, vars, tc.escape)
		if err != nil || got != tc.want {
			t.Errorf("Render(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
		}
	}
	_, err := tools.Render("{{contact.emial}}", vars, tools.EscapeNone)
	if err == nil || !strings.Contains(err.Error(), `unknown variable {{contact.emial}}; known variables: "contact.email"`) {
		t.Errorf("unknown variable: %v", err)
	}
	_, err = tools.Render("le {{contact.bookingdate}}", vars, tools.EscapeNone)
	if err == nil || !strings.Contains(err.Error(), "{{contact.bookingdate}} has no value yet") {
		t.Errorf("empty variable: %v", err)
	}
}

func TestNumbersByCountry(t *testing.T) {
	t.Parallel()
	budget := &store.ContactField{Key: "budget", Name: "Budget", Type: store.FieldNumber}
	for _, tc := range []struct {
		in, country string
		want        float64
	}{
		{"1 500,50 €", "FR", 1500.5},
		{"1.500,50", "FR", 1500.5},
		{"1,5", "FR", 1.5},
		{"$1,500", "US", 1500},
		{"1,500.75", "US", 1500.75},
		{"1,500", "", 1500},
		{"150,5", "", 150.5},
		{"2'500", "CH", 2500},
	} {
		got, err := tools.NormalizeValue(budget, tc.in, tc.country)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeValue(%q, %s) = %v, %v; want %v", tc.in, tc.country, got, err, tc.want)
		}
	}
}

// One renderer serves actions (a missing variable fails), flows (it
// renders as nothing) and AI replies (it stays as written); seed 002's
// $contact.field means {{contact.field}} in all of them.
func TestTemplateMissingPolicies(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"contact": map[string]any{"name": "Camille", "bookingdate": nil}}
	lookup := func(p string) (any, bool) { return tools.Lookup(vars, p) }
	text := "Bonjour $contact.name, le {{contact.bookingdate}} ({{contact.nope}})"
	for _, tc := range []struct {
		missing tools.Missing
		want    string
		err     string
	}{
		{tools.MissingBlank, "Bonjour Camille, le  ()", ""},
		{tools.MissingKept, "Bonjour Camille, le {{contact.bookingdate}} ({{contact.nope}})", ""},
		{tools.MissingFails, "", "{{contact.bookingdate}} has no value yet"},
	} {
		got, err := tools.Template{Lookup: lookup, Missing: tc.missing}.Render(text)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("missing %d: err %v, want %q", tc.missing, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("missing %d: %q, %v; want %q", tc.missing, got, err, tc.want)
		}
	}
	if got, err := tools.Render("mail: $contact.name!", vars, tools.EscapeNone); err != nil || got != "mail: Camille!" {
		t.Errorf("Render with $contact: %q, %v", got, err)
	}
	if got := tools.Placeholders("{{ workspace.name }} et $contact.email"); len(got) != 2 || got[0] != "workspace.name" || got[1] != "contact.email" {
		t.Errorf("Placeholders = %q", got)
	}
	for text, want := range map[string]int{"Bonjour $conta": 8, "le {{ contact.x": 3, "fini.": 5, "prix 35 $ et": 12} {
		if got := tools.HoldBack(text); got != want {
			t.Errorf("HoldBack(%q) = %d, want %d", text, got, want)
		}
	}
}
