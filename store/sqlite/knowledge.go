package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	_ "modernc.org/sqlite/vec" // registers sqlite-vec's vec0 virtual tables

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// vectorTable names the vec0 table holding vectors of dims dimensions.
func vectorTable(dims int) string { return fmt.Sprintf("kb_vectors_%d", dims) }

// ensureVectorTable creates the vec0 table for dims on first use; vectors
// are partitioned by knowledge base, so a search scans only its own.
func ensureVectorTable(ctx context.Context, c sqlstore.Conn, dims int) error {
	_, err := c.Exec(ctx, fmt.Sprintf(`CREATE VIRTUAL TABLE IF NOT EXISTS %s USING vec0(
    knowledge_base_id text partition key,
    embedding float[%d] distance_metric=cosine)`, vectorTable(dims), dims))
	return err
}

// vectorBlob is sqlite-vec's compact form: little-endian float32s.
func vectorBlob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// PrepareChunks has nothing to do: with one writer at a time, the vector
// table of a size is created inside the ingestion's transaction
// (InsertChunks) without locking against anyone.
func (d *driver) PrepareChunks(context.Context, int) error { return nil }

func (d *driver) InsertChunks(ctx context.Context, c sqlstore.Conn, chunks []*store.Chunk, _ string) error {
	tc, ok := sqlstore.Unwrap(c).(txConn)
	if !ok {
		return fmt.Errorf("sqlite: chunks are inserted inside a transaction")
	}
	dims := len(chunks[0].Embedding)
	if err := ensureVectorTable(ctx, c, dims); err != nil {
		return err
	}
	insChunk, err := tc.tx.PrepareContext(ctx, `INSERT INTO kb_chunks (id, workspace_id, knowledge_base_id, document_id, position,
    title, heading_path, text, url, tokens, dims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING rowid`)
	if err != nil {
		return err
	}
	defer insChunk.Close()
	insVec, err := tc.tx.PrepareContext(ctx, fmt.Sprintf(`INSERT INTO %s (rowid, knowledge_base_id, embedding) VALUES ($1, $2, $3)`, vectorTable(dims)))
	if err != nil {
		return err
	}
	defer insVec.Close()
	for _, ch := range chunks {
		if len(ch.Embedding) != dims {
			return fmt.Errorf("chunk %d has %d dimensions, the others %d", ch.Position, len(ch.Embedding), dims)
		}
		var rowid int64
		if err := insChunk.QueryRowContext(ctx, ch.ID, ch.WorkspaceID, ch.KnowledgeBaseID, ch.DocumentID, ch.Position,
			ch.Title, ch.HeadingPath, ch.Text, ch.URL, ch.Tokens, dims).Scan(&rowid); err != nil {
			return err
		}
		if _, err := insVec.ExecContext(ctx, rowid, ch.KnowledgeBaseID, vectorBlob(ch.Embedding)); err != nil {
			return err
		}
	}
	return nil
}

func (d *driver) DeleteChunks(ctx context.Context, c sqlstore.Conn, documentID string) error {
	rows, err := c.Query(ctx, `SELECT DISTINCT dims FROM kb_chunks WHERE document_id = $1`, documentID)
	if err != nil {
		return err
	}
	var dims []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		dims = append(dims, n)
	}
	rows.Close()
	for _, n := range dims {
		if _, err := c.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE rowid IN (SELECT rowid FROM kb_chunks WHERE document_id = $1)`,
			vectorTable(n)), documentID); err != nil {
			return err
		}
	}
	_, err = c.Exec(ctx, `DELETE FROM kb_chunks WHERE document_id = $1`, documentID)
	return err
}

// SearchVector scans each knowledge base's partition (sqlite-vec is exact
// search) and merges them.
func (d *driver) SearchVector(ctx context.Context, workspaceID string, kbIDs []string, v []float32, k int, _ store.VectorSearch) ([]*store.ChunkHit, error) {
	c := pooled{d}
	var exists int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM sqlite_master WHERE name = $1`, vectorTable(len(v))).Scan(&exists); err != nil {
		return nil, err
	}
	if exists == 0 {
		return nil, nil // nothing of this size was ever ingested
	}
	q := fmt.Sprintf(`SELECT %s, coalesce(1 - v.distance, 0)
FROM (SELECT rowid, distance FROM %s WHERE embedding MATCH $1 AND k = $2 AND knowledge_base_id = $3) v
JOIN kb_chunks c ON c.rowid = v.rowid
WHERE c.workspace_id = $4
ORDER BY v.distance`, sqlstore.ChunkColumns, vectorTable(len(v)))
	blob := vectorBlob(v)
	var out []*store.ChunkHit
	for _, kb := range kbIDs {
		hits, err := sqlstore.CollectChunkHits(c.Query(ctx, q, blob, k, kb, workspaceID))
		if err != nil {
			return nil, err
		}
		out = append(out, hits...)
	}
	slices.SortStableFunc(out, func(a, b *store.ChunkHit) int { return -cmpFloat(a.Score, b.Score) })
	return out[:min(k, len(out))], nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ftsQuery turns a question into an FTS5 query: its words, any of them
// matching (bm25 ranks chunks with more and rarer words first). FTS5 has
// no French stemmer, so words match by prefix, longer words without their
// last two letters: "étudiants" finds "étudiant", "chien" finds "chiens".
func ftsQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var terms []string
	for _, w := range words {
		r := []rune(w)
		switch {
		case len(r) < 2:
			continue
		case len(r) >= 7:
			w = string(r[:len(r)-2])
		}
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " OR ")
}

// SearchText ranks with bm25, the title and heading path weighing more
// than the text.
func (d *driver) SearchText(ctx context.Context, workspaceID string, kbIDs []string, query string, k int) ([]*store.ChunkHit, error) {
	match := ftsQuery(query)
	if match == "" {
		return nil, nil
	}
	args := []any{match, workspaceID, k}
	marks := make([]string, len(kbIDs))
	for i, id := range kbIDs {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+4)
	}
	q := fmt.Sprintf(`SELECT %s, -bm25(kb_chunks_fts, 2.0, 1.5, 1.0)
FROM kb_chunks_fts JOIN kb_chunks c ON c.rowid = kb_chunks_fts.rowid
WHERE kb_chunks_fts MATCH $1 AND c.workspace_id = $2 AND c.knowledge_base_id IN (%s)
ORDER BY bm25(kb_chunks_fts, 2.0, 1.5, 1.0) LIMIT $3`, sqlstore.ChunkColumns, strings.Join(marks, ", "))
	return sqlstore.CollectChunkHits(pooled{d}.Query(ctx, q, args...))
}
