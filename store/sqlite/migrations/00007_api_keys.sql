-- API keys of a workspace: admin keys, and agent keys bound to one user.
-- Only the SHA-256 of a secret is kept; it is unique, and found without
-- knowing the workspace (a request is authenticated by it).

-- +goose Up
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    revoked_at   DATETIME
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

-- +goose Down
DROP TABLE api_keys;
