package suggest_test

import (
	"slices"
	"testing"

	"github.com/causerie/causerie/internal/suggest"
)

func TestFold(t *testing.T) {
	t.Parallel()
	if got := suggest.Fold("  Équipe de Planification "); got != "equipe de planification" {
		t.Errorf("Fold = %q", got)
	}
}

func TestStripAccents(t *testing.T) { // not parallel: AllocsPerRun
	for in, want := range map[string]string{
		"Réserver":   "Reserver",
		"plain text": "plain text",
		"ÇA, À 17 h": "CA, A 17 h",
		"":           "",
		"naïve café": "naive cafe",
	} {
		if got := suggest.StripAccents(in); got != want {
			t.Errorf("StripAccents(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { suggest.StripAccents("no accents here") }); n != 0 {
		t.Errorf("StripAccents of ASCII text allocates %v times, want 0", n)
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	got := suggest.Nearest("budjet", []string{"bookingdate", "Budget", "service", "budget_max"})
	want := []string{"Budget", "budget_max", "service", "bookingdate"}
	if !slices.Equal(got, want) {
		t.Errorf("Nearest = %v, want %v", got, want)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"asign", "assign"},
		{"numeric", "number"},
		{"Equipe de planification", "Équipe de Planification"},
		{"weather", ""},
	} {
		if got := suggest.Close(tc.name, []string{"assign", "number", "Équipe de Planification", "close_conversation"}); got != tc.want {
			t.Errorf("Close(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	if got := suggest.List([]string{"a", "b", "c"}, 2); got != `"a", "b" and 1 more` {
		t.Errorf("List = %s", got)
	}
	if got := suggest.List(nil, 2); got != "(none defined)" {
		t.Errorf("List(nil) = %s", got)
	}
}
