package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/causerie/causerie/store"
)

// KnowledgeDriver is what a dialect brings for knowledge-base chunks:
// how vectors and text are stored and searched differs too much to share.
type KnowledgeDriver interface {
	// PrepareChunks readies the store for chunks of dims dimensions (an
	// index per vector size) outside any data transaction: schema changes
	// taken inside one would lock against concurrent ingestions. Called
	// before SaveDocument's transaction; idempotent and safe across
	// processes.
	PrepareChunks(ctx context.Context, dims int) error
	// InsertChunks stores chunks (IDs set) in c's transaction; language
	// is the knowledge base's text search configuration.
	InsertChunks(ctx context.Context, c Conn, chunks []*store.Chunk, language string) error
	// DeleteChunks removes a document's chunks in c's transaction.
	DeleteChunks(ctx context.Context, c Conn, documentID string) error
	SearchVector(ctx context.Context, workspaceID string, kbIDs []string, v []float32, k int, opts store.VectorSearch) ([]*store.ChunkHit, error)
	SearchText(ctx context.Context, workspaceID string, kbIDs []string, query string, k int) ([]*store.ChunkHit, error)
}

// ChunkColumns are the columns ScanChunkHit reads, in order, followed by
// the score.
const ChunkColumns = "c.id, c.workspace_id, c.knowledge_base_id, c.document_id, c.position, c.title, c.heading_path, c.text, c.url, c.tokens"

// ScanChunkHit scans ChunkColumns and a score.
func ScanChunkHit(s interface{ Scan(...any) error }) (*store.ChunkHit, error) {
	var h store.ChunkHit
	c := &h.Chunk
	err := s.Scan(&c.ID, &c.WorkspaceID, &c.KnowledgeBaseID, &c.DocumentID, &c.Position, &c.Title, &c.HeadingPath,
		&c.Text, &c.URL, &c.Tokens, &h.Score)
	return &h, err
}

