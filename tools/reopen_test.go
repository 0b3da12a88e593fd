package tools_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
)

// TestReopenOnlyHumans: a human agent reopens a closed conversation; the
// AI agent (or a flow) cannot, and is never offered the action (seed 002).
func TestReopenOnlyHumans(t *testing.T) {
	fx := newFixture(t, storetest.OpenSQLite(t), tools.Options{})
	if slices.Contains(tools.Names(), tools.ReopenConversation) {
		t.Fatal("reopen_conversation is among the actions AI agents and flows may use")
	}
	if res := fx.call(tools.CloseConversation, `{"summary": false}`); !res.OK {
		t.Fatalf("close: %+v", res)
	}
	for _, actor := range []string{"ai_agent:" + fx.agents["Assistante Salon"], "flow:booking", ""} {
		res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: tools.ReopenConversation,
			Args: json.RawMessage(`{}`), Actor: actor})
		if err != nil || res.OK || res.Error == nil || res.Error.Code != tools.CodeNotAllowed {
			t.Fatalf("reopen by %q: %+v, %v", actor, res, err)
		}
	}
	if got := fx.Conversation(fx.conv.ID).Status; got != store.StatusClosed {
		t.Fatalf("status = %s after refused reopens", got)
	}
	user := "user:" + fx.users["marie@salon-elegance.fr"]
	res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: tools.ReopenConversation,
		Args: json.RawMessage(`{}`), Actor: user})
	if err != nil || !res.OK {
		t.Fatalf("reopen by a human: %+v, %v", res, err)
	}
	if got := fx.Conversation(fx.conv.ID); got.Status != store.StatusOpen || got.ClosedAt != nil {
		t.Fatalf("after reopen: %+v", got)
	}
	if evs := fx.Events(fx.conv.ID, "conversation.reopened"); len(evs) != 1 || evs[0].Actor != user {
		t.Fatalf("reopened events = %+v", evs)
	}
	// Again: nothing changes.
	res, _ = fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: tools.ReopenConversation,
		Args: json.RawMessage(`{}`), Actor: user})
	if !res.OK || res.Data["already_open"] != true {
		t.Fatalf("second reopen: %+v", res)
	}
}
