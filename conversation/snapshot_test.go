package conversation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// A runtime serves its turns the workspace's entities from a snapshot;
// a change another process commits (a second store handle: another
// replica, or `causerie apply`) is seen by the next turn — never a stale
// name — and actions validate against it.
func TestSnapshotSeesAnotherProcessesChanges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, sa store.Store) {
		sb := storetest.Reopen(t, sa) // the other process
		fx := workspacetest.Salon(t, sa)
		srv := agenttest.New(t)
		rt := conversation.New(sa, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, Timeout: 2 * time.Second})})
		ag := fx.FirstAgent()
		turn := func(steps ...agenttest.Step) (*conversation.Outcome, string) {
			t.Helper()
			srv.Add(steps...)
			conv := fx.NewConversation(ag.ID)
			before := len(srv.Requests())
			out, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: fx.Workspace.ID, ConversationID: conv.ID, Text: "bonjour"})
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()[before:]
			system := fmt.Sprint(reqs[0].Messages()[0]["content"])
			return out, system
		}
		_, system := turn(agenttest.Step{Reply: "Bonjour !"})
		if !strings.Contains(system, "relance_envoyee") || strings.Contains(system, "fidele") {
			t.Fatalf("the first turn's prompt lacks the tags:\n%s", system)
		}
		// The other process adds a tag and renames a team.
		if err := sb.CreateLabel(ctx, &store.Label{WorkspaceID: fx.Workspace.ID, Kind: store.Tag, Name: "fidele"}); err != nil {
			t.Fatal(err)
		}
		teams, err := sb.ListTeams(ctx, fx.Workspace.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range teams {
			if tm.Name == "Commercial" {
				tm.Name = "Équipe Commerciale"
				if err := sb.UpdateTeam(ctx, tm); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The next turn's prompt has them, and its action may use the new tag.
		out, system := turn(agenttest.Step{ToolCalls: []agenttest.ToolCall{{Name: "tag_contact", Args: `{"tag":"fidele"}`}}},
			agenttest.Step{Reply: "C'est noté."})
		if !strings.Contains(system, "fidele") || !strings.Contains(system, "Équipe Commerciale") || strings.Contains(system, "- Commercial") {
			t.Fatalf("the turn after the change sees stale names:\n%s", system)
		}
		if len(out.Actions) != 1 || !out.Actions[0].Result.OK {
			t.Fatalf("tag_contact with the new tag: %+v", out.Actions)
		}
		// A tag deleted meanwhile is refused by the action, not served stale.
		labels, err := sb.ListLabels(ctx, fx.Workspace.ID, store.Tag)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range labels {
			if l.Name == "fidele" {
				if err := sb.DeleteLabel(ctx, fx.Workspace.ID, l.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		out, _ = turn(agenttest.Step{ToolCalls: []agenttest.ToolCall{{Name: "tag_contact", Args: `{"tag":"fidele"}`}}},
			agenttest.Step{Reply: "Hmm."})
		if len(out.Actions) != 1 || out.Actions[0].Result.OK {
			t.Fatalf("tag_contact with a deleted tag: %+v", out.Actions)
		}
	})
}
