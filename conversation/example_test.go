package conversation_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/workspace"
)

// One pipeline for every message: a response rule answers the opening
// hours, a flow's trigger starts the booking flow, and a message no flow
// or rule takes goes to the AI agent — here a scripted model that assigns
// the conversation to the planning team, after which the AI agent stays
// silent.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "causerie-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(ctx, filepath.Join(dir, "causerie.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	f, err := workspace.Load("../examples/salon/workspace.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	flow, err := dsl.Load("../examples/salon/flows/prise-de-rendez-vous.json", dsl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, _, err := dsl.Apply(ctx, s, res.Workspace.ID, flow); err != nil {
		fmt.Println(err)
		return
	}
	model := agenttest.Start(agenttest.Step{ToolCalls: []agenttest.ToolCall{
		agenttest.Call("assign", `{"team": "Équipe de Planification", "method": "round_robin"}`),
	}})
	defer model.Close()
	rt := conversation.New(s, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model.URL})})
	agents, err := s.ListAIAgents(ctx, res.Workspace.ID)
	if err != nil {
		fmt.Println(err)
		return
	}

	say := func(conv *store.Conversation, text string) {
		out, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: res.Workspace.ID, ConversationID: conv.ID, Text: text})
		if err != nil {
			fmt.Println(err)
			return
		}
		via := out.Via
		if via == "" {
			via = "the AI agent"
		}
		fmt.Printf("%q → %s: %d replies", text, via, len(out.Replies))
		for _, a := range out.Actions {
			fmt.Printf(", %s (%s)", a.Name, a.Result.Message)
		}
		fmt.Println()
	}
	conv, err := rt.Start(ctx, res.Workspace, &store.Contact{Name: "Camille"}, "web", agents[0].ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	say(conv, "Quels sont vos horaires ?")
	say(conv, "Je voudrais un rendez-vous")

	other, err := rt.Start(ctx, res.Workspace, &store.Contact{Name: "Léa"}, "web", agents[0].ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	say(other, "Je dois déplacer mon passage de mardi.")
	// Output:
	// "Quels sont vos horaires ?" → rule:Horaires: 1 replies
	// "Je voudrais un rendez-vous" → flow:prise-de-rendez-vous: 2 replies
	// "Je dois déplacer mon passage de mardi." → the AI agent: 0 replies, assign (assigned to Marie Dubois of team Équipe de Planification (round robin))
}
