package sqlite_test

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
)

// clustered makes n unit vectors of dims dimensions around clusters
// centres, as real embeddings are (and as rag's scale benchmark makes
// them), deterministically.
func clustered(n, dims, clusters int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	centres := make([][]float64, clusters)
	for i := range centres {
		centres[i] = make([]float64, dims)
		for j := range centres[i] {
			centres[i][j] = r.NormFloat64()
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(clusters)]
		v := make([]float64, dims)
		var norm float64
		for j := range v {
			v[j] = c[j] + 0.8*r.NormFloat64()
			norm += v[j] * v[j]
		}
		norm = math.Sqrt(norm)
		out[i] = make([]float32, dims)
		for j := range v {
			out[i][j] = float32(v[j] / norm)
		}
	}
	return out
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// exactTop returns the indexes of the k vectors nearest to q, nearest first.
func exactTop(vectors [][]float32, q []float32, k int) []int {
	idx := make([]int, len(vectors))
	score := make([]float64, len(vectors))
	for i, v := range vectors {
		idx[i], score[i] = i, cosine(q, v)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	return idx[:min(k, len(idx))]
}

// ingest stores vectors as documents of perDoc chunks whose texts are
// "v<index>", and returns the chunks' IDs by index.
func ingest(t testing.TB, s store.Store, kb *store.KnowledgeBase, vectors [][]float32, perDoc int) []string {
	t.Helper()
	ids := make([]string, len(vectors))
	for d := 0; d*perDoc < len(vectors); d++ {
		part := vectors[d*perDoc : min(len(vectors), (d+1)*perDoc)]
		chunks := make([]*store.Chunk, len(part))
		for i, v := range part {
			chunks[i] = &store.Chunk{Title: "Doc", Text: fmt.Sprintf("v%d", d*perDoc+i), Tokens: 1, Embedding: v}
		}
		if err := s.SaveDocument(context.Background(), &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID,
			Source: fmt.Sprintf("doc-%d.md", d), ContentHash: "h"}, chunks); err != nil {
			t.Fatal(err)
		}
		for i, c := range chunks {
			ids[d*perDoc+i] = c.ID
		}
	}
	return ids
}

func newKB(t testing.TB, s store.Store) *store.KnowledgeBase {
	t.Helper()
	w := storetest.NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: storetest.Name("kb")}
	if err := s.CreateKnowledgeBase(context.Background(), kb); err != nil {
		t.Fatal(err)
	}
	return kb
}

func hitIDs(hits []*store.ChunkHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// With no more chunks than candidates, the first pass keeps them all: the
// result is the exact top k, in order, with exact scores — as it is with
// Exact, and with fewer candidates than chunks but at least as many as
// the first pass must keep to find the top k of these (vectors far apart).
func TestQuantisedSearchExactOnSmallSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	kb := newKB(t, s)
	vectors := clustered(300, 64, 6, 7)
	ids := ingest(t, s, kb, vectors, 50)
	for qi, q := range clustered(20, 64, 6, 8) {
		want := exactTop(vectors, q, 10)
		for _, opts := range []store.VectorSearch{{}, {Exact: true}} {
			hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, 10, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != len(want) {
				t.Fatalf("query %d %+v: %d hits, want %d", qi, opts, len(hits), len(want))
			}
			for i, h := range hits {
				if h.ID != ids[want[i]] {
					t.Errorf("query %d %+v: hit %d is %s (%s), want %s", qi, opts, i, h.ID, h.Text, ids[want[i]])
				}
				if d := math.Abs(h.Score - cosine(q, vectors[want[i]])); d > 1e-9 {
					t.Errorf("query %d %+v: hit %d scores %v, want %v", qi, opts, i, h.Score, cosine(q, vectors[want[i]]))
				}
			}
		}
	}
}

