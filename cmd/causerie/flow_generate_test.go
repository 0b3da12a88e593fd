package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
)

// generatedFlow is a valid flow of the salon, as the scripted model
// answers it.
const generatedFlow = `{"id": "rappel", "name": "Rappel", "triggers": [{"keywords": ["rappel"]}],
 "nodes": [
  {"id": "ask_phone", "type": "question", "data": {"parameters": {"text": "Votre numéro ?", "variable": "phone", "validation": "phone"}}},
  {"id": "human", "type": "handoff", "data": {"parameters": {"team": "%s"}}},
  {"id": "done", "type": "end", "data": {"parameters": {"text": "Merci !"}}}],
 "edges": [{"id": "e1", "source": "ask_phone", "target": "human"}, {"id": "e2", "source": "ask_phone", "sourceHandle": "error", "target": "done"},
  {"id": "e3", "source": "human", "target": "done"}, {"id": "e4", "source": "human", "sourceHandle": "error", "target": "done"}]}`

// flow generate writes a file that flow validate and flow apply accept,
// after a repair of an unknown team; --apply applies it; --edit shows a
// diff; a draft that stays wrong is kept in a file.
func TestFlowGenerate(t *testing.T) {
	srv := agenttest.New(t,
		agenttest.Step{Reply: strings.Replace(generatedFlow, "%s", "Équipe Fantôme", 1)},
		agenttest.Step{Reply: strings.Replace(generatedFlow, "%s", "Équipe des Ventes", 1)},
	)
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	file := filepath.Join(dir, "rappel.json")
	out := mustRun(t, "--data-dir", dir, "flow", "generate", "un rappel par l'équipe des ventes", "-o", file, "--apply")
	for _, want := range []string{`flow "rappel" generated (response format json_schema, 1 repair round(s))`, "wrote " + file, `created flow "rappel"`} {
		if !strings.Contains(out, want) {
			t.Errorf("generate output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(lastUser(srv.Requests()[1]), `node "human": nodes[1].data.parameters.team`) {
		t.Errorf("repair prompt: %s", lastUser(srv.Requests()[1]))
	}
	mustRun(t, "flow", "validate", file)
	mustRun(t, "--data-dir", dir, "flow", "apply", file)

	edited := strings.Replace(strings.Replace(generatedFlow, "%s", "Équipe des Ventes", 1), `"Merci !"`, `"Merci, à bientôt !"`, 1)
	srv.Add(agenttest.Step{Reply: edited})
	out = mustRun(t, "--data-dir", dir, "flow", "generate", "dis à bientôt à la fin", "--edit", "rappel")
	if !strings.Contains(out, `~ node done (end)`) || !strings.Contains(out, `"Merci, à bientôt !"`) {
		t.Errorf("edit output:\n%s", out)
	}

	broken := strings.Replace(generatedFlow, "%s", "Équipe Fantôme", 1)
	srv.Add(agenttest.Step{Reply: broken}, agenttest.Step{Reply: broken})
	out, err := run(t, "--data-dir", dir, "flow", "generate", "un rappel", "--max-repairs", "1")
	if err == nil || !strings.Contains(err.Error(), "Fantôme") || !strings.Contains(err.Error(), "the last draft is kept in ") {
		t.Fatalf("a draft never repaired: %v\n%s", err, out)
	}
	path := strings.Fields(err.Error()[strings.Index(err.Error(), "kept in ")+len("kept in "):])[0]
	if _, serr := os.Stat(path); serr != nil {
		t.Errorf("the kept draft: %v", serr)
	}
	os.Remove(path)
}

func lastUser(r agenttest.Request) string {
	ms := r.Messages()
	s, _ := ms[len(ms)-1]["content"].(string)
	return s
}

// flow generate --offline turns seed 001's step lists and its Mermaid
// salon graph into flows that flow validate, flow paths and flow apply
// accept, with no model configured.
func TestFlowGenerateOffline(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	for _, name := range []string{"rendez-vous.fr.txt", "rendez-vous.en.txt", "salon.mmd"} {
		desc, err := os.ReadFile(filepath.Join("../../dsl/generate/testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".json")
		out := mustRun(t, "--data-dir", dir, "flow", "generate", "--offline", string(desc), "-o", file)
		if !strings.Contains(out, "wrote "+file) {
			t.Fatalf("%s: %s", name, out)
		}
		mustRun(t, "flow", "validate", file)
		if paths := mustRun(t, "flow", "paths", file); !strings.Contains(paths, "1. trigger → ") {
			t.Fatalf("%s: paths %s", name, paths)
		}
		mustRun(t, "--data-dir", dir, "flow", "apply", file)
	}
	// A line it cannot map says where, and points to the model path.
	_, err := run(t, "--data-dir", dir, "flow", "generate", "--offline", "Déclencheur : « x »\nÉtape 1 : faire le café\n")
	if err == nil || !strings.Contains(err.Error(), "description:2") {
		t.Fatalf("unmappable: %v", err)
	}
}
