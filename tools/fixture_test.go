package tools_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

var ctx = context.Background()

// fixture is the salon workspace of examples/salon, applied to a fresh
// store, with one contact in one open conversation.
type fixture struct {
	t    testing.TB
	s    store.Store
	ws   *store.Workspace
	cat  *tools.Catalogue
	conv *store.Conversation
	// ids by name: users by email, teams, agents, stages, notes, tags.
	users, teams, agents, stages, notes map[string]string
}

func newFixture(t testing.TB, s store.Store, opts tools.Options) *fixture {
	t.Helper()
	f, err := workspace.Load("../examples/salon/workspace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Each fixture gets its own workspace, so tests can share a store.
	f.Workspace.Slug = storetest.Name("salon")
	res, err := workspace.Apply(ctx, s, f)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, s: s, ws: res.Workspace, cat: tools.New(s, opts),
		users: map[string]string{}, teams: map[string]string{}, agents: map[string]string{},
		stages: map[string]string{}, notes: map[string]string{}}
	users, _ := s.ListUsers(ctx, fx.ws.ID)
	for _, u := range users {
		fx.users[u.Email] = u.ID
	}
	teams, _ := s.ListTeams(ctx, fx.ws.ID)
	for _, tm := range teams {
		fx.teams[tm.Name] = tm.ID
	}
	agents, _ := s.ListAIAgents(ctx, fx.ws.ID)
	for _, a := range agents {
		fx.agents[a.Name] = a.ID
	}
	stages, _ := s.ListLifecycleStages(ctx, fx.ws.ID)
	for _, st := range stages {
		fx.stages[st.Name] = st.ID
	}
	notes, _ := s.ListLabels(ctx, fx.ws.ID, store.ClosingNote)
	for _, n := range notes {
		fx.notes[n.Name] = n.ID
	}
	fx.conv = fx.newConversation()
	return fx
}

// newConversation opens a conversation with a new contact, assigned to
// the salon's AI agent.
func (fx *fixture) newConversation() *store.Conversation {
	fx.t.Helper()
	c := &store.Contact{WorkspaceID: fx.ws.ID, Name: "Camille Petit", Email: "camille@example.fr"}
	if err := fx.s.CreateContact(ctx, c); err != nil {
		fx.t.Fatal(err)
	}
	conv := &store.Conversation{WorkspaceID: fx.ws.ID, ContactID: c.ID, Channel: "web",
		Assignee: store.Assignee{Type: store.AssigneeAIAgent, ID: fx.agents["Assistante Salon"]}}
	if err := fx.s.CreateConversation(ctx, conv); err != nil {
		fx.t.Fatal(err)
	}
	return conv
}

// call executes action with args (a JSON object) on the fixture's
// conversation, as the salon's AI agent.
func (fx *fixture) call(action, args string) tools.Result {
	fx.t.Helper()
	return fx.callOn(fx.conv, action, args, "")
}

func (fx *fixture) callOn(conv *store.Conversation, action, args, key string) tools.Result {
	fx.t.Helper()
	res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: conv.ID, Action: action,
		Args: json.RawMessage(args), Actor: "ai_agent:" + fx.agents["Assistante Salon"], ToolCallID: "call_test", Key: key})
	if err != nil {
		fx.t.Fatalf("%s(%s): %v", action, args, err)
	}
	return res
}

// conversation reloads a conversation.
func (fx *fixture) conversation(id string) *store.Conversation {
	fx.t.Helper()
	c, err := fx.s.GetConversation(ctx, fx.ws.ID, id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return c
}

// contact reloads the fixture conversation's contact.
func (fx *fixture) contact() *store.Contact {
	fx.t.Helper()
	c, err := fx.s.GetContact(ctx, fx.ws.ID, fx.conv.ContactID)
	if err != nil {
		fx.t.Fatal(err)
	}
	return c
}

// events returns the events of a type in the fixture workspace.
func (fx *fixture) events(typ string) []*store.Event {
	fx.t.Helper()
	es, err := fx.s.ListEvents(ctx, fx.ws.ID, store.EventFilter{Type: typ})
	if err != nil {
		fx.t.Fatal(err)
	}
	return es
}

func wantOK(t testing.TB, r tools.Result) {
	t.Helper()
	if !r.OK {
		t.Fatalf("want ok, got %s", r.JSON())
	}
}

func wantFail(t testing.TB, r tools.Result, code string) {
	t.Helper()
	if r.OK || r.Error == nil || r.Error.Code != code {
		t.Fatalf("want failure %s, got %s", code, r.JSON())
	}
}

// each runs fn on a fixture in each store.
func each(t *testing.T, opts tools.Options, fn func(t *testing.T, fx *fixture)) {
	storetest.Each(t, func(t *testing.T, s store.Store) { fn(t, newFixture(t, s, opts)) })
}
