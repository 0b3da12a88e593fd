package sqlstore

import (
	"context"
	"fmt"

	"github.com/causerie/causerie/store"
)

func scanFlow(s scanner) (*store.Flow, error) {
	var f store.Flow
	var doc string
	if err := s.Scan(&f.ID, &f.WorkspaceID, &f.Key, &f.Name, &f.Enabled, &f.Priority, &doc, &f.Version,
		&f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&f.CreatedAt, &f.UpdatedAt)
	f.Document = []byte(doc)
	return &f, nil
}

// CreateFlow implements store.Queries.
func (q *queries) CreateFlow(ctx context.Context, f *store.Flow) error {
	if f.ID == "" {
		f.ID = store.NewID("flow")
	}
	f.Version = 1
	f.CreatedAt, f.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateFlow", f.ID, f.WorkspaceID, f.Key, f.Name, f.Enabled, f.Priority, rawOrEmpty(f.Document),
		f.Version, f.CreatedAt, f.UpdatedAt)
	return q.mapErr(err, "flow", f.Key)
}

// GetFlow implements store.Queries.
func (q *queries) GetFlow(ctx context.Context, workspaceID, id string) (*store.Flow, error) {
	f, err := scanFlow(q.conn.QueryRow(ctx, q.sql.Get("GetFlow"), workspaceID, id))
	return f, q.mapErr(err, "flow", id)
}

// GetFlowByKey implements store.Queries.
func (q *queries) GetFlowByKey(ctx context.Context, workspaceID, key string) (*store.Flow, error) {
	f, err := scanFlow(q.conn.QueryRow(ctx, q.sql.Get("GetFlowByKey"), workspaceID, key))
	return f, q.mapErr(err, "flow", key)
}

// ListFlows implements store.Queries.
func (q *queries) ListFlows(ctx context.Context, workspaceID string, f store.FlowFilter) ([]*store.Flow, error) {
	enabledOnly := 0
	if f.EnabledOnly {
		enabledOnly = 1
	}
	return list(ctx, q, "ListFlows", scanFlow, workspaceID, enabledOnly)
}

// UpdateFlow implements store.Queries.
func (q *queries) UpdateFlow(ctx context.Context, f *store.Flow) error {
	f.UpdatedAt = now()
	if err := q.execOne(ctx, "flow", f.Key, "UpdateFlow", f.WorkspaceID, f.ID, f.Key, f.Name, f.Enabled, f.Priority,
		rawOrEmpty(f.Document), f.UpdatedAt); err != nil {
		return err
	}
	f.Version++
	return nil
}

// DeleteFlow implements store.Queries; the flow's runs go with it.
func (q *queries) DeleteFlow(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "flow", id, "DeleteFlow", workspaceID, id)
}

func scanFlowRun(s scanner) (*store.FlowRun, error) {
	var r store.FlowRun
	var vars, trail string
	if err := s.Scan(&r.ID, &r.WorkspaceID, &r.ConversationID, &r.FlowID, &r.Status, &r.NodeID, &vars, &r.Retries,
		&r.Steps, &trail, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&r.CreatedAt, &r.UpdatedAt)
	if err := fromJSON(vars, &r.Vars); err != nil {
		return nil, err
	}
	return &r, fromJSON(trail, &r.Trail)
}

// CreateFlowRun implements store.Queries.
func (q *queries) CreateFlowRun(ctx context.Context, r *store.FlowRun) error {
	if r.ID == "" {
		r.ID = store.NewID("run")
	}
	if r.Status == "" {
		r.Status = store.FlowRunActive
	}
	r.Version = 1
	r.CreatedAt, r.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateFlowRun", r.ID, r.WorkspaceID, r.ConversationID, r.FlowID, string(r.Status), r.NodeID,
		jsonMap(r.Vars), r.Retries, r.Steps, jsonList(r.Trail), r.Version, r.CreatedAt, r.UpdatedAt)
	if err != nil && q.drv.IsUniqueViolation(err) {
		return fmt.Errorf("flow run in conversation %s: the conversation already has an active run: %w",
			r.ConversationID, store.ErrDuplicate)
	}
	return q.mapErr(err, "flow run", r.ID)
}

