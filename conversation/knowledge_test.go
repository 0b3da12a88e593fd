package conversation_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// withKnowledge ingests the salon's knowledge into the knowledge base its
// AI agent uses, and gives the agent a knowledge searcher.
func withKnowledge(t *testing.T, e *env, settings store.KnowledgeSettings) {
	t.Helper()
	kbs, err := e.s.ListKnowledgeBases(ctx, e.ws.ID)
	if err != nil || len(kbs) != 1 {
		t.Fatalf("knowledge bases: %v %v", kbs, err)
	}
	if _, err := (&rag.Ingester{Store: e.s, Embedder: rag.HashedLexical{}}).Ingest(ctx, kbs[0], []string{"../examples/salon/knowledge"}); err != nil {
		t.Fatal(err)
	}
	e.agent.Knowledge = settings
	e.agent.Actions = append(e.agent.Actions, "search_knowledge")
	if err := e.s.UpdateAIAgent(ctx, e.agent); err != nil {
		t.Fatal(err)
	}
	model := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: e.srv.URL})
	e.a = conversation.New(e.s, conversation.Options{Model: model, Embedder: rag.HashedLexical{}})
}

func citationsOf(t *testing.T, e *env, m *store.Message) []any {
	t.Helper()
	msgs := e.messages()
	stored := msgs[len(msgs)-1]
	if stored.ID != m.ID {
		t.Fatalf("last message is not the reply")
	}
	cites, _ := stored.Metadata["citations"].([]any)
	return cites
}

// A reply grounded in a search carries its citations; the "message before
// the action" is sent before searching (seed 003).
func TestSearchKnowledgeCitations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s,
			agenttest.Step{ToolCalls: []agenttest.ToolCall{call("k1", "search_knowledge", `{"query":"Combien coûte une coloration complète ?"}`)}},
			agenttest.Step{Reply: "Une coloration complète coûte 60 € [1]."},
		)
		withKnowledge(t, e, store.KnowledgeSettings{MessageBefore: "Un instant, je consulte nos tarifs…"})
		out := e.send("Combien coûte une coloration complète ?")
		if out.Reply == nil || out.Reply.Text != "Une coloration complète coûte 60 € [1]." {
			t.Fatalf("reply: %+v", out.Reply)
		}
		r := toolResult(t, e.srv.Requests()[1], "k1")
		passages, _ := r["data"].(map[string]any)["passages"].([]any)
		first, _ := passages[0].(map[string]any)
		if r["ok"] != true || len(passages) == 0 || first["n"] != 1.0 || !strings.Contains(first["text"].(string), "60 €") {
			t.Fatalf("search result given to the model: %v", r)
		}
		cites := citationsOf(t, e, out.Reply)
		c, _ := cites[0].(map[string]any)
		if len(cites) != 1 || c["title"] != "Tarifs du Salon Élégance" || c["url"] != "https://salon-elegance.example/tarifs" || c["chunk_id"] == "" {
			t.Errorf("citations: %v", cites)
		}
		msgs := e.messages()
		if len(msgs) != 3 || msgs[1].Text != "Un instant, je consulte nos tarifs…" || len(out.Replies) != 2 {
			t.Errorf("messages: %d, before-message %q", len(msgs), msgs[1].Text)
		}
	})
}

// With grounding on, the top passages are in the prompt before the model
// is called, and a reply citing them carries citations.
func TestGroundedReply(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s, agenttest.Step{Reply: "Le salon est fermé le lundi [1]."})
		withKnowledge(t, e, store.KnowledgeSettings{Ground: true, TopK: 3})
		out := e.send("Le salon ouvre-t-il le lundi ?") // not the words of the Horaires response rule
		sys := e.srv.Requests()[0].System()
		if !strings.Contains(sys, "# Knowledge") || !strings.Contains(sys, "[1] Horaires et accès (https://salon-elegance.example/infos)") ||
			!strings.Contains(sys, "fermé le dimanche et le lundi") {
			t.Errorf("grounding passages missing from the prompt:\n%s", sys)
		}
		if cites := citationsOf(t, e, out.Reply); len(cites) != 1 {
			t.Errorf("citations: %v", cites)
		}
	})
}
