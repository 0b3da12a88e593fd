package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// HumanReply stores a human agent's message (role human, by user userID)
// and streams it to the visitor. The AI agent stays silent: it answers
// only conversations assigned to it, and a human replies to theirs.
func (r *Runtime) HumanReply(ctx context.Context, workspaceID, conversationID, userID, text string) (*store.Message, error) {
	if limit := r.opts.MaxMessageBytes; len(text) > limit {
		return nil, &TooLongError{Bytes: len(text), Limit: limit}
	}
	text = normalizeText(text)
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("the reply is empty: write some text")
	}
	m := &store.Message{WorkspaceID: workspaceID, ConversationID: conversationID, Role: store.RoleHuman, AuthorID: userID, Text: text}
	var item *StreamItem
	err := r.store.InTx(ctx, func(q store.Queries) error {
		if _, err := q.LockConversation(ctx, workspaceID, conversationID); err != nil {
			return err
		}
		if err := q.AppendMessage(ctx, m); err != nil {
			return err
		}
		var err error
		item, err = appendStream(ctx, q, workspaceID, conversationID, StreamMessage, Public(m))
		return err
	})
	if err != nil {
		return nil, err
	}
	p := r.publisher(ctx, workspaceID, conversationID)
	p.stored(Event{Kind: EventMessage, Message: m}, item)
	return m, nil
}

// HumanActions are the catalogue's actions a human agent takes from the
// inbox.
var HumanActions = []string{tools.Assign, tools.Unassign, tools.CloseConversation, tools.ReopenConversation,
	tools.TagContact, tools.UpdateContactFields, tools.UpdateLifecycleStage}

// Act runs one of HumanActions on a conversation for user userID, through
// the action catalogue (audit events name the user), and streams it like
// the AI agent's actions. key, when not "", makes it idempotent.
func (r *Runtime) Act(ctx context.Context, workspaceID, conversationID, userID, action string, args json.RawMessage, key string) (tools.ActionTaken, error) {
	if len(args) == 0 {
		args = json.RawMessage(`{}`)
	}
	actor := "user:" + userID
	res, err := r.tools.Execute(ctx, tools.Call{WorkspaceID: workspaceID, ConversationID: conversationID, Action: action,
		Args: args, Actor: actor, Key: key, Enabled: HumanActions, Phase: tools.During})
	if err != nil {
		return tools.ActionTaken{}, err
	}
	a := tools.ActionTaken{Name: action, Args: args, Result: res}
	p := r.publisher(ctx, workspaceID, conversationID)
	p.actor = actor
	p.Action(a)
	return a, nil
}
