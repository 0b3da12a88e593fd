package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
	return q.AppendEvents(ctx, e)
}

// AppendEvents implements store.Queries: one INSERT of every row. The ids
// an INSERT allocates grow in the order of its rows (a sequence, SQLite's
// rowid); RETURNING's order is not promised, so they are sorted.
func (q *queries) AppendEvents(ctx context.Context, events ...*store.Event) error {
	if len(events) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(q.sql.Get("InsertEvents"))
	args := make([]any, 0, 7*len(events))
	created := now()
	for i, e := range events {
		e.CreatedAt = created
		payload := string(e.Payload)
		if payload == "" {
			payload = "{}"
		}
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		args = append(args, e.WorkspaceID, e.ConversationID, e.Type, e.Actor, payload, e.ModelCallID, e.CreatedAt)
	}
	b.WriteString(" RETURNING id")
	rows, err := q.conn.Query(ctx, b.String(), args...)
	if err != nil {
		return q.mapErr(err, "event", events[0].Type)
	}
	defer rows.Close()
	ids := make([]int64, 0, len(events))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return q.mapErr(err, "event", events[0].Type)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return q.mapErr(err, "event", events[0].Type)
	}
	if len(ids) != len(events) {
		return fmt.Errorf("append %d events: %d ids returned", len(events), len(ids))
	}
	slices.Sort(ids)
	for i, e := range events {
		e.ID = ids[i]
	}
	return nil
}

// ListEvents implements store.Queries.
func (q *queries) ListEvents(ctx context.Context, workspaceID string, f store.EventFilter) ([]*store.Event, error) {
	args := []any{workspaceID, f.ConversationID, f.Type, f.AfterID}
	args = append(args, timeArgs(f.Since)...)
	args = append(args, timeArgs(f.Until)...) // "created_at < $8" in the query
	return list(ctx, q, "ListEvents", scanEvent, append(args, limit(f.Limit))...)
}
