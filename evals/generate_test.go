package evals_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/evals"
	"github.com/causerie/causerie/internal/source"
)

// genFixture writes a generation suite next to the fixture's workspace.
func genFixture(t *testing.T, suite string) string {
	t.Helper()
	dir := fixture(t)
	os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte("suite: gen\nworkspace: workspace.yaml\nagent: Assistante\ncases:\n"+suite), 0o644)
	return dir
}

func TestGenerateSuiteErrors(t *testing.T) {
	t.Parallel()
	dir := genFixture(t, `  - name: one
    turns: [{visitor: Bonjour}]
    generate:
      lang: de
      expect:
        actions: [send_mail]
        scenarios:
          - {choose: [Coupe], reaches: ending}
          - {name: x}
  - name: two
    generate:
      description: un flux
      expect: {}
`)
	_, err := evals.Load(filepath.Join(dir, "suite.yaml"))
	var ps source.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	got := err.Error()
	for _, want := range []string{
		"cases[0]: a generation case has no setup, turns, http or expect of its own",
		"cases[0].generate.description: missing: the description the flow is generated from",
		`suite.yaml:8:13: cases[0].generate.lang: "de" is not a flow language; use fr or en`,
		`suite.yaml:10:19: cases[0].generate.expect.actions[0]: "send_mail" is not an action`,
		"cases[0].generate.expect.scenarios[0].name: missing",
		`cases[0].generate.expect.scenarios[0].reaches: "ending" is not a node kind`,
		"cases[0].generate.expect.scenarios[1]: missing: where the scenario leads",
		"cases[1].generate.expect: missing: what the generated flow must be",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

// An offline case reports each unmet expectation, and passes the ones met.
func TestGenerateOfflineExpectations(t *testing.T) {
	t.Parallel()
	dir := genFixture(t, `  - name: réservation
    generate:
      offline: true
      description: |
        1. Demander quel service : Coupe ou Coloration
        2. Demander votre courriel
        3. Taguer le contact « vip »
        4. Remercier le visiteur
      expect:
        valid: true
        ends_on_every_path: true
        asks: [service, email, couleur]
        actions: [tag_contact, send_email]
        triggers: [flux, rdv]
        scenarios:
          - {name: coloration puis courriel, choose: [coloration], asks: email}
          - {name: coupe puis coloration, choose: [Coupe, Coloration], reaches: end}
          - {name: une erreur mène à la fin, reaches: end}
`)
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Replay})
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Suites[0].Cases[0].Trials[0]
	if tr.Error != "" {
		t.Fatal(tr.Error)
	}
	var failed []string
	for _, f := range tr.Failures {
		failed = append(failed, f.Assertion)
	}
	want := []string{"asks couleur", "actions send_email", "triggers rdv", "scenario coupe puis coloration"}
	if !slices.Equal(failed, want) {
		t.Fatalf("failed %v, want %v\n%s", failed, want, report(rep))
	}
	if _, err := os.Stat(filepath.Join(dir, "cassettes")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an offline case wrote a cassette: %v", err)
	}
}

const genCase = `  - name: par le modèle
    generate:
      description: Demander le service, Coupe ou Coloration ; pour une coloration, la couleur.
      expect:
        valid: true
        ends_on_every_path: true
        asks: [service, couleur]
        scenarios:
          - {name: "si le visiteur choisit Coloration, demander la couleur", choose: [Coloration], asks: couleur}
`

const genDraft = `{"id": "rdv", "name": "Rendez-vous", "triggers": [{"keywords": ["rendez-vous"]}],
 "nodes": [
  {"id": "service", "type": "choice", "data": {"label": "Service", "parameters": {
    "text": "Quel service ?", "options": ["Coupe", "Coloration"], "variable": "service"}}},
  {"id": "couleur", "type": "question", "data": {"label": "Couleur", "parameters": {"text": "Quelle couleur ?", "variable": "couleur"}}},
  {"id": "fin", "type": "end", "data": {"label": "Fin", "parameters": {"text": "Merci !"}}}
 ],
 "edges": [
  {"source": "service", "sourceHandle": "Coupe", "target": "fin"},
  {"source": "service", "sourceHandle": "Coloration", "target": "couleur"},
  {"source": "couleur", "target": "fin"}
 ]}`

// A model case records the generation's traffic, replays it over k
// trials, and fails naming the recording when its cassette is missing.
func TestGenerateRecordReplay(t *testing.T) {
	t.Parallel()
	dir := genFixture(t, genCase)
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Replay})
	if err != nil {
		t.Fatal(err)
	}
	if tr := rep.Suites[0].Cases[0].Trials[0]; !strings.Contains(tr.Error, "has no cassette") {
		t.Fatalf("no cassette: %+v", tr)
	}
	srv := agenttest.New(t, agenttest.Step{Reply: "{}"}, agenttest.Step{Reply: genDraft}, agenttest.Step{Reply: genDraft})
	// The first answer is repaired: the Generator's rounds go through the tape.
	rep, err = evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Record, Trials: 2, Parallel: 1,
		Model: agent.OpenAIConfig{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() > 0 || srv.Remaining() != 0 {
		t.Fatalf("record (%d left):\n%s", srv.Remaining(), report(rep))
	}
	cas, err := evals.LoadCassette(filepath.Join(dir, "cassettes", "suite", "par-le-modele.json"))
	if err != nil || cas == nil || len(cas.Trials) != 2 || len(cas.Trials[0])+len(cas.Trials[1]) != 3 {
		t.Fatalf("cassette %+v, %v", cas, err)
	}
	rep, err = evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Replay, Trials: 4})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Suites[0].Cases[0]; !c.Passed() {
		t.Fatalf("replay:\n%s", report(rep))
	}
}

// A model that never drafts a valid flow fails the case on "generate",
// with the problems left.
func TestGenerateFails(t *testing.T) {
	t.Parallel()
	dir := genFixture(t, genCase)
	steps := make([]agenttest.Step, 4)
	for i := range steps {
		steps[i] = agenttest.Step{Reply: "pas de JSON"}
	}
	srv := agenttest.New(t, steps...)
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Live, Model: agent.OpenAIConfig{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Suites[0].Cases[0].Trials[0]
	if tr.Passed || len(tr.Failures) != 1 || tr.Failures[0].Assertion != "generate" || !strings.Contains(tr.Failures[0].Actual, "no JSON") {
		t.Fatalf("%+v", tr)
	}
}
