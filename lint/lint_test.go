package lint_test

import (
	"os"
	"strings"
	"testing"

	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/workspace"
)

func salon(t testing.TB) *workspace.File {
	t.Helper()
	f, err := workspace.Load("../examples/salon/workspace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestExamplesAreClean(t *testing.T) {
	for _, ex := range []string{"salon", "support"} {
		f, err := workspace.Load("../examples/" + ex + "/workspace.yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range lint.Workspace(f) {
			t.Errorf("%s: %s", ex, fd)
		}
	}
}

func TestDraftPositions(t *testing.T) {
	f := salon(t)
	draft := "Tu es l'assistante.\n\n- Quand le client a fini, ferme la conversation avec la note de clôture \"Problème Résolut\"."
	fs, err := lint.Instructions(f, "Assistante Salon", draft)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != lint.UnknownClosingNote || fs[0].Line != 3 || fs[0].Column != 74 || fs[0].File != "" ||
		draft[fs[0].Start:fs[0].End] != "Problème Résolut" || fs[0].Suggestions[0] != "Problème Résolu" {
		t.Fatalf("%+v", fs)
	}
	if _, err := lint.Instructions(f, "Assistant", draft); err == nil || !strings.Contains(err.Error(), "Assistante Salon") {
		t.Fatalf("an unknown agent: %v", err)
	}
	// An empty draft has nothing to say.
	if fs, err := lint.Instructions(f, "Assistante Salon", ""); err != nil || len(fs) != 0 {
		t.Fatalf("empty draft: %v %+v", err, fs)
	}
}

// Words the instructions dictate as a reply, and actions they forbid, are
// not instructions to act.
func TestQuotesAndNegations(t *testing.T) {
	f := salon(t)
	f.AIAgents[0].Actions = []string{"assign"}
	for _, draft := range []string{
		`- Si le client demande un rappel, réponds : "Notre équipe vous rappelle demain à 17 h, puis je ferme la conversation."`,
		`- Ne ferme jamais la conversation toi-même ; ne crée pas de tâche.`,
		`- Never close the conversation yourself, and do not create a task.`,
		`- Si le client parle de prix, assigne à @Équipe des Ventes.`,
	} {
		fs, err := lint.Instructions(f, "Assistante Salon", draft)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fs {
			t.Errorf("%q: %s", draft, fd)
		}
	}
}

// Every kind is documented, with a severity and a rule.
func TestKindsDocumented(t *testing.T) {
	seen := map[lint.Kind]bool{}
	for _, k := range lint.Kinds {
		if seen[k.Kind] || k.Rule == "" || (k.Severity != lint.Error && k.Severity != lint.Warning && k.Severity != lint.Info) {
			t.Errorf("kind %+v", k)
		}
		seen[k.Kind] = true
	}
	data, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range lint.Kinds {
		// Each kind is planted at least once in the corpus (the specific
		// unknown-user and unknown-ai-agent share unknown-team's code).
		if k.Kind != lint.UnknownUser && k.Kind != lint.UnknownAIAgent && !strings.Contains(string(data), "kind: "+string(k.Kind)+",") {
			t.Errorf("no corpus case plants %s", k.Kind)
		}
	}
}

// BenchmarkSalon lints the salon workspace (issue 15: under 50 ms).
func BenchmarkSalon(b *testing.B) {
	f := salon(b)
	b.ReportAllocs()
	for b.Loop() {
		if fs := lint.Workspace(f); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

// BenchmarkSalonFile is `causerie lint -f` without the process: read,
// parse, validate and lint the file.
func BenchmarkSalonFile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if fs := lint.Workspace(salon(b)); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}
