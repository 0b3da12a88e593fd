package store

import (
	"context"
	"time"
)

// KnowledgeQueries store knowledge-base documents and their chunks, and
// search them by vector and by text.
type KnowledgeQueries interface {
	// ListDocuments lists a knowledge base's documents by source.
	ListDocuments(ctx context.Context, workspaceID, knowledgeBaseID string) ([]*Document, error)
	// SaveDocument creates doc, or replaces the document with the same
	// source in its knowledge base, with exactly these chunks (in one
	// transaction). It sets the IDs it creates.
	SaveDocument(ctx context.Context, doc *Document, chunks []*Chunk) error
	// DeleteDocument deletes a document and its chunks.
	DeleteDocument(ctx context.Context, workspaceID, id string) error
	// ListChunks lists a document's chunks in order, without their
	// embeddings (the text a capture writes back out).
	ListChunks(ctx context.Context, workspaceID, documentID string) ([]*Chunk, error)
	// CountChunks counts a knowledge base's chunks.
	CountChunks(ctx context.Context, workspaceID, knowledgeBaseID string) (int, error)
	// SearchVector returns the k chunks of the knowledge bases nearest to
	// vector (cosine), nearest first.
	SearchVector(ctx context.Context, workspaceID string, knowledgeBaseIDs []string, vector []float32, k int, opts VectorSearch) ([]*ChunkHit, error)
	// SearchText returns the k chunks that best match query by full-text
	// search, best first.
	SearchText(ctx context.Context, workspaceID string, knowledgeBaseIDs []string, query string, k int) ([]*ChunkHit, error)
}

// Document is a file or entry ingested into a knowledge base.
type Document struct {
	ID              string
	WorkspaceID     string
	KnowledgeBaseID string
	// Source identifies the document in its knowledge base: a file path,
	// or "qa:<file>#<n>" for an inline Q&A entry.
	Source string
	Title  string
	URL    string
	// ContentHash is the hash of the content the chunks came from:
	// re-ingesting unchanged content is skipped.
	ContentHash string
	Chunks      int
	// Embedder names the embedding the chunks' vectors come from.
	Embedder string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Chunk is a passage of a document, with its embedding.
type Chunk struct {
	ID              string
	WorkspaceID     string
	KnowledgeBaseID string
	DocumentID      string
	// Position orders chunks within their document.
	Position int
	Title    string // the document's title
	// HeadingPath is the chain of headings above the passage
	// ("Tarifs > Coloration").
	HeadingPath string
	Text        string
	URL         string
	Tokens      int
	Embedding   []float32
}

// ChunkHit is a chunk found by a search.
type ChunkHit struct {
	Chunk
	// Score is the retriever's: cosine similarity for vectors, the text
	// rank for full-text search (higher is better for both).
	Score float64
}

// VectorSearch tunes a vector search.
type VectorSearch struct {
	// EfSearch is the size of the candidate list: HNSW's ef_search on
	// PostgreSQL (0 uses 100); on SQLite, how many candidates of the
	// first, binary-quantised pass are re-scored exactly (0 uses
	// sqlite.DefaultCandidates).
	EfSearch int
	// Exact scans every vector instead of using the index or the first
	// pass (to measure their recall).
	Exact bool
}
