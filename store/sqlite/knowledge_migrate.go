package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite/vec" // sqlite-vec: migration 10 reads its vec0 tables, and its down creates them
)

// vectorsMigration is migration 10, in Go: the tables it reads (vec0's,
// one per vector size) are known only at run time.
//
// Up creates kb_chunk_vectors (each chunk's float32 vector and its sign
// bits, keyed by the chunk's rowid; deleted with it) and
// kb_vector_generations (chunks inserted and deleted per knowledge base:
// see vectorCache), copies every vector of the kb_vectors_<dims> vec0
// tables into it with its bits, counts them, and drops the vec0 tables.
// Down puts the vectors back into vec0 tables.
func vectorsMigration() *goose.Migration {
	m := goose.NewGoMigration(10, &goose.GoFunc{RunTx: vectorsUp}, &goose.GoFunc{RunTx: vectorsDown})
	m.Source = "00010_kb_chunk_vectors.go"
	return m
}

// goMigrations are the migrations written in Go, for goose.WithGoMigrations.
func goMigrations() []*goose.Migration { return []*goose.Migration{vectorsMigration()} }

const vectorsSchema = `
CREATE TABLE kb_chunk_vectors (
    rowid             INTEGER PRIMARY KEY REFERENCES kb_chunks (rowid) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL,
    dims              INTEGER NOT NULL,
    code              BLOB NOT NULL, -- sign bits: bit i%64 of little-endian word i/64 set when dimension i > 0
    vector            BLOB NOT NULL  -- little-endian float32s
);
-- Covering: a search's first pass loads a knowledge base's codes from it
-- alone, without reading the vectors.
CREATE INDEX kb_chunk_vectors_codes ON kb_chunk_vectors (knowledge_base_id, dims, rowid, code);

CREATE TABLE kb_vector_generations (
    knowledge_base_id TEXT PRIMARY KEY REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    inserted          INTEGER NOT NULL DEFAULT 0,
    deleted           INTEGER NOT NULL DEFAULT 0
);`

var vec0Table = regexp.MustCompile(`^kb_vectors_([0-9]+)$`)

// readShadowTables lets copyVec0 read vec0's shadow tables (tests turn it
// off to take the other way).
var readShadowTables = true

func vectorsUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, vectorsSchema); err != nil {
		return err
	}
	tables, err := vec0Tables(ctx, tx)
	if err != nil {
		return err
	}
	for name, dims := range tables {
		if err := copyVec0(ctx, tx, name, dims); err != nil {
			return fmt.Errorf("copy the vectors of %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+name); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO kb_vector_generations (knowledge_base_id, inserted, deleted)
SELECT knowledge_base_id, count(*), 0 FROM kb_chunk_vectors GROUP BY knowledge_base_id`)
	return err
}

// vec0Tables are the vec0 tables of vectors before migration 10, by name,
// with their vectors' size.
func vec0Tables(ctx context.Context, tx *sql.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'kb\_vectors\_%' ESCAPE '\'
AND sql LIKE 'CREATE VIRTUAL TABLE%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if m := vec0Table.FindStringSubmatch(name); m != nil {
			dims, err := strconv.Atoi(m[1])
			if err != nil || dims <= 0 {
				return nil, fmt.Errorf("vector table %s: bad size", name)
			}
			out[name] = dims
		}
	}
	return out, rows.Err()
}

// copyVec0 copies the vectors of the vec0 table name (of chunks still
// there) into kb_chunk_vectors. Reading a vec0 table row by row costs
// about half a millisecond a vector (each read walks the overflow pages of
// its chunk of 1,024 vectors), so this reads sqlite-vec v0.1.9's shadow
// tables instead — <name>_rowids (rowid, chunk_id, chunk_offset) and
// <name>_vector_chunks00 (one blob of vectors per chunk) — each chunk
// once; when they are not laid out so, it reads the table itself.
func copyVec0(ctx context.Context, tx *sql.Tx, name string, dims int) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO kb_chunk_vectors (rowid, knowledge_base_id, dims, code, vector) VALUES ($1, $2, $3, $4, $5)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	insert := func(rowid int64, kb string, blob []byte) error {
		if len(blob) != 4*dims {
			return fmt.Errorf("vector %d has %d bytes, want %d", rowid, len(blob), 4*dims)
		}
		v := make([]float32, dims)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(blob[4*i:]))
		}
		_, err := ins.ExecContext(ctx, rowid, kb, dims, codeBlob(signCode(v)), blob)
		return err
	}
	ok, err := hasColumns(ctx, tx, name+"_rowids", "rowid", "chunk_id", "chunk_offset")
	if err != nil {
		return err
	}
	ok = ok && readShadowTables
	if ok {
		ok, err = hasColumns(ctx, tx, name+"_vector_chunks00", "rowid", "vectors")
		if err != nil {
			return err
		}
	}
	if !ok {
		return copyRows(ctx, tx, fmt.Sprintf(`SELECT v.rowid, c.knowledge_base_id, v.embedding FROM %s v JOIN kb_chunks c ON c.rowid = v.rowid`, name), insert)
	}
	type entry struct {
		rowid, chunk, offset int64
		kb                   string
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT r.rowid, r.chunk_id, r.chunk_offset, c.knowledge_base_id
FROM "%s_rowids" r JOIN kb_chunks c ON c.rowid = r.rowid ORDER BY r.chunk_id, r.chunk_offset`, name))
	if err != nil {
		return err
	}
	var entries []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.rowid, &e.chunk, &e.offset, &e.kb); err != nil {
			rows.Close()
			return err
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	size := int64(4 * dims)
	var chunk []byte
	for i, e := range entries {
		if i == 0 || e.chunk != entries[i-1].chunk {
			if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT vectors FROM "%s_vector_chunks00" WHERE rowid = $1`, name), e.chunk).Scan(&chunk); err != nil {
				return fmt.Errorf("vector chunk %d: %w", e.chunk, err)
			}
		}
		if (e.offset+1)*size > int64(len(chunk)) {
			return fmt.Errorf("vector %d: offset %d past its chunk %d", e.rowid, e.offset, e.chunk)
		}
		if err := insert(e.rowid, e.kb, chunk[e.offset*size:(e.offset+1)*size]); err != nil {
			return err
		}
	}
	return nil
}

// copyRows passes each row of query (rowid, knowledge base, vector) to insert.
func copyRows(ctx context.Context, tx *sql.Tx, query string, insert func(int64, string, []byte) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	type row struct {
		rowid int64
		kb    string
		blob  []byte
	}
	var all []row // read before writing: the query's cursor stays open otherwise
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.rowid, &r.kb, &r.blob); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if err := insert(r.rowid, r.kb, r.blob); err != nil {
			return err
		}
	}
	return nil
}

// hasColumns reports whether table exists with these columns.
func hasColumns(ctx context.Context, tx *sql.Tx, table string, columns ...string) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info($1)`, table)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	have := map[string]bool{"rowid": true}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return false, err
		}
		have[c] = true
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(have) == 1 {
		return false, nil // no such table
	}
	for _, c := range columns {
		if !have[c] {
			return false, nil
		}
	}
	return true, nil
}

func vectorsDown(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT dims FROM kb_chunk_vectors`)
	if err != nil {
		return err
	}
	var sizes []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		sizes = append(sizes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range sizes {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE VIRTUAL TABLE kb_vectors_%d USING vec0(
    knowledge_base_id text partition key,
    embedding float[%d] distance_metric=cosine)`, n, n)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO kb_vectors_%d (rowid, knowledge_base_id, embedding)
SELECT rowid, knowledge_base_id, vector FROM kb_chunk_vectors WHERE dims = %d ORDER BY rowid`, n, n)); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE kb_vector_generations; DROP TABLE kb_chunk_vectors`)
	return err
}
