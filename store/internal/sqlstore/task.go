package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

func scanTask(s scanner) (*store.Task, error) {
	var t store.Task
	if err := s.Scan(&t.ID, &t.WorkspaceID, &t.ConversationID, &t.ContactID, &t.Title, &t.Description,
		&t.Assignee.Type, &t.Assignee.ID, &t.Priority, &t.Status, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&t.CreatedAt, &t.UpdatedAt)
	return &t, nil
}

// CreateTask implements store.Queries.
func (q *queries) CreateTask(ctx context.Context, t *store.Task) error {
	if t.ID == "" {
		t.ID = store.NewID("task")
	}
	if t.Priority == "" {
		t.Priority = store.PriorityNormal
	}
	if t.Status == "" {
		t.Status = store.TaskOpen
	}
	t.CreatedAt, t.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateTask", t.ID, t.WorkspaceID, t.ConversationID, t.ContactID, t.Title, t.Description,
		string(t.Assignee.Type), t.Assignee.ID, string(t.Priority), string(t.Status), t.CreatedAt, t.UpdatedAt)
	return q.mapErr(err, "task", t.ID)
}

// GetTask implements store.Queries.
func (q *queries) GetTask(ctx context.Context, workspaceID, id string) (*store.Task, error) {
	t, err := scanTask(q.conn.QueryRow(ctx, q.sql.Get("GetTask"), workspaceID, id))
	return t, q.mapErr(err, "task", id)
}

// ListTasks implements store.Queries.
func (q *queries) ListTasks(ctx context.Context, workspaceID string, f store.TaskFilter) ([]*store.Task, error) {
	args := append([]any{workspaceID, string(f.Status), f.ContactID}, assigneeArgs(f.Assignee)...)
	return list(ctx, q, "ListTasks", scanTask, append(args, limit(f.Limit))...)
}

// UpdateTask implements store.Queries.
func (q *queries) UpdateTask(ctx context.Context, t *store.Task) error {
	t.UpdatedAt = now()
	return q.execOne(ctx, "task", t.ID, "UpdateTask", t.WorkspaceID, t.ID, t.Title, t.Description,
		string(t.Assignee.Type), t.Assignee.ID, string(t.Priority), string(t.Status), t.UpdatedAt)
}

// DeleteTask implements store.Queries.
func (q *queries) DeleteTask(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "task", id, "DeleteTask", workspaceID, id)
}
