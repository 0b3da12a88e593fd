package dsl_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
)

// sim runs a flow document in memory and collects what it says.
type sim struct {
	t    *testing.T
	prog *dsl.Program
	env  *dsl.Simulation
	st   *dsl.State
	said []string
	acts []string
}

func newSim(t *testing.T, src string) *sim {
	t.Helper()
	f, err := dsl.Check("t.json", []byte(src), dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, prog: p}
	s.env = &dsl.Simulation{Lang: "fr", Country: "FR", Fail: map[string]bool{},
		Contact: map[string]any{"name": "Camille", "budget": 150.0, "tags": []any{"vip"}},
		OnSay:   func(_ *dsl.Node, text string) { s.said = append(s.said, text) },
		OnAct:   func(n *dsl.Node, action string, _ map[string]any) { s.acts = append(s.acts, n.ID+":"+action) }}
	s.st = p.NewState("run_test")
	if err := p.Start(ctx, s.env, s.st); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *sim) answer(text string) {
	s.t.Helper()
	s.env.Input = text
	if err := s.prog.Resume(ctx, s.env, s.st, text); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sim) last() string { return s.said[len(s.said)-1] }

func TestConditionsAndVariables(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "variables": {"seuil": 100},
"nodes": [
 {"id": "budget", "type": "question", "data": {"parameters": {"text": "Budget ?", "variable": "budget", "validation": "number"}}},
 {"id": "total", "type": "set_variable", "data": {"parameters": {"variable": "total", "expression": "budget * 2 + contact.budget"}}},
 {"id": "label", "type": "set_variable", "data": {"parameters": {"variable": "label", "value": "{{contact.name}} ({{total}})"}}},
 {"id": "tier", "type": "condition", "data": {"parameters": {"cases": [
   {"label": "vip", "expression": "total > 1000 && 'vip' in contact.tags"},
   {"label": "ok", "expression": "total > seuil"}]}}},
 {"id": "vip", "type": "end", "data": {"parameters": {"text": "VIP {{label}}"}}},
 {"id": "ok", "type": "end", "data": {"parameters": {"text": "OK {{label}}"}}},
 {"id": "low", "type": "end", "data": {"parameters": {"text": "Bas {{label}}"}}}],
"edges": [
 {"id": "1", "source": "budget", "target": "total"}, {"id": "2", "source": "total", "target": "label"},
 {"id": "3", "source": "label", "target": "tier"},
 {"id": "4", "source": "tier", "sourceHandle": "vip", "target": "vip"},
 {"id": "5", "source": "tier", "sourceHandle": "ok", "target": "ok"},
 {"id": "6", "source": "tier", "sourceHandle": "else", "target": "low"}]}`
	for _, tc := range []struct{ answer, want string }{
		{"1 000", "VIP Camille (2150)"},
		{"10,5", "OK Camille (171)"},
		{"-100", "Bas Camille (-50)"},
	} {
		s := newSim(t, src)
		s.answer(tc.answer)
		if s.last() != tc.want || s.st.Status != store.FlowRunCompleted {
			t.Errorf("budget %s: said %q (status %s), want %q", tc.answer, s.last(), s.st.Status, tc.want)
		}
	}
}

// A question asks again until max_retries, then takes its error edge or,
// without one, ends the run with the fallback message.
func TestQuestionRetries(t *testing.T) {
	t.Parallel()
	q := `{"id": "t", "name": "T", "nodes": [
 {"id": "email", "type": "question", "data": {"parameters": {"text": "E-mail ?", "variable": "email", "validation": "email", "max_retries": 1}}},
 {"id": "end", "type": "end", "data": {"parameters": {"text": "Merci {{email}}"}}}
 EXTRA],
"edges": [{"id": "1", "source": "email", "target": "end"} EDGE]}`
	s := newSim(t, strings.NewReplacer("EXTRA", "", "EDGE", "").Replace(q))
	s.answer("pas d'adresse")
	if !strings.Contains(s.last(), "adresse e-mail ne semble pas valide") || !s.st.Waiting() || s.st.Retries != 1 {
		t.Errorf("first invalid answer: said %q, state %+v", s.last(), s.st)
	}
	s.answer("toujours pas")
	if s.st.Status != store.FlowRunFailed || !strings.Contains(s.last(), "Un membre de l'équipe va reprendre") ||
		!strings.Contains(s.st.Reason, `no valid answer to "email" after 2 tries`) {
		t.Errorf("retries exhausted: said %q, state %+v", s.last(), s.st)
	}

	s = newSim(t, strings.NewReplacer(
		"EXTRA", `, {"id": "human", "type": "end", "data": {"parameters": {"text": "Un conseiller va vous écrire ({{error.node}})."}}}`,
		"EDGE", `, {"id": "2", "source": "email", "sourceHandle": "error", "target": "human"}`).Replace(q))
	s.answer("x")
	s.answer("y")
	if s.st.Status != store.FlowRunCompleted || s.last() != "Un conseiller va vous écrire (email)." {
		t.Errorf("error edge: said %q, state %+v", s.last(), s.st)
	}

	s = newSim(t, strings.NewReplacer("EXTRA", "", "EDGE", "").Replace(q))
	s.answer("  Camille@Example.FR ")
	if s.last() != "Merci camille@example.fr" {
		t.Errorf("valid answer: said %q", s.last())
	}
}

// An action that fails takes its error edge; without one the run ends
// with the fallback message.
func TestFailingAction(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "fallback_message": "Oups.", "nodes": [
 {"id": "tag", "type": "action", "data": {"parameters": {"action_type": "tag_contact", "tag": "vip"}}},
 {"id": "end", "type": "end"}],
 "edges": [{"id": "1", "source": "tag", "target": "end"}]}`
	f, _ := dsl.Check("t.json", []byte(src), dsl.Options{})
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	env := &dsl.Simulation{Fail: map[string]bool{"tag": true}, OnSay: func(_ *dsl.Node, s string) { said = append(said, s) }}
	st := p.NewState("r")
	if err := p.Start(ctx, env, st); err != nil {
		t.Fatal(err)
	}
	if st.Status != store.FlowRunFailed || len(said) != 1 || said[0] != "Oups." || !strings.Contains(st.Reason, "tag_contact failed") {
		t.Errorf("state %+v, said %q", st, said)
	}
}

