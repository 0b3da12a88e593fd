package dsl_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store/storetest"
)

// A loop of 300 × (message, set_variable, condition) between two visits
// of a question: 902 steps per visitor answer.
const stepsFlow = `{"id": "steps", "name": "Steps", "variables": {"i": 0},
"nodes": [
 {"id": "ask", "type": "question", "data": {"parameters": {"text": "Encore ?", "variable": "answer"}}},
 {"id": "reset", "type": "set_variable", "data": {"parameters": {"variable": "i", "expression": "0"}}},
 {"id": "say", "type": "message", "data": {"parameters": {"text": "Étape {{i}} pour {{contact.name}} ({{answer}})"}}},
 {"id": "inc", "type": "set_variable", "data": {"parameters": {"variable": "i", "expression": "i + 1"}}},
 {"id": "more", "type": "condition", "data": {"parameters": {"expression": "i < 300"}}},
 {"id": "end", "type": "end"}],
"edges": [
 {"id": "1", "source": "ask", "target": "reset"}, {"id": "2", "source": "reset", "target": "say"},
 {"id": "3", "source": "say", "target": "inc"}, {"id": "4", "source": "inc", "target": "more"},
 {"id": "5", "source": "more", "sourceHandle": "true", "target": "say"},
 {"id": "6", "source": "more", "sourceHandle": "false", "target": "ask"},
 {"id": "7", "source": "ask", "sourceHandle": "error", "target": "end"}]}`

// BenchmarkInterpreterSteps measures the interpreter alone, in memory (no
// store): node visits per second on one goroutine. Target: 50,000 per
// core.
func BenchmarkInterpreterSteps(b *testing.B) {
	f, err := dsl.Check("steps.json", []byte(stepsFlow), dsl.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		b.Fatal(err)
	}
	env := &dsl.Simulation{Lang: "fr", Contact: map[string]any{"name": "Camille"}}
	st := p.NewState("bench")
	if err := p.Start(ctx, env, st); err != nil {
		b.Fatal(err)
	}
	start := st.Steps
	b.ReportAllocs()
	for b.Loop() {
		st.Trail = st.Trail[:0]
		if err := p.Resume(ctx, env, st, "oui"); err != nil || !st.Waiting() {
			b.Fatalf("resume: %v, state %+v", err, st.Status)
		}
	}
	steps := float64(st.Steps - start)
	b.ReportMetric(steps/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/steps, "ns/step")
}

// A flow that asks for the budget (saved to the contact through
// update_contact_fields) and confirms it, again and again.
const budgetFlow = `{"id": "budget", "name": "Budget", "triggers": [{"keywords": ["budget"]}],
"nodes": [
 {"id": "ask", "type": "question", "data": {"parameters": {"text": "Quel budget ?", "variable": "budget", "validation": "number", "field": "budget"}}},
 {"id": "ok", "type": "message", "data": {"parameters": {"text": "Noté : {{contact.budget}} €."}}},
 {"id": "end", "type": "end"}],
"edges": [{"id": "1", "source": "ask", "target": "ok"}, {"id": "2", "source": "ok", "target": "ask"},
 {"id": "3", "source": "ask", "sourceHandle": "error", "target": "end"}]}`

// BenchmarkFlowTurn is a visitor message through a flow run on SQLite:
// the message stored with the turn lease, the run loaded, the answer
// checked and saved to the contact (one action: validation, transaction,
// audit), two messages sent, the run saved.
func BenchmarkFlowTurn(b *testing.B) {
	s := storetest.OpenSQLite(b)
	h := newHarness(b, s, setup{workspace: salon})
	f, err := dsl.Check("budget.json", []byte(budgetFlow), dsl.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := dsl.Apply(ctx, s, h.ws.ID, f); err != nil {
		b.Fatal(err)
	}
	h.say("mon budget")
	var took []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		out, err := h.a.Handle(ctx, conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: fmt.Sprint(100 + i)})
		took = append(took, time.Since(start))
		if err != nil || len(out.Replies) != 2 || len(out.Actions) != 1 || !out.Actions[0].Result.OK {
			b.Fatalf("turn %d: %v %+v", i, err, out)
		}
	}
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "turn-p50-µs")
	b.ReportMetric(q(0.99), "turn-p99-µs")
}
