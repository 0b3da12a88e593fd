package generate_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
)

// draft is a flow as a model or an editor might leave it: generic ids,
// no positions, a question without an exit and a choice option that
// leads nowhere, no trigger.
func finishDraft() *dsl.Flow {
	return &dsl.Flow{ID: "t", Name: "T", Nodes: []dsl.Node{
		{ID: "n1", Type: dsl.KindMessage, Data: dsl.NodeData{Label: "Accueil", Parameters: map[string]any{"text": "Bonjour"}}},
		{ID: "n2", Type: dsl.KindChoice, Data: dsl.NodeData{Label: "Quel service ?", Parameters: map[string]any{
			"text": "Quel service ?", "options": []any{"Coupe", "Coloration"}, "variable": "service"}}},
		{ID: "n3", Type: dsl.KindQuestion, Data: dsl.NodeData{Label: "Demander la date", Parameters: map[string]any{
			"text": "Quel jour ?", "variable": "date", "validation": "date"}}},
		{ID: "N4", Type: dsl.KindQuestion, Data: dsl.NodeData{Label: "Demander la date", Parameters: map[string]any{
			"text": "Quelle heure ?", "variable": "date_2"}}},
	}, Edges: []dsl.Edge{
		{Source: "n1", Target: "n2"},
		{Source: "n2", SourceHandle: "Coupe", Target: "n3"},
		{Source: "n3", Target: "N4"},
	}}
}

func TestFinishDraft(t *testing.T) {
	f := finishDraft()
	if err := generate.Finish(f, generate.FinishOptions{Lang: "fr", Keywords: []string{"rendez-vous", "réserver"}}); err != nil {
		t.Fatal(err)
	}
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range f.Nodes {
		ids = append(ids, n.ID)
	}
	want := []string{"accueil", "service", "date", "date-2", "fin", "fin-2", "sortie"} // the choice's end first
	if !equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if len(f.Triggers) != 1 || !equal(f.Triggers[0].Keywords, []string{"rendez-vous", "réserver"}) {
		t.Errorf("triggers %+v", f.Triggers)
	}
	got := trails(p)
	wantTrails := []string{
		"accueil service[Coupe] date date-2 fin-2",
		"accueil service[Coupe] date date-2[error] sortie",
		"accueil service[Coupe] date[error] sortie",
		"accueil service[Coloration] fin",
		"accueil service[error] sortie",
	}
	if !equal(got, wantTrails) {
		t.Errorf("trails:\n%v\nwant\n%v", got, wantTrails)
	}
	overlaps(t, f)
	// Columns follow the longest path: the choice is after the message,
	// the exit after the last question.
	pos := map[string]dsl.Position{}
	for _, n := range f.Nodes {
		pos[n.ID] = n.Position
	}
	if pos["accueil"].X != 0 || pos["service"].X != generate.ColumnWidth || pos["sortie"].X != 4*generate.ColumnWidth {
		t.Errorf("positions %v", pos)
	}
}

// Finish of a finished flow changes nothing, the examples included.
func TestFinishIdempotent(t *testing.T) {
	flows := []*dsl.Flow{finishDraft()}
	for _, path := range []string{"../../examples/salon/flows/prise-de-rendez-vous.json", "../../examples/salon/flows/relance.json",
		"../../examples/support/flows/lead-qualification.yaml", "../../examples/support/flows/support-triage.json"} {
		f, err := dsl.Load(path, dsl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		flows = append(flows, f)
	}
	for _, f := range flows {
		if err := generate.Finish(f, generate.FinishOptions{Lang: "en", Keywords: []string{"x"}}); err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		once := f.JSON()
		if err := generate.Finish(f, generate.FinishOptions{Lang: "en", Keywords: []string{"y"}}); err != nil {
			t.Fatal(err)
		}
		if twice := f.JSON(); string(once) != string(twice) {
			t.Errorf("%s: Finish changed a finished flow:\n%s\n---\n%s", f.ID, once, twice)
		}
		overlaps(t, f)
	}
}

func overlaps(t *testing.T, f *dsl.Flow) {
	t.Helper()
	seen := map[dsl.Position]string{}
	for _, n := range f.Nodes {
		if o, dup := seen[n.Position]; dup {
			t.Errorf("%s: nodes %q and %q overlap at %v", f.ID, o, n.ID, n.Position)
		}
		seen[n.Position] = n.ID
	}
}

func trails(p *dsl.Program) []string {
	var out []string
	for _, path := range p.Paths(2) {
		out = append(out, strings.Join(path.Trail(), " "))
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