// A loop that never waits for the visitor is cut, not run forever.
func TestLoopWithoutInputIsCut(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "variables": {"n": 0}, "nodes": [
 {"id": "inc", "type": "set_variable", "data": {"parameters": {"variable": "n", "expression": "n + 1"}}},
 {"id": "more", "type": "condition", "data": {"parameters": {"expression": "n < 1000000"}}},
 {"id": "end", "type": "end"}],
 "edges": [{"id": "1", "source": "inc", "target": "more"}, {"id": "2", "source": "more", "sourceHandle": "true", "target": "inc"},
 {"id": "3", "source": "more", "sourceHandle": "false", "target": "end"}]}`
	s := newSim(t, src)
	if s.st.Status != store.FlowRunFailed || !strings.Contains(s.st.Reason, "loops") {
		t.Errorf("state %+v", s.st)
	}
	if n := s.st.Vars["n"]; n != 500 && n != 500.0 {
		t.Errorf("n = %v after the cut, want 500 (1000 steps, two nodes each)", n)
	}
}

// ai_reply writes with the model, a template or fixed text; the text
// lands in its variable and is sent unless send is false.
func TestAIReplySources(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "nodes": [
 {"id": "gen", "type": "ai_reply", "data": {"parameters": {"body_source": "ai", "variable": "draft", "send": "false"}}},
 {"id": "tpl", "type": "ai_reply", "data": {"parameters": {"body_source": "template", "body": "Bonjour {{contact.name}} : {{draft}}"}}},
 {"id": "fixed", "type": "action", "data": {"parameters": {"action_type": "ai_reply", "body_source": "statique", "body": "{{pas rendu}}"}}},
 {"id": "end", "type": "end"}],
 "edges": [{"id": "1", "source": "gen", "target": "tpl"}, {"id": "2", "source": "tpl", "target": "fixed"}, {"id": "3", "source": "fixed", "target": "end"}]}`
	f, err := dsl.Check("t.json", []byte(src), dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := dsl.Compile(f, dsl.Options{})
	var said []string
	env := &dsl.Simulation{AIText: "votre devis est prêt", Contact: map[string]any{"name": "Camille"},
		OnSay: func(_ *dsl.Node, s string) { said = append(said, s) }}
	st := p.NewState("r")
	if err := p.Start(ctx, env, st); err != nil {
		t.Fatal(err)
	}
	want := []string{"Bonjour Camille : votre devis est prêt", "{{pas rendu}}"}
	if strings.Join(said, "|") != strings.Join(want, "|") || st.Vars["draft"] != "votre devis est prêt" {
		t.Errorf("said %q, vars %v", said, st.Vars)
	}
}
