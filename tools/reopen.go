package tools

import (
	"context"

	"github.com/causerie/causerie/store"
)

// reopenConversation reopens a closed conversation. Only a human agent
// may (seed 002); a visitor's new message reopens one too, in the
// conversation pipeline.
func reopenConversation() *Action {
	return &Action{
		Name:              ReopenConversation,
		Description:       "Reopen a closed conversation. Only human agents may reopen; the AI agent cannot.",
		Args:              struct{}{},
		NeedsConversation: true,
		HumansOnly:        true,
		Run: func(ctx context.Context, x *Exec) Result {
			conv := x.Conversation
			if conv.Status != store.StatusClosed {
				return Ok("the conversation is open; nothing changed", map[string]any{"already_open": true})
			}
			conv.Status, conv.ClosedAt = store.StatusOpen, nil
			if err := x.Q.UpdateConversation(ctx, conv); err != nil {
				return internal("reopening", err)
			}
			x.Emit("conversation.reopened", map[string]any{"reason": "reopened by " + x.Call.Actor})
			return Ok("conversation reopened", nil)
		},
	}
}
