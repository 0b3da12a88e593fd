-- Knowledge bases: documents and their chunks. Chunks keep their vector
-- in an untyped vector column with its size (dims), indexed by an HNSW
-- index per size (cosine) — 768 here, others created on first use — and
-- a generated tsvector in the knowledge base's text search configuration,
-- indexed by GIN.

-- +goose Up
ALTER TABLE ai_agents ADD COLUMN knowledge JSONB NOT NULL DEFAULT '{}';
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
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (knowledge_base_id, source)
);

CREATE TABLE kb_chunks (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    document_id       TEXT NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    heading_path      TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    url               TEXT NOT NULL DEFAULT '',
    tokens            INTEGER NOT NULL DEFAULT 0,
    language          REGCONFIG NOT NULL DEFAULT 'simple',
    tsv               TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector(language, title || ' ' || heading_path), 'A') || setweight(to_tsvector(language, text), 'B')
    ) STORED,
    dims              INTEGER NOT NULL,
    embedding         public.vector NOT NULL
);
CREATE INDEX kb_chunks_document ON kb_chunks (document_id);
-- No B-tree on (workspace, knowledge base): it would tempt the planner to
-- filter and sort exactly instead of using the HNSW index with iterative
-- scans (see SearchVector).
CREATE INDEX kb_chunks_tsv ON kb_chunks USING gin (tsv);
CREATE INDEX kb_chunks_embedding_768 ON kb_chunks USING hnsw ((embedding::public.vector(768)) public.vector_cosine_ops) WHERE dims = 768;

-- +goose Down
DROP TABLE kb_chunks;
DROP TABLE kb_documents;
