-- One turn at a time per conversation: a lease per conversation.

-- +goose Up
CREATE TABLE turn_locks (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    holder          TEXT NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE turn_locks;