// On more chunks than candidates (20,000 clustered vectors, like the
// scale benchmark's), the re-scored top 10 is nearly the exact one.
func TestQuantisedSearchRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 20,000 chunks")
	}
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	kb := newKB(t, s)
	const n = 20_000
	all := clustered(n+50, 256, 40, 3)
	vectors, queries := all[:n], all[n:]
	ids := ingest(t, s, kb, vectors, 500)
	for _, c := range []struct {
		candidates int
		min        float64
	}{{0, 0.95}, {100, 0.5}} {
		found := 0
		for _, q := range queries {
			hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, 10, store.VectorSearch{EfSearch: c.candidates})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 10 {
				t.Fatalf("%d hits, want 10", len(hits))
			}
			want := map[string]bool{}
			for _, i := range exactTop(vectors, q, 10) {
				want[ids[i]] = true
			}
			for _, h := range hits {
				if want[h.ID] {
					found++
				}
			}
		}
		recall := float64(found) / float64(10*len(queries))
		t.Logf("candidates %d: recall@10 %.3f", c.candidates, recall)
		if recall < c.min || (c.candidates > 0 && recall == 1) {
			t.Errorf("candidates %d: recall@10 %.3f, want at least %.2f (and, for this few, not exact)", c.candidates, recall, c.min)
		}
	}
}

// The first pass keeps the n nearest codes by Hamming distance, all of
// them when there are no more.
func TestNearestCodes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		words := 1 + r.IntN(3)
		codes := make([][]uint64, 1+r.IntN(200))
		for i := range codes {
			codes[i] = make([]uint64, words)
			for j := range codes[i] {
				codes[i][j] = r.Uint64() & r.Uint64() & r.Uint64() // low weights: many ties
			}
		}
		q := make([]uint64, words)
		n := 1 + r.IntN(len(codes)+10)
		got := sqlite.NearestCodes(q, codes, n)
		dist := func(rowid int64) int {
			d := 0
			for j, w := range codes[rowid-1] {
				d += bits.OnesCount64(w ^ q[j])
			}
			return d
		}
		all := make([]int64, len(codes))
		for i := range all {
			all[i] = int64(i + 1)
		}
		slices.SortStableFunc(all, func(a, b int64) int { return cmp.Compare(dist(a), dist(b)) })
		want := all[:min(n, len(all))]
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: %d codes, n %d: got %v, want %v", round, len(codes), n, got, want)
		}
	}
	if got := sqlite.SignCode([]float32{1, -1, 0, 2}); len(got) != 1 || got[0] != 0b1001 {
		t.Errorf("SignCode = %b, want 1001", got)
	}
}

