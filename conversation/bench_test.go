package conversation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store/storetest"
)

// timedModel measures the time spent inside the model, so that a turn's
// own overhead can be told apart.
type timedModel struct {
	agent.Model
	spent time.Duration
}

func (m *timedModel) Chat(ctx context.Context, req agent.Request) (*agent.Response, error) {
	start := time.Now()
	defer func() { m.spent += time.Since(start) }()
	return m.Model.Chat(ctx, req)
}

// BenchmarkTurn: a visitor message answered after two tool calls (update a
// field, tag the contact), on SQLite, with a scripted model on loopback
// that answers at once. overhead-µs is the turn's time minus the time
// spent inside the model client (HTTP round trips included there).
func BenchmarkTurn(b *testing.B) {
	s := storetest.OpenSQLite(b)
	srv := agenttest.New(b)
	e := newBenchEnv(b, s, srv)
	model := &timedModel{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL})}
	a := conversation.New(s, conversation.Options{Model: model})
	var overheads []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		srv.Add(
			agenttest.Step{ToolCalls: []agenttest.ToolCall{
				{Name: "update_contact_fields", Args: `{"fields":[{"field":"budget","value":150}]}`},
				{Name: "tag_contact", Args: `{"tag":"coloration"}`},
			}},
			agenttest.Step{Reply: "C'est noté, $contact.name !"},
		)
		conv := e.newConversation()
		model.spent = 0
		b.StartTimer()
		start := time.Now()
		out, err := a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: conv.ID, Text: "Budget 150 €, et je veux une coloration"})
		total := time.Since(start)
		if err != nil || out.Reply == nil || len(out.Actions) != 2 {
			b.Fatalf("turn: %v %+v", err, out)
		}
		overheads = append(overheads, total-model.spent)
	}
	slices.Sort(overheads)
	q := func(p float64) float64 {
		return float64(overheads[int(p*float64(len(overheads)-1))].Microseconds())
	}
	b.ReportMetric(q(0.5), "overhead-p50-µs")
	b.ReportMetric(q(0.99), "overhead-p99-µs")
	// What the model is sent: bytes per request, and tokens of the first
	// request of a turn (system prompt, tools, the visitor's message).
	reqs := srv.Requests()
	bytes := 0
	for _, r := range reqs {
		bytes += len(r.Raw)
	}
	b.ReportMetric(float64(bytes)/float64(len(reqs)), "request-bytes")
	b.ReportMetric(float64(prompts.Tokens(string(reqs[0].Raw))), "request-tokens")
}
