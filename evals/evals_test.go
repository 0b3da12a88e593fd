package evals_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/evals"
	"github.com/causerie/causerie/internal/source"
)

var ctx = context.Background()

// fixture copies testdata into a temporary directory (cassettes are
// written next to the suite).
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"suite.yaml", "workspace.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644)
}

func load(t *testing.T, dir string) []*evals.Suite {
	t.Helper()
	s, err := evals.Load(filepath.Join(dir, "suite.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return []*evals.Suite{s}
}

// script is what the model does in the test suite, case by case.
func script() []agenttest.Step {
	return []agenttest.Step{
		// budget then close — turn 1
		{ToolCalls: []agenttest.ToolCall{
			agenttest.Call("update_contact_fields", `{"fields":[{"field":"budget","value":150}]}`),
			agenttest.Call("http_request", `{"http_method":"POST","url":"https://api.salon.test/crm/contacts","body_json":"{\"budget\": 150}"}`),
		}},
		{Reply: "C'est noté, votre budget est de 150 €."},
		// turn 2
		{ToolCalls: []agenttest.ToolCall{agenttest.Call("close_conversation", `{"closing_note":"Problème Résolu"}`)}},
		{Reply: `{"summary":"Budget de 150 € noté.","closing_note":""}`}, // the summarizer
		{Reply: "Merci et à bientôt !"},
		// assign to the team
		{ToolCalls: []agenttest.ToolCall{agenttest.Call("assign", `{"team":"Équipe de Planification"}`)}},
	}
}

func record(t *testing.T, dir string, steps []agenttest.Step, trials int) *evals.Report {
	t.Helper()
	srv := agenttest.New(t, steps...)
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Record, Parallel: 1, Trials: trials,
		Model: agent.OpenAIConfig{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Remaining() != 0 {
		t.Fatalf("%d scripted steps unused", srv.Remaining())
	}
	return rep
}

func report(r *evals.Report) string {
	var b bytes.Buffer
	r.Text(&b)
	return b.String()
}

func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	rep := record(t, dir, script(), 1)
	if rep.Failed() != 0 {
		t.Fatalf("recording run failed:\n%s", report(rep))
	}
	cassette := filepath.Join(dir, "cassettes", "suite", "budget-then-close.json")
	data, err := os.ReadFile(cassette)
	if err != nil || !strings.Contains(string(data), `"turn": 2`) {
		t.Fatalf("cassette: %v\n%s", err, data)
	}
	if strings.Contains(string(data), "conv_") || strings.Contains(string(data), "ct_0") {
		t.Errorf("store IDs leaked into the cassette: they change every run")
	}

	// Replay (the default when cassettes exist): no endpoint at all.
	rep, err = evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.ModeAuto, Trials: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() != 0 || rep.PassHatK != 1 {
		t.Fatalf("replay:\n%s", report(rep))
	}
	out := report(rep)
	for _, want := range []string{"✓ budget then close", "2/2", "2 cases, 0 failed; pass@1 1.00, pass^2 1.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// A request the cassette does not have fails loudly, naming case and turn.
func TestReplayMissingEntry(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	record(t, dir, script(), 1)
	edit(t, filepath.Join(dir, "suite.yaml"), "Non merci, plus de questions", "Non, c'est tout")
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Suites[0].Cases[0]
	if c.Passed() || !strings.Contains(c.Trials[0].Error, `case "budget then close", turn 2: the model request (/chat/completions`) ||
		!strings.Contains(c.Trials[0].Error, "is not in the cassette") || !strings.Contains(c.Trials[0].Error, "--record") {
		t.Errorf("missing entry: %+v", c.Trials[0])
	}
	if !rep.Suites[0].Cases[1].Passed() {
		t.Errorf("the other case should still replay")
	}
}

// A broken workspace fixture (the closing note renamed) makes the right
// case fail, with readable differences.
func TestBrokenFixtureFailsWithDiffs(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	edit(t, filepath.Join(dir, "workspace.yaml"), "closing_notes: [Problème Résolu]", "closing_notes: [Résolu]")
	steps := script()
	steps = append(steps[:3], steps[4:]...) // no summary: the close fails
	srv := agenttest.New(t, steps...)
	rep, err := evals.Run(ctx, load(t, dir), evals.Options{Mode: evals.Live, Parallel: 1, Model: agent.OpenAIConfig{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	broken, ok := rep.Suites[0].Cases[0], rep.Suites[0].Cases[1]
	if broken.Passed() || !ok.Passed() {
		t.Fatalf("want only the first case to fail:\n%s", report(rep))
	}
	out := report(rep)
	for _, want := range []string{
		"state.conversation.status\n      expected: closed\n      actual:   open",
		"state.conversation.closing_note\n      expected: Problème Résolu\n      actual:   (empty)",
		`close_conversation {"closing_note":"Problème Résolu"} → failed: there is no closing note called "Problème Résolu" in this workspace. Use one of the exact names`,
		"2. visitor: Non merci, plus de questions",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// k trials recorded with different outcomes replay to the same pass^k.
func TestTrialsReplayReproduces(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	s := script()
	// Trial 2 of the first case forgets to close.
	trial2 := append(append([]agenttest.Step{}, s[:2]...), agenttest.Step{Reply: "Très bien !"})
	steps := append(append(append(append([]agenttest.Step{}, s[:5]...), trial2...), s[:5]...), s[5], s[5], s[5])
	rep := record(t, dir, steps, 3)
	c := rep.Suites[0].Cases[0]
	if c.Passes != 2 || c.PassAt1 != 2.0/3 || c.PassHatK != 0 {
		t.Fatalf("recorded: %d passes, pass@1 %v, pass^3 %v", c.Passes, c.PassAt1, c.PassHatK)
	}
	replayed, err := evals.Run(ctx, load(t, dir), evals.Options{Trials: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := replayed.Suites[0].Cases[0]
	if r.Passes != 2 || r.Trials[1].Passed || !r.Trials[0].Passed || r.PassHatK != 0 {
		t.Errorf("replayed: %d passes (trial 2 passed: %v), pass^3 %v", r.Passes, r.Trials[1].Passed, r.PassHatK)
	}
	if want := (2.0/3 + 1) / 2; math.Abs(replayed.Suites[0].PassAt1-want) > 1e-9 {
		t.Errorf("suite pass@1 = %v, want %v", replayed.Suites[0].PassAt1, want)
	}
}

func TestSuiteErrors(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`suite: x
workspace: workspace.yaml
cases:
  - name: one
    turns:
      - {visitor: Bonjour, audio: note.ogg}
    expect:
      actions:
        called: [{tool: assing}]
      replies:
        - {regex: "(", turn: 3}
      sate: {}
`), 0o644)
	_, err := evals.Load(bad)
	var ps source.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	got := err.Error()
	for _, want := range []string{
		"bad.yaml:1:1: agent: missing: the name of the AI agent under test",
		"bad.yaml:6:9: cases[0].turns[0]: a turn is either visitor: (text) or audio: (a file)",
		`bad.yaml:9:25: cases[0].expect.actions.called[0].tool: "assing" is not an action`,
		"cases[0].expect.replies[0].regex: not a valid regular expression",
		"cases[0].expect.replies[0].turn: turn 3 does not exist; this case has 1 turns (0 means all)",
		`bad.yaml:12:7: cases[0].expect.sate: unknown key "sate" (did you mean "state"?)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

func TestUnknownAgent(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	_, err := evals.Run(ctx, load(t, dir), evals.Options{Agent: "Inconnue"})
	if err == nil || !strings.Contains(err.Error(), `the workspace has no AI agent "Inconnue"; its AI agents: "Assistante"`) {
		t.Errorf("err = %v", err)
	}
}

func TestReportsAndBaseline(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	rep := record(t, dir, script(), 1)
	var j bytes.Buffer
	if err := rep.JSON(&j); err != nil {
		t.Fatal(err)
	}
	baseline := filepath.Join(dir, "baseline.json")
	os.WriteFile(baseline, j.Bytes(), 0o644)

	// The next run breaks the first case: one flip, a regression.
	edit(t, filepath.Join(dir, "suite.yaml"), `contains: "150"`, `contains: "200"`)
	rep2, err := evals.Run(ctx, load(t, dir), evals.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := evals.LoadReport(baseline)
	if err != nil {
		t.Fatal(err)
	}
	flips := rep2.Compare(base)
	if len(flips) != 1 || flips[0].String() != "Test suite › budget then close: passed, now failed" {
		t.Errorf("flips %v, %v", flips, err)
	}
	var x bytes.Buffer
	if err := rep2.JUnit(&x); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Suites []struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x.Bytes(), &parsed); err != nil || parsed.Suites[0].Failures != 1 ||
		!strings.Contains(parsed.Suites[0].Cases[0].Failure.Text, `replies (turn 1).contains`) {
		t.Errorf("junit: %v\n%s", err, x.String())
	}
	var h bytes.Buffer
	if err := rep2.HTML(&h); err != nil || !strings.Contains(h.String(), "budget then close — trial 1") {
		t.Errorf("html: %v", err)
	}
	if _, err := evals.LoadReport(filepath.Join(dir, "suite.yaml")); err == nil {
		t.Error("a baseline that is not a JSON report must be refused")
	}
}
