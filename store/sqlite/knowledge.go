package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// Vector search on SQLite is in two passes. Each chunk's vector is stored
// in kb_chunk_vectors (keyed by the chunk's rowid) twice: as float32s and
// as its sign bits (binary quantisation, 1 bit a dimension). The first pass
// ranks the knowledge bases' chunks by the Hamming distance between their
// bits and the question's, over an in-memory copy of the bits (see
// vectorCache); the second re-scores the best few hundred by exact cosine
// similarity from their float vectors, and keeps the top k.
//
// sqlite-vec (vec0), which held the vectors before migration 10, is exact
// search only in the version modernc.org/sqlite bundles (v0.1.9): its scan
// of 100,000 768-d vectors took 146–286 ms, its KNN over bit vectors keeps
// its top k in O(k) per vector (a few hundred candidates cost 30–55 ms),
// and reading one vector by rowid walks its chunk's overflow pages (about
// 1 ms), which rules out re-scoring from it.

// DefaultCandidates is how many chunks the first pass keeps for exact
// re-scoring, unless the search asks for more (VectorSearch.EfSearch, or
// k). On 100,000 clustered synthetic 768-d vectors (rag's scale benchmark)
// recall@10 against exact search is 0.95 at 300 candidates, 0.99 at 400
// and 1.00 at 500–600; a knowledge base with no more chunks than this is
// searched exactly.
const DefaultCandidates = 500

// vectorBlob is the stored form of a vector: little-endian float32s (also
// sqlite-vec's).
func vectorBlob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// codeWords is how many 64-bit words the sign bits of dims dimensions take.
func codeWords(dims int) int { return (dims + 63) / 64 }

// signCode is the binary quantisation of v: bit i%64 of word i/64 is set
// when v[i] > 0.
func signCode(v []float32) []uint64 {
	out := make([]uint64, codeWords(len(v)))
	for i, x := range v {
		if x > 0 {
			out[i/64] |= 1 << (i % 64)
		}
	}
	return out
}

// codeBlob is the stored form of a code: its words, little-endian.
func codeBlob(code []uint64) []byte {
	b := make([]byte, 8*len(code))
	for i, w := range code {
		binary.LittleEndian.PutUint64(b[8*i:], w)
	}
	return b
}

// PrepareChunks has nothing to do: kb_chunk_vectors holds vectors of every
// size.
func (d *driver) PrepareChunks(context.Context, int) error { return nil }

func (d *driver) InsertChunks(ctx context.Context, c sqlstore.Conn, chunks []*store.Chunk, _ string) error {
	tc, ok := sqlstore.Unwrap(c).(txConn)
	if !ok {
		return fmt.Errorf("sqlite: chunks are inserted inside a transaction")
	}
	dims := len(chunks[0].Embedding)
	insChunk, err := tc.tx.PrepareContext(ctx, `INSERT INTO kb_chunks (id, workspace_id, knowledge_base_id, document_id, position,
    title, heading_path, text, url, tokens, dims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING rowid`)
	if err != nil {
		return err
	}
	defer insChunk.Close()
	insVec, err := tc.tx.PrepareContext(ctx, `INSERT INTO kb_chunk_vectors (rowid, knowledge_base_id, dims, code, vector)
VALUES ($1, $2, $3, $4, $5)`)
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
		if _, err := insVec.ExecContext(ctx, rowid, ch.KnowledgeBaseID, dims, codeBlob(signCode(ch.Embedding)),
			vectorBlob(ch.Embedding)); err != nil {
			return err
		}
	}
	_, err = c.Exec(ctx, `INSERT INTO kb_vector_generations (knowledge_base_id, inserted, deleted) VALUES ($1, $2, 0)
ON CONFLICT (knowledge_base_id) DO UPDATE SET inserted = inserted + excluded.inserted`, chunks[0].KnowledgeBaseID, len(chunks))
	return err
}

// DeleteChunks deletes a document's chunks and their vectors, and counts
// them in the knowledge base's generation (the first pass's in-memory
// bits are reloaded from it).
func (d *driver) DeleteChunks(ctx context.Context, c sqlstore.Conn, documentID string) error {
	if _, err := c.Exec(ctx, `DELETE FROM kb_chunk_vectors WHERE rowid IN (SELECT rowid FROM kb_chunks WHERE document_id = $1)`,
		documentID); err != nil {
		return err
	}
	n, err := c.Exec(ctx, `DELETE FROM kb_chunks WHERE document_id = $1`, documentID)
	if err != nil || n == 0 {
		return err
	}
	_, err = c.Exec(ctx, `UPDATE kb_vector_generations SET deleted = deleted + $2
WHERE knowledge_base_id = (SELECT knowledge_base_id FROM kb_documents WHERE id = $1)`, documentID, n)
	return err
}

