// Package workspacetest applies the example workspaces to a store for
// tests: each test gets a workspace of its own (a unique slug), so tests
// share a store and run in parallel without seeing each other.
package workspacetest

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

// Example returns the path of an example file of the repository, e.g.
// Example("salon", "workspace.yaml").
func Example(parts ...string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(here), "..", "..", "examples"}, parts...)...)
}

// Fixture is a workspace applied to a store, with its entities' ids by
// name.
type Fixture struct {
	T         testing.TB
	Store     store.Store
	Workspace *store.Workspace
	// Ids by name: users by email, teams, AI agents, lifecycle stages,
	// closing notes.
	Users, Teams, Agents, Stages, Notes map[string]string
}

// Salon applies examples/salon/workspace.yaml.
func Salon(t testing.TB, s store.Store) *Fixture {
	return Apply(t, s, Example("salon", "workspace.yaml"), nil)
}

// Apply applies the workspace file at path to s under a slug of its own,
// after edit (when not nil) changed it.
func Apply(t testing.TB, s store.Store, path string, edit func(f *workspace.File)) *Fixture {
	t.Helper()
	ctx := context.Background()
	f, err := workspace.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Workspace.Slug = storetest.Name(f.Workspace.Slug)
	if edit != nil {
		edit(f)
	}
	res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fx := &Fixture{T: t, Store: s, Workspace: res.Workspace, Users: map[string]string{}, Teams: map[string]string{},
		Agents: map[string]string{}, Stages: map[string]string{}, Notes: map[string]string{}}
	ws := fx.Workspace.ID
	users, err := s.ListUsers(ctx, ws)
	fx.check(err)
	for _, u := range users {
		fx.Users[u.Email] = u.ID
	}
	teams, err := s.ListTeams(ctx, ws)
	fx.check(err)
	for _, tm := range teams {
		fx.Teams[tm.Name] = tm.ID
	}
	agents, err := s.ListAIAgents(ctx, ws)
	fx.check(err)
	for _, a := range agents {
		fx.Agents[a.Name] = a.ID
	}
	stages, err := s.ListLifecycleStages(ctx, ws)
	fx.check(err)
	for _, st := range stages {
		fx.Stages[st.Name] = st.ID
	}
	notes, err := s.ListLabels(ctx, ws, store.ClosingNote)
	fx.check(err)
	for _, n := range notes {
		fx.Notes[n.Name] = n.ID
	}
	return fx
}

func (fx *Fixture) check(err error) {
	fx.T.Helper()
	if err != nil {
		fx.T.Fatal(err)
	}
}

// FirstAgent returns the workspace's first AI agent.
func (fx *Fixture) FirstAgent() *store.AIAgent {
	fx.T.Helper()
	agents, err := fx.Store.ListAIAgents(context.Background(), fx.Workspace.ID)
	fx.check(err)
	if len(agents) == 0 {
		fx.T.Fatal("the workspace has no AI agent")
	}
	return agents[0]
}

// NewConversation opens a web conversation of a new contact (Camille
// Petit), assigned to the AI agent aiAgentID ("" for nobody).
func (fx *Fixture) NewConversation(aiAgentID string) *store.Conversation {
	fx.T.Helper()
	ctx := context.Background()
	c := &store.Contact{WorkspaceID: fx.Workspace.ID, Name: "Camille Petit", Email: "camille@example.fr"}
	fx.check(fx.Store.CreateContact(ctx, c))
	conv := &store.Conversation{WorkspaceID: fx.Workspace.ID, ContactID: c.ID, Channel: "web"}
	if aiAgentID != "" {
		conv.Assignee = store.Assignee{Type: store.AssigneeAIAgent, ID: aiAgentID}
	}
	fx.check(fx.Store.CreateConversation(ctx, conv))
	return conv
}

// Conversation reloads a conversation.
func (fx *Fixture) Conversation(id string) *store.Conversation {
	fx.T.Helper()
	c, err := fx.Store.GetConversation(context.Background(), fx.Workspace.ID, id)
	fx.check(err)
	return c
}

// Contact reloads a contact.
func (fx *Fixture) Contact(id string) *store.Contact {
	fx.T.Helper()
	c, err := fx.Store.GetContact(context.Background(), fx.Workspace.ID, id)
	fx.check(err)
	return c
}

// Messages lists a conversation's messages.
func (fx *Fixture) Messages(conversationID string) []*store.Message {
	fx.T.Helper()
	ms, err := fx.Store.ListMessages(context.Background(), fx.Workspace.ID, conversationID, store.MessageFilter{})
	fx.check(err)
	return ms
}

// Events lists the workspace's events of type typ ("" for all), of one
// conversation when conversationID is set.
func (fx *Fixture) Events(conversationID, typ string) []*store.Event {
	fx.T.Helper()
	es, err := fx.Store.ListEvents(context.Background(), fx.Workspace.ID, store.EventFilter{ConversationID: conversationID, Type: typ})
	fx.check(err)
	return es
}
