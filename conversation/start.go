package conversation

import (
	"context"
	"encoding/json"

	"github.com/causerie/causerie/store"
)

// Start opens a conversation on channel with contact (created when it has
// no ID yet, at the workspace's default lifecycle stage), handled by the
// AI agent aiAgentID ("" leaves it unassigned, in the inbox queue).
func (r *Runtime) Start(ctx context.Context, ws *store.Workspace, contact *store.Contact, channel, aiAgentID string) (*store.Conversation, error) {
	conv := &store.Conversation{WorkspaceID: ws.ID, Channel: channel}
	if aiAgentID != "" {
		conv.Assignee = store.Assignee{Type: store.AssigneeAIAgent, ID: aiAgentID}
	}
	err := r.store.InTx(ctx, func(q store.Queries) error {
		if contact.ID == "" {
			contact.WorkspaceID = ws.ID
			if contact.LifecycleStageID == "" {
				contact.LifecycleStageID = ws.Settings.DefaultLifecycleStageID
			}
			if err := q.CreateContact(ctx, contact); err != nil {
				return err
			}
		}
		conv.ContactID = contact.ID
		if err := q.CreateConversation(ctx, conv); err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"channel": channel, "contact_id": contact.ID})
		return q.AppendEvent(ctx, &store.Event{WorkspaceID: ws.ID, ConversationID: conv.ID, Type: "conversation.opened",
			Actor: "visitor", Payload: payload})
	})
	if err != nil {
		return nil, err
	}
	return conv, nil
}
