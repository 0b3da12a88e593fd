package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/causerie/causerie/store"
)

// jsonText is the column value of a JSON document: "{}" for none. Both
// dialects store it as written (PostgreSQL's JSON type would refuse what
// is not JSON; SQLite is made to refuse it too).
func jsonText(what string, b json.RawMessage) (string, error) {
	if len(b) == 0 {
		return "{}", nil
	}
	if !json.Valid(b) {
		return "", fmt.Errorf("%s is not valid JSON", what)
	}
	return string(b), nil
}

func scanStreamEvent(s scanner) (*store.StreamEvent, error) {
	var e store.StreamEvent
	var data string
	if err := s.Scan(&e.WorkspaceID, &e.ConversationID, &e.Seq, &e.Kind, &data, &e.CreatedAt); err != nil {
		return nil, err
	}
	utc(&e.CreatedAt)
	e.Data = json.RawMessage(data)
	return &e, nil
}

// AppendStreamEvent implements store.Queries, in one statement (see the
// query): bumping the conversation's stream_seq locks its row until the
// transaction ends, so appends to one conversation queue and commit in
// seq order; on PostgreSQL the notice goes in the same statement, so
// listeners hear of committed events only.
func (q *queries) AppendStreamEvent(ctx context.Context, e *store.StreamEvent) error {
	data, err := jsonText("stream event data", e.Data)
	if err != nil {
		return err
	}
	created := now()
	var seq int64
	var scan []any
	if q.drv.Name() == "postgres" {
		var notified string // pg_notify's void, as text
		scan = []any{&seq, &notified}
	} else {
		scan = []any{&seq}
	}
	err = q.conn.QueryRow(ctx, q.sql.Get("AppendStreamEvent"), e.WorkspaceID, e.ConversationID, e.Kind, data, created).Scan(scan...)
	if err != nil {
		return q.mapErr(err, "conversation", e.ConversationID)
	}
	e.Seq, e.CreatedAt, e.Data = seq, created, json.RawMessage(data)
	return nil
}

// ListStreamEvents implements store.Queries.
func (q *queries) ListStreamEvents(ctx context.Context, workspaceID, conversationID string, afterSeq int64, n int) ([]*store.StreamEvent, error) {
	return list(ctx, q, "ListStreamEvents", scanStreamEvent, workspaceID, conversationID, afterSeq, limit(n))
}

func scanVisitorToken(s scanner) (*store.VisitorToken, error) {
	var t store.VisitorToken
	if err := s.Scan(&t.Hash, &t.WorkspaceID, &t.ConversationID, &t.ContactID, &t.CreatedAt); err != nil {
		return nil, err
	}
	utc(&t.CreatedAt)
	return &t, nil
}

// CreateVisitorToken implements store.Queries. The conversation and the
// contact must be the workspace's.
func (q *queries) CreateVisitorToken(ctx context.Context, t *store.VisitorToken) error {
	t.CreatedAt = now()
	return q.tx(ctx, func(q *queries) error {
		if err := q.contactExists(ctx, t.WorkspaceID, t.ContactID); err != nil {
			return err
		}
		n, err := q.exec(ctx, "CreateVisitorToken", t.Hash, t.WorkspaceID, t.ConversationID, t.ContactID, t.CreatedAt)
		if err != nil {
			return q.mapErr(err, "visitor token", "")
		}
		if n == 0 {
			return fmt.Errorf("conversation %q: %w", t.ConversationID, store.ErrNotFound)
		}
		return nil
	})
}

// GetVisitorTokenByHash implements store.Queries.
func (q *queries) GetVisitorTokenByHash(ctx context.Context, hash string) (*store.VisitorToken, error) {
	t, err := scanVisitorToken(q.conn.QueryRow(ctx, q.sql.Get("GetVisitorTokenByHash"), hash))
	return t, q.mapErr(err, "visitor token", "")
}

func scanIdempotencyRecord(s scanner) (*store.IdempotencyRecord, error) {
	var r store.IdempotencyRecord
	var response sql.NullString
	if err := s.Scan(&r.WorkspaceID, &r.Scope, &r.Key, &r.RequestHash, &r.Status, &response, &r.CreatedAt); err != nil {
		return nil, err
	}
	utc(&r.CreatedAt)
	if response.Valid {
		r.Response = json.RawMessage(response.String)
	}
	return &r, nil
}

// claimAttempts bounds how often ClaimIdempotencyKey finds the key taken
// and then gone (released between its insert and its read).
const claimAttempts = 5

// ClaimIdempotencyKey implements store.Queries. The insert does nothing
// when the key is taken (on PostgreSQL it first waits for a concurrent
// claim's transaction), so exactly one of concurrent claimants wins.
func (q *queries) ClaimIdempotencyKey(ctx context.Context, r *store.IdempotencyRecord) (*store.IdempotencyRecord, error) {
	for range claimAttempts {
		created := now()
		n, err := q.exec(ctx, "ClaimIdempotencyKey", r.WorkspaceID, r.Scope, r.Key, r.RequestHash, created)
		if err != nil {
			return nil, q.mapErr(err, "idempotency key", r.Key)
		}
		if n == 1 {
			r.Status, r.Response, r.CreatedAt = 0, nil, created
			return nil, nil
		}
		stored, err := scanIdempotencyRecord(q.conn.QueryRow(ctx, q.sql.Get("GetIdempotencyKey"), r.WorkspaceID, r.Scope, r.Key))
		if errors.Is(err, ErrNoRows) {
			continue // released meanwhile: claim it again
		}
		if err != nil {
			return nil, q.mapErr(err, "idempotency key", r.Key)
		}
		return stored, nil
	}
	return nil, fmt.Errorf("idempotency key %q: claimed and released %d times while claiming it", r.Key, claimAttempts)
}

// CompleteIdempotencyKey implements store.Queries.
func (q *queries) CompleteIdempotencyKey(ctx context.Context, r *store.IdempotencyRecord) error {
	var response any // NULL for no body
	if len(r.Response) > 0 {
		text, err := jsonText("idempotent response", r.Response)
		if err != nil {
			return err
		}
		response = text
	}
	return q.execOne(ctx, "idempotency key", r.Key, "CompleteIdempotencyKey", r.WorkspaceID, r.Scope, r.Key, r.Status, response)
}

// ReleaseIdempotencyKey implements store.Queries.
func (q *queries) ReleaseIdempotencyKey(ctx context.Context, workspaceID, scope, key string) error {
	return q.execOne(ctx, "idempotency key", key, "ReleaseIdempotencyKey", workspaceID, scope, key)
}
