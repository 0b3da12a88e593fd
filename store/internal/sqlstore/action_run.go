package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

func scanActionRun(s scanner) (*store.ActionRun, error) {
	var r store.ActionRun
	var result string
	if err := s.Scan(&r.WorkspaceID, &r.Key, &r.Action, &r.Status, &result, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&r.CreatedAt, &r.UpdatedAt)
	r.Result = []byte(result)
	return &r, nil
}

func rawOrEmpty(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// CreateActionRun implements store.Queries.
func (q *queries) CreateActionRun(ctx context.Context, r *store.ActionRun) error {
	r.CreatedAt, r.UpdatedAt = now(), now()
	if r.Status == "" {
		r.Status = store.RunPending
	}
	_, err := q.exec(ctx, "CreateActionRun", r.WorkspaceID, r.Key, r.Action, string(r.Status), rawOrEmpty(r.Result), r.CreatedAt, r.UpdatedAt)
	return q.mapErr(err, "action run", r.Key)
}

// GetActionRun implements store.Queries.
func (q *queries) GetActionRun(ctx context.Context, workspaceID, key string) (*store.ActionRun, error) {
	r, err := scanActionRun(q.conn.QueryRow(ctx, q.sql.Get("GetActionRun"), workspaceID, key))
	return r, q.mapErr(err, "action run", key)
}

// UpdateActionRun implements store.Queries.
func (q *queries) UpdateActionRun(ctx context.Context, r *store.ActionRun) error {
	r.UpdatedAt = now()
	return q.execOne(ctx, "action run", r.Key, "UpdateActionRun", r.WorkspaceID, r.Key, string(r.Status), rawOrEmpty(r.Result), r.UpdatedAt)
}

// DeleteActionRun implements store.Queries.
func (q *queries) DeleteActionRun(ctx context.Context, workspaceID, key string) error {
	return q.execOne(ctx, "action run", key, "DeleteActionRun", workspaceID, key)
}
