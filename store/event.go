package store

import (
	"encoding/json"
	"time"
)

// Event is one entry of the append-only audit log: an action taken, a
// message dropped, a model failure… Events are never updated or deleted
// (except with their workspace).
type Event struct {
	// ID orders events: it increases with every append across the store.
	ID             int64
	WorkspaceID    string
	ConversationID string // "" when not about a conversation
	// Type is dotted: "conversation.closed", "contact.field_updated"…
	Type string
	// Actor is who caused it: "ai_agent:<id>", "user:<id>", "flow:<id>",
	// "system".
	Actor   string
	Payload json.RawMessage
	// ModelCallID links the event to the model tool call that asked for
	// it, "" when none.
	ModelCallID string

	CreatedAt time.Time
}

// EventFilter narrows ListEvents. Zero fields do not filter.
type EventFilter struct {
	ConversationID string
	Type           string
	AfterID        int64
	// Since and Until keep events created at or after Since and before
	// Until, when set.
	Since, Until time.Time
	Limit        int
}
