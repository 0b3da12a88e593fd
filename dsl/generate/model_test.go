package generate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

var ctx = context.Background()

// salon applies the salon's workspace file.
func salon(t testing.TB, s store.Store) *store.Workspace {
	t.Helper()
	wf, err := workspace.Load("../../examples/salon/workspace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wf.Workspace.Slug = storetest.Name(wf.Workspace.Slug)
	res, err := workspace.Apply(ctx, s, wf, workspace.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Workspace
}

func generator(t testing.TB, srv *agenttest.Server, s store.Store, ws *store.Workspace) *generate.Generator {
	m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "scripted", Timeout: 5 * time.Second, MaxRetries: -1})
	g := &generate.Generator{Model: conversation.FlowGenerator(m), DraftDir: t.TempDir()}
	if s != nil {
		g.Store, g.WorkspaceID = s, ws.ID
	}
	return g
}

// draft is a valid booking flow for the salon, changed by edits (each on
// the decoded document) — the scripted model's answers.
func draft(edits ...func(d map[string]any)) string {
	const valid = `{"id": "rdv", "name": "Rendez-vous", "triggers": [{"keywords": ["rendez-vous"]}],
 "nodes": [
  {"id": "ask_service", "type": "choice", "position": {"x": 0, "y": 0}, "data": {"label": "Service", "parameters": {"text": "Quel service ?", "options": ["Coupe", "Coloration"], "variable": "service"}}},
  {"id": "book", "type": "action", "position": {"x": 250, "y": 0}, "data": {"label": "Réserver", "parameters": {"action_type": "http_request", "http_method": "POST", "url": "https://api.example.com/book", "body_json": "{}", "timeout_seconds": 30}}},
  {"id": "human", "type": "handoff", "position": {"x": 500, "y": 100}, "data": {"parameters": {"team": "Équipe de Planification", "text": "Un conseiller prend le relais."}}},
  {"id": "done", "type": "end", "position": {"x": 750, "y": 0}, "data": {"parameters": {"text": "À bientôt !"}}}
 ],
 "edges": [
  {"id": "e1", "source": "ask_service", "sourceHandle": "Coupe", "target": "book"},
  {"id": "e2", "source": "ask_service", "sourceHandle": "Coloration", "target": "book"},
  {"id": "e3", "source": "ask_service", "sourceHandle": "error", "target": "human"},
  {"id": "e4", "source": "book", "target": "done"},
  {"id": "e5", "source": "book", "sourceHandle": "error", "target": "human"},
  {"id": "e6", "source": "human", "target": "done"}
 ]}`
	var d map[string]any
	if err := json.Unmarshal([]byte(valid), &d); err != nil {
		panic(err)
	}
	for _, e := range edits {
		e(d)
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func param(node int, name string, v any) func(map[string]any) {
	return func(d map[string]any) {
		n := d["nodes"].([]any)[node].(map[string]any)
		n["data"].(map[string]any)["parameters"].(map[string]any)[name] = v
	}
}

func edgeTarget(edge int, target string) func(map[string]any) {
	return func(d map[string]any) { d["edges"].([]any)[edge].(map[string]any)["target"] = target }
}

// The known problems of the scripted drafts.
var (
	missingNode   = edgeTarget(3, "confirm")                    // e4 book → a node that does not exist
	unknownAction = param(1, "action_type", "book_appointment") // not in the catalogue
	stringTimeout = param(1, "timeout_seconds", "90")           // text, and over 60
	unknownTeam   = param(2, "team", "Équipe Fantôme")          // not a team of the salon
	badValidation = func(d map[string]any) {                    // an enum value that does not exist
		d["nodes"] = append(d["nodes"].([]any), map[string]any{"id": "ask_mail", "type": "question",
			"data": map[string]any{"parameters": map[string]any{"text": "E-mail ?", "variable": "mail", "validation": "mail"}}})
		d["edges"] = append(d["edges"].([]any), map[string]any{"id": "e7", "source": "ask_mail", "target": "done"})
	}
	unknownTag = func(d map[string]any) {
		nodes := d["nodes"].([]any)
		nodes[1] = map[string]any{"id": "book", "type": "action", "data": map[string]any{"parameters": map[string]any{
			"action_type": "tag_contact", "tag": "client-fidele"}}}
	}
)

// A first answer with four problems is repaired in two rounds; each
// repair prompt lists what is still wrong with its node id and field
// path, and the answers are bound by the flow's JSON Schema.
func TestGenerateRepairsDrafts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ws := salon(t, s)
		srv := agenttest.New(t,
			agenttest.Step{Reply: draft(missingNode, unknownAction, unknownTeam)},
			agenttest.Step{Reply: "Voici le flux corrigé :\n```json\n" + draft(stringTimeout) + "\n```"},
			agenttest.Step{Reply: draft()},
		)
		res, err := generator(t, srv, s, ws).Generate(ctx, generate.Input{Description: "prise de rendez-vous coupe ou coloration", Lang: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != generate.FormatJSONSchema || res.Repairs() != 2 || res.Flow.ID != "rdv" {
			t.Errorf("format %s, %d repairs, flow %q", res.Format, res.Repairs(), res.Flow.ID)
		}
		reqs := srv.Requests()
		if len(reqs) != 3 {
			t.Fatalf("%d requests", len(reqs))
		}
		rf, _ := reqs[0].Body["response_format"].(map[string]any)
		if rf["type"] != "json_schema" {
			t.Errorf("response_format %v", rf)
		}
		sys := reqs[0].System()
		for _, want := range []string{"timeout_seconds: number 1–60, default 10", "Équipe de Planification", "http_request", "- choice:",
			"Closing notes:", "prise-de-rendez-vous", "Tags: "} {
			if !strings.Contains(sys, want) {
				t.Errorf("the system prompt lacks %q", want)
			}
		}
		first := lastUser(reqs[1])
		for _, want := range []string{
			`node "book": edges[3].target`, `"confirm"`,
			`node "book": nodes[1].data.parameters.action_type`, "book_appointment",
			`node "human": nodes[2].data.parameters.team`, "Fantôme",
		} {
			if !strings.Contains(first, want) {
				t.Errorf("the first repair prompt lacks %q:\n%s", want, first)
			}
		}
		second := lastUser(reqs[2])
		for _, want := range []string{`node "book": nodes[1].data.parameters.timeout_seconds`, "JSON number", "60"} {
			if !strings.Contains(second, want) {
				t.Errorf("the second repair prompt lacks %q:\n%s", want, second)
			}
		}
		if strings.Contains(second, "confirm") {
			t.Errorf("the second repair prompt repeats a fixed problem:\n%s", second)
		}
	})
}

func lastUser(r agenttest.Request) string {
	ms := r.Messages()
	s, _ := ms[len(ms)-1]["content"].(string)
	return s
}

// An answer that never becomes valid fails after the limit, listing what
// is still wrong, with the draft kept in a file.
func TestGenerateFailsAfterTheLimit(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t)
	srv.RespondWith(func(agenttest.Request) agenttest.Step { return agenttest.Step{Reply: draft(missingNode)} })
	g := generator(t, srv, nil, nil)
	g.MaxRepairs = 2
	_, err := g.Generate(ctx, generate.Input{Description: "rendez-vous"})
	var fe *generate.FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 3 || fe.Rounds != 3 {
		t.Errorf("%d requests, %d rounds; want 3 (1 + 2 repairs)", n, fe.Rounds)
	}
	if !strings.Contains(err.Error(), `node "book": edges[3].target`) || !strings.Contains(err.Error(), fe.Draft) || fe.Draft == "" {
		t.Errorf("error: %v", err)
	}
	data, rerr := os.ReadFile(fe.Draft)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if _, perr := dsl.Parse(fe.Draft, data); perr != nil || !strings.Contains(string(data), `"confirm"`) {
		t.Errorf("the kept draft: %v\n%s", perr, data)
	}
}