// CollectChunkHits reads every row of a chunk search (ChunkColumns and a
// score) and closes rows; err is the error of the query that made them.
func CollectChunkHits(rows Rows, err error) ([]*store.ChunkHit, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.ChunkHit
	for rows.Next() {
		h, err := ScanChunkHit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func scanDocument(s scanner) (*store.Document, error) {
	var d store.Document
	if err := s.Scan(&d.ID, &d.WorkspaceID, &d.KnowledgeBaseID, &d.Source, &d.Title, &d.URL, &d.ContentHash, &d.Chunks,
		&d.Embedder, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&d.CreatedAt, &d.UpdatedAt)
	return &d, nil
}

// ListChunks implements store.Queries.
func (q *queries) ListChunks(ctx context.Context, workspaceID, documentID string) ([]*store.Chunk, error) {
	return list(ctx, q, "ListChunks", func(s scanner) (*store.Chunk, error) {
		var c store.Chunk
		err := s.Scan(&c.ID, &c.WorkspaceID, &c.KnowledgeBaseID, &c.DocumentID, &c.Position, &c.Title, &c.HeadingPath,
			&c.Text, &c.URL, &c.Tokens)
		return &c, err
	}, workspaceID, documentID)
}

// ListDocuments implements store.Queries.
func (q *queries) ListDocuments(ctx context.Context, workspaceID, knowledgeBaseID string) ([]*store.Document, error) {
	return list(ctx, q, "ListDocuments", scanDocument, workspaceID, knowledgeBaseID)
}

// SaveDocument implements store.Queries.
func (q *queries) SaveDocument(ctx context.Context, doc *store.Document, chunks []*store.Chunk) error {
	if len(chunks) > 0 && !q.inTx {
		if err := q.drv.PrepareChunks(ctx, len(chunks[0].Embedding)); err != nil {
			return fmt.Errorf("prepare the chunks of %s: %w", doc.Source, err)
		}
	}
	return q.tx(ctx, func(q *queries) error {
		var language string
		if err := q.conn.QueryRow(ctx, q.sql.Get("GetKnowledgeBaseLanguage"), doc.WorkspaceID, doc.KnowledgeBaseID).Scan(&language); err != nil {
			return q.mapErr(err, "knowledge base", doc.KnowledgeBaseID)
		}
		prev, err := scanDocument(q.conn.QueryRow(ctx, q.sql.Get("GetDocumentBySource"), doc.WorkspaceID, doc.KnowledgeBaseID, doc.Source))
		doc.Chunks, doc.UpdatedAt = len(chunks), now()
		switch {
		case err == nil:
			doc.ID, doc.CreatedAt = prev.ID, prev.CreatedAt
			if err := q.drv.DeleteChunks(ctx, q.conn, doc.ID); err != nil {
				return fmt.Errorf("replace the chunks of %s: %w", doc.Source, err)
			}
			if _, err := q.exec(ctx, "UpdateDocument", doc.WorkspaceID, doc.ID, doc.Title, doc.URL, doc.ContentHash,
				doc.Chunks, doc.Embedder, doc.UpdatedAt); err != nil {
				return q.mapErr(err, "document", doc.Source)
			}
		case errors.Is(err, ErrNoRows):
			doc.ID, doc.CreatedAt = store.NewID("doc"), doc.UpdatedAt
			if _, err := q.exec(ctx, "InsertDocument", doc.ID, doc.WorkspaceID, doc.KnowledgeBaseID, doc.Source, doc.Title,
				doc.URL, doc.ContentHash, doc.Chunks, doc.Embedder, doc.CreatedAt, doc.UpdatedAt); err != nil {
				return q.mapErr(err, "document", doc.Source)
			}
		default:
			return q.mapErr(err, "document", doc.Source)
		}
		for i, c := range chunks {
			c.ID = store.NewID("chk")
			c.WorkspaceID, c.KnowledgeBaseID, c.DocumentID, c.Position = doc.WorkspaceID, doc.KnowledgeBaseID, doc.ID, i
		}
		if len(chunks) == 0 {
			return nil
		}
		if err := q.drv.InsertChunks(ctx, q.conn, chunks, language); err != nil {
			return fmt.Errorf("store the chunks of %s: %w", doc.Source, err)
		}
		return nil
	})
}

// DeleteDocument implements store.Queries.
func (q *queries) DeleteDocument(ctx context.Context, workspaceID, id string) error {
	return q.tx(ctx, func(q *queries) error {
		if _, err := scanDocument(q.conn.QueryRow(ctx, q.sql.Get("GetDocument"), workspaceID, id)); err != nil {
			return q.mapErr(err, "document", id)
		}
		if err := q.drv.DeleteChunks(ctx, q.conn, id); err != nil {
			return err
		}
		return q.execOne(ctx, "document", id, "DeleteDocument", workspaceID, id)
	})
}

// CountChunks implements store.Queries.
func (q *queries) CountChunks(ctx context.Context, workspaceID, knowledgeBaseID string) (int, error) {
	var n int
	err := q.conn.QueryRow(ctx, q.sql.Get("CountChunks"), workspaceID, knowledgeBaseID).Scan(&n)
	return n, q.mapErr(err, "knowledge base", knowledgeBaseID)
}

// SearchVector implements store.Queries.
func (q *queries) SearchVector(ctx context.Context, workspaceID string, kbIDs []string, v []float32, k int, opts store.VectorSearch) ([]*store.ChunkHit, error) {
	if len(kbIDs) == 0 || k <= 0 || len(v) == 0 {
		return nil, nil
	}
	return q.drv.SearchVector(ctx, workspaceID, kbIDs, v, k, opts)
}

// SearchText implements store.Queries.
func (q *queries) SearchText(ctx context.Context, workspaceID string, kbIDs []string, query string, k int) ([]*store.ChunkHit, error) {
	if len(kbIDs) == 0 || k <= 0 {
		return nil, nil
	}
	return q.drv.SearchText(ctx, workspaceID, kbIDs, query, k)
}
