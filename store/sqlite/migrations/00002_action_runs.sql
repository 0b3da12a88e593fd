-- Idempotency of actions: one row per idempotency key.

-- +goose Up
CREATE TABLE action_runs (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    action       TEXT NOT NULL,
    status       TEXT NOT NULL,
    result       TEXT NOT NULL DEFAULT '{}',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- +goose Down
DROP TABLE action_runs;
