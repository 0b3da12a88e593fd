-- Conversations' event streams, visitor tokens and idempotency keys.
--
-- A stream event's seq comes from its conversation's stream_seq, bumped
-- (UPDATE … RETURNING) in the append's transaction: the row lock it takes
-- makes the appends of one conversation queue, so their seqs commit in
-- order and a reader never finds an event appear below one it has seen.
-- The stream's workspace_id is a plain column: the conversation's cascade
-- already removes the events with their workspace.
--
-- data and response are JSON text, kept byte for byte as written, so
-- that a replay sends what the live stream (or the first answer) sent.
--
-- A visitor token keeps only the SHA-256 of its secret, found without
-- knowing the workspace; contact_id is no foreign key, since a merge moves
-- the conversation (and its visitor) to another contact.
--
-- The (workspace_id, id) indexes serve the lists that page by ID.

-- +goose Up
ALTER TABLE conversations ADD COLUMN stream_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE conversation_stream (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE visitor_tokens (
    hash            TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id      TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE INDEX visitor_tokens_conversation ON visitor_tokens (conversation_id);

CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    response     TEXT,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (workspace_id, scope, key)
);

CREATE INDEX conversations_workspace ON conversations (workspace_id, id);
CREATE INDEX contacts_workspace ON contacts (workspace_id, id);

-- +goose Down
DROP INDEX contacts_workspace;
DROP INDEX conversations_workspace;
DROP TABLE idempotency_keys;
DROP TABLE visitor_tokens;
DROP TABLE conversation_stream;
ALTER TABLE conversations DROP COLUMN stream_seq;
