package conversation_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/workspace"
)

// An AI agent's turn: the visitor asks to move an appointment, the model
// (scripted here) assigns the conversation to the planning team by round
// robin, and the AI agent then stays silent.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "causerie-example")
	defer os.RemoveAll(dir)
	s, _ := sqlite.Open(ctx, filepath.Join(dir, "causerie.db"))
	defer s.Close()
	f, _ := workspace.Load("../examples/salon/workspace.yaml")
	res, _ := workspace.Apply(ctx, s, f)
	agents, _ := s.ListAIAgents(ctx, res.Workspace.ID)

	model := agenttest.Start(agenttest.Step{ToolCalls: []agenttest.ToolCall{
		agenttest.Call("assign", `{"team": "Équipe de Planification", "method": "round_robin"}`),
	}})
	defer model.Close()
	rt := conversation.New(s, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model.URL})})

	conv, _ := rt.Start(ctx, res.Workspace, &store.Contact{Name: "Camille"}, "web", agents[0].ID)
	out, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: res.Workspace.ID, ConversationID: conv.ID,
		Text: "Je voudrais déplacer mon rendez-vous de mardi."})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, act := range out.Actions {
		fmt.Printf("%s → %s\n", act.Name, act.Result.Message)
	}
	fmt.Println("reply sent:", out.Reply != nil)
	// Output:
	// assign → assigned to Marie Dubois of team Équipe de Planification (round robin)
	// reply sent: false
}
