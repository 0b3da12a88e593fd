-- Knowledge-base documents. Chunks and searches are each dialect's own
-- (see the drivers' knowledge.go): vectors and full-text search differ.

-- name: GetKnowledgeBaseLanguage
SELECT language FROM knowledge_bases WHERE workspace_id = $1 AND id = $2;

-- name: ListDocuments
SELECT id, workspace_id, knowledge_base_id, source, title, url, content_hash, chunks, embedder, created_at, updated_at
FROM kb_documents WHERE workspace_id = $1 AND knowledge_base_id = $2 ORDER BY source;

-- name: ListChunks
SELECT id, workspace_id, knowledge_base_id, document_id, position, title, heading_path, text, url, tokens
FROM kb_chunks WHERE workspace_id = $1 AND document_id = $2 ORDER BY position;

-- name: GetDocumentBySource
SELECT id, workspace_id, knowledge_base_id, source, title, url, content_hash, chunks, embedder, created_at, updated_at
FROM kb_documents WHERE workspace_id = $1 AND knowledge_base_id = $2 AND source = $3;

-- name: GetDocument
SELECT id, workspace_id, knowledge_base_id, source, title, url, content_hash, chunks, embedder, created_at, updated_at
FROM kb_documents WHERE workspace_id = $1 AND id = $2;

-- name: InsertDocument
INSERT INTO kb_documents (id, workspace_id, knowledge_base_id, source, title, url, content_hash, chunks, embedder,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: UpdateDocument
UPDATE kb_documents SET title = $3, url = $4, content_hash = $5, chunks = $6, embedder = $7, updated_at = $8
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteDocument
DELETE FROM kb_documents WHERE workspace_id = $1 AND id = $2;

-- name: CountChunks
SELECT count(*) FROM kb_chunks WHERE workspace_id = $1 AND knowledge_base_id = $2;
