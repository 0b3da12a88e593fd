package tools_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace/workspacetest"
)

var ctx = context.Background()

// fixture is the salon workspace of examples/salon, applied to a store
// (workspacetest), with the action catalogue and one contact in one open
// conversation.
type fixture struct {
	*workspacetest.Fixture
	t    testing.TB
	s    store.Store
	ws   *store.Workspace
	cat  *tools.Catalogue
	conv *store.Conversation
	// ids by name: users by email, teams, agents, stages, notes.
	users, teams, agents, stages, notes map[string]string
}

func newFixture(t testing.TB, s store.Store, opts tools.Options) *fixture {
	t.Helper()
	w := workspacetest.Salon(t, s)
	fx := &fixture{Fixture: w, t: t, s: s, ws: w.Workspace, cat: tools.New(s, opts),
		users: w.Users, teams: w.Teams, agents: w.Agents, stages: w.Stages, notes: w.Notes}
	fx.conv = fx.newConversation()
	return fx
}

// newConversation opens a conversation with a new contact, assigned to
// the salon's AI agent.
func (fx *fixture) newConversation() *store.Conversation {
	return fx.NewConversation(fx.agents["Assistante Salon"])
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
func (fx *fixture) conversation(id string) *store.Conversation { return fx.Conversation(id) }

// contact reloads the fixture conversation's contact.
func (fx *fixture) contact() *store.Contact { return fx.Contact(fx.conv.ContactID) }

// events returns the events of a type in the fixture workspace.
func (fx *fixture) events(typ string) []*store.Event { return fx.Events("", typ) }

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