// scored is a chunk (by rowid) and its cosine similarity to the question.
type scored struct {
	rowid int64
	score float64
}

// SearchVector returns the k chunks nearest to v: a Hamming first pass
// over the knowledge bases' sign bits, then exact cosine re-scoring of the
// best candidates (opts.EfSearch, default DefaultCandidates). opts.Exact
// scores every chunk instead.
func (d *driver) SearchVector(ctx context.Context, workspaceID string, kbIDs []string, v []float32, k int, opts store.VectorSearch) ([]*store.ChunkHit, error) {
	c := pooled{d}
	var own []string // the knowledge bases of the workspace
	for _, kb := range kbIDs {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM knowledge_bases WHERE workspace_id = $1 AND id = $2`, workspaceID, kb).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 && !slices.Contains(own, kb) {
			own = append(own, kb)
		}
	}
	if len(own) == 0 {
		return nil, nil
	}
	var best []scored
	var err error
	if opts.Exact {
		best, err = d.scoreAll(ctx, own, v)
	} else {
		best, err = d.scoreCandidates(ctx, own, v, max(k, cmp.Or(opts.EfSearch, DefaultCandidates)))
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(best, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.rowid, b.rowid)
	})
	return d.chunkHits(ctx, workspaceID, best[:min(k, len(best))])
}

// scoreCandidates scores by cosine the n chunks of kbs nearest to v by
// Hamming distance (and the chunks deleted since their bits were loaded:
// their places are not lost).
func (d *driver) scoreCandidates(ctx context.Context, kbs []string, v []float32, n int) ([]scored, error) {
	snaps := make([]*codeSnapshot, 0, len(kbs))
	for _, kb := range kbs {
		s, err := d.vectors.snapshot(ctx, pooled{d}, kb, len(v))
		if err != nil {
			return nil, err
		}
		snaps = append(snaps, s)
		n += s.stale()
	}
	rowids := nearestCodes(signCode(v), snaps, n)
	if len(rowids) == 0 {
		return nil, nil
	}
	rows, err := pooled{d}.Query(ctx, `SELECT v.rowid, v.vector FROM json_each($1) j JOIN kb_chunk_vectors v ON v.rowid = j.value`,
		jsonInts(rowids))
	if err != nil {
		return nil, err
	}
	return scoreRows(rows, v)
}

// scoreAll scores every chunk of kbs of v's size by cosine.
func (d *driver) scoreAll(ctx context.Context, kbs []string, v []float32) ([]scored, error) {
	var out []scored
	for _, kb := range kbs {
		rows, err := pooled{d}.Query(ctx, `SELECT rowid, vector FROM kb_chunk_vectors WHERE knowledge_base_id = $1 AND dims = $2`, kb, len(v))
		if err != nil {
			return nil, err
		}
		s, err := scoreRows(rows, v)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// scoreRows reads rows of (rowid, vector) and scores each vector by its
// cosine similarity to v.
func scoreRows(rows sqlstore.Rows, v []float32) ([]scored, error) {
	defer rows.Close()
	var qn float64
	for _, x := range v {
		qn += float64(x) * float64(x)
	}
	qn = math.Sqrt(qn)
	var out []scored
	var blob sql.RawBytes // valid until the next row: not copied
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.rowid, &blob); err != nil {
			return nil, err
		}
		s.score = cosine(v, qn, blob)
		out = append(out, s)
	}
	return out, rows.Err()
}

// cosine is the cosine similarity of v (of norm vn) and the stored vector
// b; 0 when either is zero, as sqlite-vec's distance 1 gave.
func cosine(v []float32, vn float64, b []byte) float64 {
	if len(b) != 4*len(v) {
		return 0
	}
	var dot, bn float64
	for i, x := range v {
		y := float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		dot += float64(x) * y
		bn += y * y
	}
	if vn == 0 || bn == 0 {
		return 0
	}
	if c := dot / (vn * math.Sqrt(bn)); !math.IsNaN(c) {
		return c
	}
	return 0
}

// chunkHits reads the chunks of best (in their order) in the workspace,
// with their scores.
func (d *driver) chunkHits(ctx context.Context, workspaceID string, best []scored) ([]*store.ChunkHit, error) {
	if len(best) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range best {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%d,%s]", s.rowid, strconv.FormatFloat(s.score, 'g', -1, 64))
	}
	b.WriteByte(']')
	q := fmt.Sprintf(`SELECT %s, j.value ->> 1
FROM json_each($1) j JOIN kb_chunks c ON c.rowid = j.value ->> 0
WHERE c.workspace_id = $2
ORDER BY j.key`, sqlstore.ChunkColumns)
	return sqlstore.CollectChunkHits(pooled{d}.Query(ctx, q, b.String(), workspaceID))
}

// jsonInts is a JSON array of ints.
func jsonInts(ids []int64) string {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
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
