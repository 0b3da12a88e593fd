package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

func scanEvent(s scanner) (*store.Event, error) {
	var e store.Event
	var payload string
	if err := s.Scan(&e.ID, &e.WorkspaceID, &e.ConversationID, &e.Type, &e.Actor, &payload, &e.ModelCallID, &e.CreatedAt); err != nil {
		return nil, err
	}
	utc(&e.CreatedAt)
	e.Payload = []byte(payload)
	return &e, nil
}

// AppendEvent implements store.Queries.
func (q *queries) AppendEvent(ctx context.Context, e *store.Event) error {
	e.CreatedAt = now()
	payload := string(e.Payload)
	if payload == "" {
		payload = "{}"
	}
	err := q.conn.QueryRow(ctx, q.sql.Get("InsertEvent"), e.WorkspaceID, e.ConversationID, e.Type, e.Actor, payload,
		e.ModelCallID, e.CreatedAt).Scan(&e.ID)
	return q.mapErr(err, "event", e.Type)
}

// ListEvents implements store.Queries.
func (q *queries) ListEvents(ctx context.Context, workspaceID string, f store.EventFilter) ([]*store.Event, error) {
	args := []any{workspaceID, f.ConversationID, f.Type, f.AfterID}
	args = append(args, timeArgs(f.Since)...)
	args = append(args, timeArgs(f.Until)...) // "created_at < $8" in the query
	return list(ctx, q, "ListEvents", scanEvent, append(args, limit(f.Limit))...)
}
