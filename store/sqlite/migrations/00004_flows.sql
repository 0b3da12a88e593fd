-- Flows, their runs (one active run per conversation) and response rules.

-- +goose Up
CREATE TABLE flows (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    name         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    priority     INTEGER NOT NULL DEFAULT 0,
    document     TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (workspace_id, key)
);

CREATE TABLE flow_runs (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    flow_id         TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    node_id         TEXT NOT NULL DEFAULT '',
    vars            TEXT NOT NULL DEFAULT '{}',
    retries         INTEGER NOT NULL DEFAULT 0,
    steps           INTEGER NOT NULL DEFAULT 0,
    trail           TEXT NOT NULL DEFAULT '[]',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
-- One active run per conversation.
CREATE UNIQUE INDEX flow_runs_active ON flow_runs (conversation_id) WHERE status = 'active';
CREATE INDEX flow_runs_workspace ON flow_runs (workspace_id, flow_id);

CREATE TABLE response_rules (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    keywords     TEXT NOT NULL DEFAULT '[]',
    match_mode   TEXT NOT NULL DEFAULT 'contains',
    reply        TEXT NOT NULL DEFAULT '',
    actions      TEXT NOT NULL DEFAULT '[]',
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    position     INTEGER NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (workspace_id, name)
);

-- +goose Down
DROP TABLE response_rules;
DROP TABLE flow_runs;
DROP TABLE flows;
