package evals_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/evals"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

// A stored conversation becomes a case that, run again, passes.
func TestCaptureRoundTrip(t *testing.T) {
	t.Parallel()
	dir := fixture(t)
	steps := []agenttest.Step{
		{ToolCalls: []agenttest.ToolCall{agenttest.Call("update_contact_fields", `{"fields":[{"field":"budget","value":90}]}`),
			agenttest.Call("update_lifecycle_stage", `{"stage":"Lead Qualifié"}`)}},
		{Reply: "Merci, c'est noté."},
		{ToolCalls: []agenttest.ToolCall{agenttest.Call("create_task", `{"title":"Rappeler","assignation":"Marie Dubois","priorite":"haute"}`),
			agenttest.Call("assign", `{"team":"Équipe de Planification"}`)}},
	}
	// The conversation, as it happened in production.
	s := storetest.OpenSQLite(t)
	f, err := workspace.Load(filepath.Join(dir, "workspace.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	agents, _ := s.ListAIAgents(ctx, res.Workspace.ID)
	srv := agenttest.New(t, steps...)
	rt := conversation.New(s, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL})})
	conv, err := rt.Start(ctx, res.Workspace, &store.Contact{Name: "Zoé", Email: "zoe@example.fr"}, "web", agents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Mon budget est de 90 €, je suis intéressée", "Rappelez-moi demain"} {
		if _, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: res.Workspace.ID, ConversationID: conv.ID, Text: text}); err != nil {
			t.Fatal(err)
		}
	}

	captured, err := evals.Capture(ctx, s, res.Workspace, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, agentName := captured.Case, captured.Agent
	if agentName != "Assistante" || len(c.Turns) != 2 || c.Expect.State.Contact.Stage != "Lead Qualifié" ||
		c.Expect.State.Conversation.Assignee.User != "Marie Dubois" || len(c.Expect.State.Tasks) != 1 || len(c.Expect.Actions.Called) != 4 {
		t.Fatalf("captured: agent %q %+v", agentName, c)
	}
	path := filepath.Join(dir, "captured.yaml")
	if _, err := captured.Write(path, "workspace.yaml"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	suite, err := evals.Load(path)
	if err != nil {
		t.Fatalf("the captured suite does not load: %v\n%s", err, data)
	}
	srv2 := agenttest.New(t, steps...)
	rep, err := evals.Run(ctx, []*evals.Suite{suite}, evals.Options{Mode: evals.Live, Model: agent.OpenAIConfig{BaseURL: srv2.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() != 0 {
		t.Errorf("the captured case fails when run again:\n%s\n%s", report(rep), data)
	}
	if !strings.Contains(string(data), "budget: 90") {
		t.Errorf("captured suite:\n%s", data)
	}
}