// An endpoint that refuses json_schema gets JSON mode, then plain text;
// the result says which was used.
func TestGenerateFallsBackOnResponseFormat(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t,
		agenttest.Step{Status: 400, Error: "response_format json_schema is not supported"},
		agenttest.Step{Status: 400, Error: "response_format json_object is not supported"},
		agenttest.Step{Reply: "Here it is: " + draft(unknownAction) + " Enjoy."},
		agenttest.Step{Reply: draft()},
	)
	res, err := generator(t, srv, nil, nil).Generate(ctx, generate.Input{Description: "booking", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != generate.FormatText || res.Repairs() != 1 {
		t.Errorf("format %s, %d repairs", res.Format, res.Repairs())
	}
	reqs := srv.Requests()
	if rf, _ := reqs[1].Body["response_format"].(map[string]any); rf["type"] != "json_object" {
		t.Errorf("second request: %s", reqs[1].Raw)
	}
	for _, r := range reqs[2:] {
		if _, ok := r.Body["response_format"]; ok {
			t.Errorf("a text request sent response_format: %s", r.Raw)
		}
	}
}

// Editing returns the changed flow with the same id and a diff of nodes
// and edges.
func TestGenerateEdit(t *testing.T) {
	t.Parallel()
	old, err := dsl.Check("old.json", []byte(draft()), dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	edited := draft(func(d map[string]any) {
		d["id"] = "renamed-by-the-model"
		d["nodes"] = append(d["nodes"].([]any), map[string]any{"id": "ask_budget", "type": "question",
			"data": map[string]any{"label": "Budget", "parameters": map[string]any{"text": "Quel budget ?", "variable": "budget", "validation": "number"}}})
		es := d["edges"].([]any)
		for _, i := range []int{0, 1} {
			es[i].(map[string]any)["target"] = "ask_budget"
		}
		d["edges"] = append(es, map[string]any{"id": "e7", "source": "ask_budget", "target": "book"},
			map[string]any{"id": "e8", "source": "ask_budget", "sourceHandle": "error", "target": "human"})
	})
	srv := agenttest.New(t, agenttest.Step{Reply: edited})
	res, err := generator(t, srv, nil, nil).Generate(ctx, generate.Input{
		Description: "add a question for the budget after the service choice", Edit: old})
	if err != nil {
		t.Fatal(err)
	}
	if res.Flow.ID != "rdv" {
		t.Errorf("the edit changed the flow's id to %q", res.Flow.ID)
	}
	got := res.Diff.String()
	want := `+ node ask_budget (question, "Budget")
+ edge ask_budget -[error]-> human
+ edge ask_budget -[next]-> book
+ edge ask_service -[Coloration]-> ask_budget
+ edge ask_service -[Coupe]-> ask_budget
- edge ask_service -[Coloration]-> book
- edge ask_service -[Coupe]-> book
`
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(srv.Requests()[0].System(), `"id": "rdv"`) {
		t.Error("the system prompt lacks the flow to change")
	}
}

// brokenCase is a scripted draft with a known problem and the model's
// answers to the repair prompts.
type brokenCase struct {
	name    string
	answers []string // the first answer, then the repairs
}

// TestRepairFraction measures the share of broken drafts repaired within
// 3 rounds, on scripted cases: each has a known problem and a scripted
// repair (some need several rounds, some are never repaired).
func TestRepairFraction(t *testing.T) {
	t.Parallel()
	problems := map[string]func(map[string]any){
		"missing-node": missingNode, "unknown-action": unknownAction, "string-timeout": stringTimeout,
		"unknown-team": unknownTeam, "bad-validation": badValidation, "unknown-tag": unknownTag,
	}
	names := []string{"missing-node", "unknown-action", "string-timeout", "unknown-team", "bad-validation", "unknown-tag"}
	var cases []brokenCase
	for _, n := range names {
		p := problems[n]
		// Repaired at once, after two rounds, after three; never.
		cases = append(cases,
			brokenCase{n + "/1", []string{draft(p), draft()}},
			brokenCase{n + "/2", []string{draft(p), draft(p), draft()}},
			brokenCase{n + "/3", []string{draft(p), draft(p), draft(p), draft()}},
		)
		if n == "unknown-action" || n == "unknown-team" {
			cases = append(cases, brokenCase{n + "/never", []string{draft(p), draft(p), draft(p), draft(p)}})
		}
	}
	// Two problems at once, fixed one by one; and a fix that breaks
	// something else.
	cases = append(cases,
		brokenCase{"two/stepwise", []string{draft(missingNode, unknownTeam), draft(unknownTeam), draft()}},
		brokenCase{"fix-breaks/never", []string{draft(stringTimeout), draft(unknownAction), draft(missingNode), draft(unknownTag)}},
		brokenCase{"prose-then-json", []string{"Je vais créer ce flux.", draft()}},
	)
	s := storetest.OpenSQLite(t)
	ws := salon(t, s)
	repaired := 0
	for _, c := range cases {
		steps := make([]agenttest.Step, len(c.answers))
		for i, a := range c.answers {
			steps[i] = agenttest.Step{Reply: a}
		}
		srv := agenttest.New(t, steps...)
		_, err := generator(t, srv, s, ws).Generate(ctx, generate.Input{Description: c.name})
		var fe *generate.FailedError
		switch {
		case err == nil:
			repaired++
		case errors.As(err, &fe):
			if !strings.HasSuffix(c.name, "/never") {
				t.Errorf("%s: %v", c.name, err)
			}
		default:
			t.Errorf("%s: %v", c.name, err)
		}
		if err == nil && strings.HasSuffix(c.name, "/never") {
			t.Errorf("%s was repaired", c.name)
		}
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	fmt.Printf("repaired within 3 rounds: %d of %d broken drafts (%.0f%%)\n", repaired, len(cases), 100*float64(repaired)/float64(len(cases)))
	t.Logf("repaired within 3 rounds: %d of %d (%.2f)", repaired, len(cases), float64(repaired)/float64(len(cases)))
}
