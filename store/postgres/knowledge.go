package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// PrepareChunks creates the partial HNSW index for vectors of dims
// dimensions (the migration makes the 768 one) in a transaction of its
// own, under an advisory lock so that concurrent processes create it
// once. Taken inside an ingestion's transaction, CREATE INDEX's share
// lock on kb_chunks deadlocked against concurrent COPYs (SQLSTATE 40P01).
func (d *driver) PrepareChunks(ctx context.Context, dims int) error {
	if dims == 768 {
		return nil
	}
	if _, ok := d.indexed.Load(dims); ok {
		return nil
	}
	err := d.InTx(ctx, func(c sqlstore.Conn) error { return createChunkIndex(ctx, sqlstore.Unwrap(c).(conn).q, dims) })
	if err == nil {
		d.indexed.Store(dims, true)
	}
	return err
}

// createChunkIndex creates the index of dims under a transaction-scoped
// advisory lock keyed by schema and size.
func createChunkIndex(ctx context.Context, q querier, dims int) error {
	name := fmt.Sprintf("kb_chunks_embedding_%d", dims)
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || $1::text))`, name); err != nil {
		return err
	}
	_, err := q.Exec(ctx, ChunkIndexDDL(dims))
	return err
}

// ChunkIndexDDL creates (if missing) the HNSW index of chunk vectors of
// dims dimensions: cosine, over the vectors in half precision (migration
// 10: inserts cost less, and up to 4,000 dimensions can be indexed).
// SearchVector orders by the same expression.
func ChunkIndexDDL(dims int) string {
	return fmt.Sprintf(`CREATE INDEX IF NOT EXISTS kb_chunks_embedding_%d ON kb_chunks
USING hnsw ((embedding::public.halfvec(%d)) public.halfvec_cosine_ops) WHERE dims = %d`, dims, dims, dims)
}

// InsertChunks copies the chunks in with COPY, the fastest way in.
func (d *driver) InsertChunks(ctx context.Context, c sqlstore.Conn, chunks []*store.Chunk, language string) error {
	tx, ok := sqlstore.Unwrap(c).(conn).q.(pgx.Tx)
	if !ok {
		return fmt.Errorf("postgres: chunks are inserted inside a transaction")
	}
	dims := len(chunks[0].Embedding)
	if _, ok := d.indexed.Load(dims); !ok && dims != 768 {
		// Inside a caller's transaction PrepareChunks did not run: create
		// the index here, under the same advisory lock.
		if err := createChunkIndex(ctx, tx, dims); err != nil {
			return err
		}
	}
	var cfg uint32
	if err := tx.QueryRow(ctx, `SELECT $1::regconfig::oid`, language).Scan(&cfg); err != nil {
		return fmt.Errorf("text search configuration %q: %w", language, err)
	}
	rows := make([][]any, len(chunks))
	for i, ch := range chunks {
		if len(ch.Embedding) != dims {
			return fmt.Errorf("chunk %d has %d dimensions, the others %d", ch.Position, len(ch.Embedding), dims)
		}
		rows[i] = []any{ch.ID, ch.WorkspaceID, ch.KnowledgeBaseID, ch.DocumentID, ch.Position, ch.Title, ch.HeadingPath,
			ch.Text, ch.URL, ch.Tokens, cfg, dims, pgvector.NewVector(ch.Embedding)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"kb_chunks"}, []string{"id", "workspace_id", "knowledge_base_id", "document_id",
		"position", "title", "heading_path", "text", "url", "tokens", "language", "dims", "embedding"}, pgx.CopyFromRows(rows))
	return err
}

func (d *driver) DeleteChunks(ctx context.Context, c sqlstore.Conn, documentID string) error {
	_, err := c.Exec(ctx, `DELETE FROM kb_chunks WHERE document_id = $1`, documentID)
	return err
}

// SearchVector uses the HNSW index of the vector size, filtered by
// workspace and knowledge base; iterative scans keep the filter from
// starving the result (pgvector 0.8). The index orders by the distance of
// the vectors in half precision; scores are computed in single precision
// (and Exact orders by them).
func (d *driver) SearchVector(ctx context.Context, workspaceID string, kbIDs []string, v []float32, k int, opts store.VectorSearch) ([]*store.ChunkHit, error) {
	dims := len(v)
	ef := opts.EfSearch
	if ef == 0 {
		ef = 100
	}
	ef = max(ef, k)
	order := fmt.Sprintf("c.embedding::public.halfvec(%d) <=> $1::public.halfvec(%d)", dims, dims)
	if opts.Exact {
		order = fmt.Sprintf("c.embedding::public.vector(%d) <=> $1", dims)
	}
	q := fmt.Sprintf(`SELECT %s, 1 - (c.embedding::public.vector(%d) <=> $1) AS score
FROM kb_chunks c
WHERE c.dims = %d AND c.workspace_id = $2 AND c.knowledge_base_id = ANY($3)
ORDER BY %s
LIMIT $4`, sqlstore.ChunkColumns, dims, dims, order)
	var out []*store.ChunkHit
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		// Keep the planner on the HNSW index (its cost estimate grows with
		// ef_search until a scan and a sort look cheaper, at 10–100 times
		// the latency); iterative scans honour the filters.
		settings := fmt.Sprintf(`SET LOCAL hnsw.ef_search = %d; SET LOCAL hnsw.iterative_scan = relaxed_order;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`, ef)
		if opts.Exact {
			settings = `SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off`
		}
		if _, err := tx.Exec(ctx, settings); err != nil {
			return err
		}
		var err error
		out, err = sqlstore.CollectChunkHits(tx.Query(ctx, q, pgvector.NewVector(v), workspaceID, kbIDs, k))
		return err
	})
	if err != nil {
		return nil, err
	}
	// relaxed_order may return near-ties slightly out of order.
	slices.SortStableFunc(out, func(a, b *store.ChunkHit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out, nil
}

// SearchText matches any of the question's lexemes (stemmed and without
// stop words by each chunk's text search configuration) and ranks with
// ts_rank_cd, titles and headings weighing more.
func (d *driver) SearchText(ctx context.Context, workspaceID string, kbIDs []string, query string, k int) ([]*store.ChunkHit, error) {
	q := fmt.Sprintf(`WITH kb AS (
    SELECT id, language::regconfig AS cfg FROM knowledge_bases WHERE workspace_id = $1 AND id = ANY($2)
), tq AS (
    SELECT id, to_tsquery(cfg, coalesce(nullif(array_to_string(array(
        SELECT quote_literal(l) FROM unnest(tsvector_to_array(to_tsvector(cfg, $3))) l), ' | '), ''), '')) AS q
    FROM kb
)
SELECT %s, ts_rank_cd(c.tsv, tq.q) AS score
FROM kb_chunks c JOIN tq ON tq.id = c.knowledge_base_id
WHERE c.workspace_id = $1 AND c.tsv @@ tq.q
ORDER BY score DESC
LIMIT $4`, sqlstore.ChunkColumns)
	return sqlstore.CollectChunkHits(d.pool.Query(ctx, q, workspaceID, kbIDs, query, k))
}