// GetFlowRun implements store.Queries.
func (q *queries) GetFlowRun(ctx context.Context, workspaceID, id string) (*store.FlowRun, error) {
	r, err := scanFlowRun(q.conn.QueryRow(ctx, q.sql.Get("GetFlowRun"), workspaceID, id))
	return r, q.mapErr(err, "flow run", id)
}

// GetActiveFlowRun implements store.Queries.
func (q *queries) GetActiveFlowRun(ctx context.Context, workspaceID, conversationID string) (*store.FlowRun, error) {
	r, err := scanFlowRun(q.conn.QueryRow(ctx, q.sql.Get("GetActiveFlowRun"), workspaceID, conversationID))
	return r, q.mapErr(err, "active flow run of conversation", conversationID)
}

// ListFlowRuns implements store.Queries.
func (q *queries) ListFlowRuns(ctx context.Context, workspaceID string, f store.FlowRunFilter) ([]*store.FlowRun, error) {
	return list(ctx, q, "ListFlowRuns", scanFlowRun, workspaceID, f.ConversationID, f.FlowID, string(f.Status))
}

// UpdateFlowRun implements store.Queries: an optimistic update on Version.
func (q *queries) UpdateFlowRun(ctx context.Context, r *store.FlowRun) error {
	updated := now()
	n, err := q.exec(ctx, "UpdateFlowRun", r.WorkspaceID, r.ID, r.Version, string(r.Status), r.NodeID, jsonMap(r.Vars),
		r.Retries, r.Steps, jsonList(r.Trail), updated)
	if err != nil {
		return q.mapErr(err, "flow run", r.ID)
	}
	if n == 0 {
		var exists int
		if err := q.conn.QueryRow(ctx, q.sql.Get("FlowRunExists"), r.WorkspaceID, r.ID).Scan(&exists); err != nil {
			return q.mapErr(err, "flow run", r.ID)
		}
		if exists == 0 {
			return fmt.Errorf("flow run %q: %w", r.ID, store.ErrNotFound)
		}
		return fmt.Errorf("flow run %q: %w", r.ID, store.ErrConflict)
	}
	r.Version++
	r.UpdatedAt = updated
	return nil
}

func scanResponseRule(s scanner) (*store.ResponseRule, error) {
	var r store.ResponseRule
	var keywords, actions string
	if err := s.Scan(&r.ID, &r.WorkspaceID, &r.Name, &keywords, &r.Match, &r.Reply, &actions, &r.Enabled, &r.Position,
		&r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&r.CreatedAt, &r.UpdatedAt)
	if err := fromJSON(keywords, &r.Keywords); err != nil {
		return nil, err
	}
	return &r, fromJSON(actions, &r.Actions)
}

// CreateResponseRule implements store.Queries.
func (q *queries) CreateResponseRule(ctx context.Context, r *store.ResponseRule) error {
	if r.ID == "" {
		r.ID = store.NewID("rule")
	}
	if r.Match == "" {
		r.Match = "contains"
	}
	r.CreatedAt, r.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateResponseRule", r.ID, r.WorkspaceID, r.Name, jsonList(r.Keywords), r.Match, r.Reply,
		jsonList(r.Actions), r.Enabled, r.Position, r.CreatedAt, r.UpdatedAt)
	return q.mapErr(err, "response rule", r.Name)
}

// ListResponseRules implements store.Queries.
func (q *queries) ListResponseRules(ctx context.Context, workspaceID string) ([]*store.ResponseRule, error) {
	return list(ctx, q, "ListResponseRules", scanResponseRule, workspaceID)
}

// UpdateResponseRule implements store.Queries.
func (q *queries) UpdateResponseRule(ctx context.Context, r *store.ResponseRule) error {
	if r.Match == "" {
		r.Match = "contains"
	}
	r.UpdatedAt = now()
	return q.execOne(ctx, "response rule", r.Name, "UpdateResponseRule", r.WorkspaceID, r.ID, r.Name, jsonList(r.Keywords),
		r.Match, r.Reply, jsonList(r.Actions), r.Enabled, r.Position, r.UpdatedAt)
}

// DeleteResponseRule implements store.Queries.
func (q *queries) DeleteResponseRule(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "response rule", id, "DeleteResponseRule", workspaceID, id)
}