// Another process's writes are seen by a search whose bits were already in
// memory: new chunks are found, replaced and deleted ones are not, and
// chunks deleted since the bits were loaded do not take the places of
// live ones.
func TestVectorSearchSeesOtherWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	other := storetest.Reopen(t, s)
	kb := newKB(t, s)
	vectors := clustered(400, 32, 4, 11)
	ingest(t, s, kb, vectors[:320], 10)
	q := vectors[390]
	search := func(candidates, k int) []*store.ChunkHit {
		t.Helper()
		hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, k, store.VectorSearch{EfSearch: candidates})
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	if hits := search(0, 1); len(hits) != 1 || hits[0].Score > 0.999 {
		t.Fatalf("before: %v", hitIDs(hits))
	}
	// The query's own vector, ingested by the other handle, comes first.
	doc := &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID, Source: "new.md", ContentHash: "n"}
	if err := other.SaveDocument(ctx, doc, []*store.Chunk{{Text: "new", Embedding: q}}); err != nil {
		t.Fatal(err)
	}
	if hits := search(0, 1); len(hits) != 1 || hits[0].Text != "new" {
		t.Fatalf("after an insert by another handle: %v", hitIDs(hits))
	}
	// Replaced: the old chunk is gone, the new one found.
	if err := other.SaveDocument(ctx, doc, []*store.Chunk{{Text: "replaced", Embedding: q}}); err != nil {
		t.Fatal(err)
	}
	if hits := search(0, 1); len(hits) != 1 || hits[0].Text != "replaced" {
		t.Fatalf("after a replacement: %+v", hits)
	}
	if err := other.DeleteDocument(ctx, kb.WorkspaceID, doc.ID); err != nil {
		t.Fatal(err)
	}
	if hits := search(0, 1); len(hits) != 1 || hits[0].Text == "replaced" {
		t.Fatalf("after a delete: %+v", hits)
	}
	// Few candidates (5 of 320) and the nearest documents deleted (10 %
	// of the chunks: the bits stay in memory): still 5 live hits.
	before := search(5, 5)
	deleted := map[string]bool{}
	docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range before[:3] {
		deleted[h.DocumentID] = true
	}
	for _, d := range docs {
		if deleted[d.ID] {
			if err := other.DeleteDocument(ctx, kb.WorkspaceID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := search(5, 5)
	if len(after) != 5 {
		t.Errorf("after deleting the documents of the nearest chunks: %d hits, want 5", len(after))
	}
	for _, h := range after {
		if deleted[h.DocumentID] {
			t.Errorf("hit %s of a deleted document", h.ID)
		}
	}
	n, err := s.CountChunks(ctx, kb.WorkspaceID, kb.ID)
	if err != nil || n != 320-10*len(deleted) {
		t.Errorf("%d chunks (%v), want %d", n, err, 320-10*len(deleted))
	}
}

// A store made before migration 10 — vectors in sqlite-vec's vec0 tables,
// one per size — is migrated: its vectors move to kb_chunk_vectors with
// their bits, searches find its chunks, deleting a document deletes its
// vectors; rolled back, the vec0 tables are made again.
func TestMigrateVec0Vectors(t *testing.T) {
	for _, shadow := range []bool{true, false} {
		t.Run(fmt.Sprintf("shadow=%v", shadow), func(t *testing.T) {
			sqlite.ReadShadowTables(shadow)
			defer sqlite.ReadShadowTables(true)
			testMigrateVec0(t)
		})
	}
}

func testMigrateVec0(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "causerie.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	kb := newKB(t, s)
	otherKB := &store.KnowledgeBase{WorkspaceID: kb.WorkspaceID, Name: "other"}
	if err := s.CreateKnowledgeBase(ctx, otherKB); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := sqlite.MigrateDownTo(ctx, path, 9); err != nil {
		t.Fatal(err)
	}

	// As the store wrote chunks before: 1,500 of 24 dimensions (two vec0
	// chunks of 1,024) in kb, 3 of 8 in the other, one vector whose chunk
	// was deleted with its workspace (no cascade into vec0), one deleted.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	vectors := clustered(1500, 24, 5, 21)
	small := clustered(3, 8, 1, 22)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	oldIngest(t, tx, kb, "a.md", vectors[:1000])
	oldIngest(t, tx, kb, "b.md", vectors[1000:])
	oldIngest(t, tx, otherKB, "c.md", small)
	exec(t, tx, `INSERT INTO kb_vectors_24 (rowid, knowledge_base_id, embedding) VALUES (999999, $1, $2)`, kb.ID, blob(vectors[0]))
	exec(t, tx, `DELETE FROM kb_vectors_24 WHERE rowid = (SELECT rowid FROM kb_chunks WHERE text = 'b.md 499')`)
	exec(t, tx, `DELETE FROM kb_chunks WHERE text = 'b.md 499'`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkMigrated(t, s, kb, otherKB, vectors, small)

	// Rolled back and migrated again, nothing is lost.
	s.Close()
	if err := sqlite.MigrateDownTo(ctx, path, 9); err != nil {
		t.Fatal(err)
	}
	db, err = sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE name IN ('kb_vectors_24', 'kb_vectors_8', 'kb_chunk_vectors') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	db.Close()
	if !slices.Equal(tables, []string{"kb_vectors_24", "kb_vectors_8"}) {
		t.Errorf("after the down migration, tables %v", tables)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	checkMigrated(t, s, kb, otherKB, vectors, small)

	// Deleting a document deletes its vectors.
	docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil || len(docs) != 2 {
		t.Fatalf("documents %v, %v", docs, err)
	}
	if err := s.DeleteDocument(ctx, kb.WorkspaceID, docs[0].ID); err != nil {
		t.Fatal(err)
	}
	hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, vectors[0], 2000, store.VectorSearch{Exact: true})
	if err != nil || len(hits) != 499 {
		t.Errorf("after deleting a.md: %d hits (%v), want 499", len(hits), err)
	}
	s.Close()
	db, err = sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM kb_chunk_vectors`).Scan(&n); err != nil || n != 502 {
		t.Errorf("%d vectors left (%v), want 502", n, err)
	}
}

func checkMigrated(t *testing.T, s store.Store, kb, otherKB *store.KnowledgeBase, vectors, small [][]float32) {
	t.Helper()
	ctx := context.Background()
	byText := map[string]int{}
	for i := range vectors {
		if i < 1000 {
			byText[fmt.Sprintf("a.md %d", i)] = i
		} else {
			byText[fmt.Sprintf("b.md %d", i-1000)] = i
		}
	}
	live := slices.Concat(vectors[:1499]) // b.md 499 (the last) was deleted
	for _, qi := range []int{0, 700, 1200, 1498} {
		q := vectors[qi]
		hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, 5, store.VectorSearch{})
		if err != nil {
			t.Fatal(err)
		}
		want := exactTop(live, q, 5)
		if len(hits) != 5 {
			t.Fatalf("query %d: %d hits", qi, len(hits))
		}
		if hits[0].Score < 0.9999 || byText[hits[0].Text] != qi {
			t.Errorf("query %d: first hit %q (%v), want its own chunk", qi, hits[0].Text, hits[0].Score)
		}
		for i, h := range hits {
			if byText[h.Text] != want[i] {
				t.Errorf("query %d: hit %d is %q, want vector %d", qi, i, h.Text, want[i])
			}
		}
	}
	all, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, vectors[0], 2000, store.VectorSearch{Exact: true})
	if err != nil || len(all) != 1499 {
		t.Errorf("exact search over everything: %d hits (%v), want 1499", len(all), err)
	}
	hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{otherKB.ID}, small[1], 3, store.VectorSearch{})
	if err != nil || len(hits) != 3 || hits[0].Text != "c.md 1" {
		t.Errorf("the 8-d knowledge base: %+v (%v)", hits, err)
	}
	text, err := s.SearchText(ctx, kb.WorkspaceID, []string{kb.ID}, "a.md", 3)
	if err != nil || len(text) == 0 {
		t.Errorf("text search after migration: %v (%v)", text, err)
	}
}

func blob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func exec(t *testing.T, tx *sql.Tx, q string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// oldIngest writes a document the way the store did before migration 10.
func oldIngest(t *testing.T, tx *sql.Tx, kb *store.KnowledgeBase, source string, vectors [][]float32) {
	t.Helper()
	dims := len(vectors[0])
	exec(t, tx, fmt.Sprintf(`CREATE VIRTUAL TABLE IF NOT EXISTS kb_vectors_%d USING vec0(
    knowledge_base_id text partition key,
    embedding float[%d] distance_metric=cosine)`, dims, dims))
	docID := store.NewID("doc")
	exec(t, tx, `INSERT INTO kb_documents (id, workspace_id, knowledge_base_id, source, title, url, content_hash, chunks, embedder,
    created_at, updated_at) VALUES ($1, $2, $3, $4, 'Doc', '', 'h', $5, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
		docID, kb.WorkspaceID, kb.ID, source, len(vectors))
	for i, v := range vectors {
		var rowid int64
		if err := tx.QueryRow(`INSERT INTO kb_chunks (id, workspace_id, knowledge_base_id, document_id, position,
    title, heading_path, text, url, tokens, dims) VALUES ($1, $2, $3, $4, $5, 'Doc', '', $6, '', 1, $7) RETURNING rowid`,
			store.NewID("chk"), kb.WorkspaceID, kb.ID, docID, i, fmt.Sprintf("%s %d", source, i), dims).Scan(&rowid); err != nil {
			t.Fatal(err)
		}
		exec(t, tx, fmt.Sprintf(`INSERT INTO kb_vectors_%d (rowid, knowledge_base_id, embedding) VALUES ($1, $2, $3)`, dims), rowid, kb.ID, blob(v))
	}
}

// A store opened read-only searches its vectors (the bits are loaded
// through the read-only connection).
func TestReadOnlyVectorSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "causerie.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	kb := newKB(t, s)
	vectors := clustered(50, 16, 2, 5)
	ingest(t, s, kb, vectors, 25)
	s.Close()
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	hits, err := ro.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, vectors[7], 3, store.VectorSearch{})
	if err != nil || len(hits) != 3 || hits[0].Text != "v7" {
		t.Fatalf("read-only search: %+v (%v)", hits, err)
	}
}
