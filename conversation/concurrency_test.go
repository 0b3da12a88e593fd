package conversation_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// Two processes (two store handles, two agents) receive two messages of
// one conversation at once: the second turn waits for the first, then
// sees its effects.
func TestOneTurnAtATimeAcrossProcesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, sa store.Store) {
		sb := storetest.Reopen(t, sa)
		e := newEnv(t, sa,
			agenttest.Step{Delay: 300 * time.Millisecond, ToolCalls: []agenttest.ToolCall{call("b1", "update_contact_fields", `{"fields":[{"field":"budget","value":150}]}`)}},
			agenttest.Step{Reply: "Noté, votre budget est de 150 €."},
			agenttest.Step{Reply: "Oui, c'est bien enregistré."},
		)
		model := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: e.srv.URL, Timeout: 5 * time.Second})
		agentA, agentB := conversation.New(sa, conversation.Options{Model: model}), conversation.New(sb, conversation.Options{Model: model})
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := agentA.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID, Text: "Mon budget est de 150 €"}); err != nil {
				t.Error(err)
			}
		})
		for len(e.srv.Requests()) == 0 { // turn 1 is at the model
			time.Sleep(time.Millisecond)
		}
		second, err := agentB.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID, Text: "C'est bien noté ?"})
		if err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if second.Reply == nil || second.Reply.Text != "Oui, c'est bien enregistré." {
			t.Fatalf("second turn: %+v", second)
		}
		reqs := e.srv.Requests()
		turn2 := reqs[2]
		if !strings.Contains(turn2.System(), "- budget (Budget): 150") {
			t.Errorf("the second turn did not see the first turn's field update")
		}
		var history []string
		for _, m := range turn2.Messages()[1:] {
			history = append(history, m["role"].(string)+": "+m["content"].(string))
		}
		want := "user: Mon budget est de 150 €|assistant: Noté, votre budget est de 150 €.|user: C'est bien noté ?"
		if strings.Join(history, "|") != want {
			t.Errorf("history of the second turn:\n%s\nwant:\n%s", strings.Join(history, "|"), want)
		}
	})
}
