-- Knowledge bases: documents and their chunks, searched with FTS5 (bm25)
-- and sqlite-vec. Vector tables (kb_vectors_<dims>, vec0, partitioned by
-- knowledge base) are created on first use for each embedding size.

-- +goose Up
ALTER TABLE ai_agents ADD COLUMN knowledge TEXT NOT NULL DEFAULT '{}';
ALTER TABLE knowledge_bases ADD COLUMN embedder TEXT NOT NULL DEFAULT '';

CREATE TABLE kb_documents (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    source            TEXT NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    url               TEXT NOT NULL DEFAULT '',
    content_hash      TEXT NOT NULL,
    chunks            INTEGER NOT NULL DEFAULT 0,
    embedder          TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (knowledge_base_id, source)
);

CREATE TABLE kb_chunks (
    rowid             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: vectors are keyed by it
    id                TEXT NOT NULL UNIQUE,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    document_id       TEXT NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    heading_path      TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    url               TEXT NOT NULL DEFAULT '',
    tokens            INTEGER NOT NULL DEFAULT 0,
    dims              INTEGER NOT NULL
);
CREATE INDEX kb_chunks_document ON kb_chunks (document_id);
CREATE INDEX kb_chunks_kb ON kb_chunks (knowledge_base_id);

CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(
    title, heading_path, text,
    content = 'kb_chunks', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- +goose StatementBegin
CREATE TRIGGER kb_chunks_fts_insert AFTER INSERT ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (rowid, title, heading_path, text) VALUES (new.rowid, new.title, new.heading_path, new.text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kb_chunks_fts_delete AFTER DELETE ON kb_chunks BEGIN
    INSERT INTO kb_chunks_fts (kb_chunks_fts, rowid, title, heading_path, text) VALUES ('delete', old.rowid, old.title, old.heading_path, old.text);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER kb_chunks_fts_delete;
DROP TRIGGER kb_chunks_fts_insert;
DROP TABLE kb_chunks_fts;
DROP TABLE kb_chunks;
DROP TABLE kb_documents;
