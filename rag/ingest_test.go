package rag_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

var ctx = context.Background()

// copyDir copies the example knowledge into a temporary directory the
// test may change.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, e.Name(), data)
	}
	return dir
}

func newKB(t *testing.T, s store.Store, language string) *store.KnowledgeBase {
	t.Helper()
	w := storetest.NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Salon", Language: language}
	if err := s.CreateKnowledgeBase(ctx, kb); err != nil {
		t.Fatal(err)
	}
	return kb
}

// chunkIDs maps each document source to its chunk IDs, read back through
// search.
func chunkIDs(t *testing.T, s store.Store, kb *store.KnowledgeBase) map[string][]string {
	t.Helper()
	docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, d := range docs {
		sources[d.ID] = filepath.Base(d.Source)
	}
	probe, _ := rag.HashedLexical{}.Embed(ctx, []string{"salon"})
	hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, probe[0], 1000, store.VectorSearch{Exact: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, h := range hits {
		out[sources[h.DocumentID]] = append(out[sources[h.DocumentID]], h.ID)
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func TestIngestIsIncremental(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		dir := copyDir(t, "../examples/salon/knowledge")
		kb := newKB(t, s, "french")
		in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}
		var progress []string
		in.Progress = func(done, total int, source string) { progress = append(progress, filepath.Base(source)) }

		rep, err := in.Ingest(ctx, kb, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Added) != 5 || len(rep.Failed) != 0 || rep.Chunks == 0 || len(progress) != 5 {
			t.Fatalf("first ingest: %+v (progress %v)", rep, progress)
		}
		if kb.Embedder != "hashed-lexical-768" {
			t.Errorf("knowledge base embedder = %q", kb.Embedder)
		}
		before := chunkIDs(t, s, kb)

		// Nothing changed: nothing is rewritten.
		rep, err = in.Ingest(ctx, kb, []string{dir})
		if err != nil || len(rep.Unchanged) != 5 || rep.Chunks != 0 {
			t.Fatalf("re-ingest: %+v %v", rep, err)
		}
		if after := chunkIDs(t, s, kb); !mapsEqual(before, after) {
			t.Error("re-ingesting unchanged files rewrote chunks")
		}

		// One document changes: only its chunks are replaced.
		write(t, dir, "horaires.md", []byte("# Horaires\n\nLe salon est désormais ouvert aussi le lundi, de 10 h à 18 h.\n"))
		rep, err = in.Ingest(ctx, kb, []string{dir})
		if err != nil || !slices.Equal(rep.Updated, []string{filepath.Base(dir) + "/horaires.md"}) || len(rep.Unchanged) != 4 {
			t.Fatalf("after a change: %+v %v", rep, err)
		}
		after := chunkIDs(t, s, kb)
		for src, ids := range before {
			if src == "horaires.md" {
				if slices.Equal(ids, after[src]) || len(after[src]) != 1 {
					t.Errorf("the changed document keeps its chunks: %v → %v", ids, after[src])
				}
			} else if !slices.Equal(ids, after[src]) {
				t.Errorf("%s was rewritten although it did not change", src)
			}
		}

		// A removed file is deleted; bad files are reported by name, the rest ingested.
		os.Remove(filepath.Join(dir, "services.md"))
		write(t, dir, "vide.md", []byte("\n"))
		write(t, dir, "ancien.txt", []byte("Tarifs de 1998 : coupe 90 francs, caf\xe9 offert"))
		write(t, dir, "nouveau.md", []byte("# Nouveauté\n\nLe salon propose désormais des soins du visage.\n"))
		rep, err = in.Ingest(ctx, kb, []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Deleted, []string{filepath.Base(dir) + "/services.md"}) || len(rep.Failed) != 2 || len(rep.Added) != 1 {
			t.Fatalf("deletions and bad files: %+v", rep)
		}
		for _, f := range rep.Failed {
			if !strings.Contains(f.Err.Error(), filepath.Base(f.Source)) {
				t.Errorf("failure does not name its file: %v", f.Err)
			}
		}
		docs, _ := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
		if len(docs) != 5 {
			t.Errorf("%d documents, want 5 (4 unchanged + 1 new)", len(docs))
		}

		// Another embedder is refused while the knowledge base has documents.
		_, err = (&rag.Ingester{Store: s, Embedder: rag.HashedLexical{Dims: 256}}).Ingest(ctx, kb, []string{dir})
		if err == nil || !strings.Contains(err.Error(), "was indexed with the embedder hashed-lexical-768") {
			t.Errorf("embedder change: %v", err)
		}
	})
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestSearchIsolationAndFusion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		kb := newKB(t, s, "french")
		other := newKB(t, s, "french")
		in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}
		if _, err := in.Ingest(ctx, kb, []string{"../examples/salon/knowledge"}); err != nil {
			t.Fatal(err)
		}
		sr := &rag.Searcher{Store: s, Embedder: rag.HashedLexical{}}
		hits, err := sr.Search(ctx, []*store.KnowledgeBase{kb}, "Combien coûte une coloration complète ?", rag.SearchOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 3 || !strings.Contains(hits[0].Text, "Coloration complète : 60 €") {
			t.Fatalf("hits: %+v", hits)
		}
		h := hits[0]
		if h.Retrievers() != "vector+lexical" || h.Score <= 0 || h.Score > 1 || h.DocumentID == "" || h.URL != "https://salon-elegance.example/tarifs" {
			t.Errorf("top hit: score %v retrievers %q source %q %q", h.Score, h.Retrievers(), h.DocumentID, h.URL)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("hits not sorted by fused score")
			}
		}
		// Threshold applies after fusion: only hits found by both retrievers near the top survive 0.9.
		strict, _ := sr.Search(ctx, []*store.KnowledgeBase{kb}, "Combien coûte une coloration complète ?", rag.SearchOptions{K: 10, Threshold: 0.9})
		for _, h := range strict {
			if h.Score < 0.9 {
				t.Errorf("hit under the threshold: %v", h.Score)
			}
		}
		if len(strict) == 0 || len(strict) >= 10 {
			t.Errorf("threshold kept %d hits", len(strict))
		}
		// One retriever at a time.
		lex, _ := sr.Search(ctx, []*store.KnowledgeBase{kb}, "coloration", rag.SearchOptions{LexicalWeight: 1})
		for _, h := range lex {
			if h.Retrievers() != "lexical" {
				t.Errorf("lexical-only search used %s", h.Retrievers())
			}
		}
		// Another workspace's knowledge base finds nothing of this one.
		none, err := sr.Search(ctx, []*store.KnowledgeBase{other}, "Combien coûte une coloration complète ?", rag.SearchOptions{})
		if err != nil || len(none) != 0 {
			t.Errorf("search in another workspace found %d hits (%v)", len(none), err)
		}
	})
}

// The OpenAI-compatible embedder batches, sends the dimensions and
// retries transient errors.
func TestOpenAIEmbedder(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t, agenttest.Step{Status: 503, Error: "busy"})
	srv.Embed = func(text string, dims int) []float32 {
		v, _ := rag.HashedLexical{Dims: dims}.Embed(ctx, []string{text})
		return v[0]
	}
	e := rag.NewOpenAIEmbedder("sk-test", srv.URL, "text-embedding-3-small", 64)
	e.Batch = 2
	vs, err := e.Embed(ctx, []string{"un", "deux", "trois", "quatre", "cinq"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 5 || len(vs[4]) != 64 || e.Name() != "openai:text-embedding-3-small:64" {
		t.Fatalf("%d vectors of %d dims", len(vs), len(vs[0]))
	}
	reqs := srv.Requests()
	if len(reqs) != 4 || reqs[1].Body["dimensions"] != 64.0 || len(reqs[1].Body["input"].([]any)) != 2 {
		t.Errorf("requests: %d, first body %s", len(reqs), reqs[1].Raw)
	}
}

// A document is the same however its folder is named: by a relative
// path, an absolute one, or from another directory.
func TestIngestIdentityAcrossPaths(t *testing.T) {
	s := storetest.OpenSQLite(t)
	dir := copyDir(t, "../examples/salon/knowledge")
	kb := newKB(t, s, "french")
	in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}
	if rep, err := in.Ingest(ctx, kb, []string{dir}); err != nil || len(rep.Added) != 5 {
		t.Fatalf("first: %+v %v", rep, err)
	}
	t.Chdir(filepath.Dir(dir))
	for _, p := range []string{filepath.Base(dir), "./" + filepath.Base(dir) + "/", "../" + filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)} {
		rep, err := in.Ingest(ctx, kb, []string{p})
		if err != nil || len(rep.Unchanged) != 5 || len(rep.Added)+len(rep.Deleted) != 0 {
			t.Errorf("ingest %s: %+v %v", p, rep, err)
		}
	}
}

// Ingesting an empty or unmounted folder would wipe the knowledge base:
// refused without Prune, nothing changed.
func TestIngestRefusesToWipeWithoutPrune(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	dir := copyDir(t, "../examples/salon/knowledge")
	kb := newKB(t, s, "french")
	in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}
	if _, err := in.Ingest(ctx, kb, []string{dir}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"faq.yaml", "horaires.md", "reservation.md"} {
		os.Remove(filepath.Join(dir, name))
	}
	_, err := in.Ingest(ctx, kb, []string{dir})
	var pe *rag.PruneError
	if !errors.As(err, &pe) || pe.Deleting != 3 || pe.Total != 5 || !strings.Contains(err.Error(), "pass --prune") {
		t.Fatalf("3 of 5 gone: %v", err)
	}
	if docs, _ := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID); len(docs) != 5 {
		t.Errorf("the refused ingestion changed the knowledge base: %d documents", len(docs))
	}
	in.Prune = true
	if rep, err := in.Ingest(ctx, kb, []string{dir}); err != nil || len(rep.Deleted) != 3 {
		t.Errorf("with Prune: %+v %v", rep, err)
	}
}

// Documents ingested before sources were relative (their path as typed)
// are taken over, not deleted and re-added, and do not trip the guard.
func TestIngestTakesOverOldSources(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	dir := copyDir(t, "../examples/salon/knowledge")
	kb := newKB(t, s, "french")
	f, err := rag.Load(filepath.Join(dir, "tarifs.md"))
	if err != nil {
		t.Fatal(err)
	}
	old := &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID, Source: filepath.Join(dir, "tarifs.md"),
		Title: f.Title, ContentHash: "old", Embedder: "hashed-lexical-768"}
	vec, _ := rag.HashedLexical{}.Embed(ctx, []string{f.Text})
	if err := s.SaveDocument(ctx, old, []*store.Chunk{{Title: f.Title, Text: f.Text, Embedding: vec[0]}}); err != nil {
		t.Fatal(err)
	}
	rep, err := (&rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}).Ingest(ctx, kb, []string{dir})
	if err != nil || len(rep.Deleted) != 0 || len(rep.Added) != 5 {
		t.Fatalf("%+v %v", rep, err)
	}
	docs, _ := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	for _, d := range docs {
		if d.Source == old.Source {
			t.Errorf("the old source is still there")
		}
	}
	if len(docs) != 5 {
		t.Errorf("%d documents, want 5", len(docs))
	}
}

// Chunking settings are part of a document's fingerprint: changing them
// re-chunks; settings that cannot chunk are refused with the range.
func TestIngestChunkSettings(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	dir := copyDir(t, "../examples/salon/knowledge")
	kb := newKB(t, s, "french")
	in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}
	if _, err := in.Ingest(ctx, kb, []string{dir}); err != nil {
		t.Fatal(err)
	}
	in.Chunking = rag.ChunkOptions{Size: 64, Overlap: 8}
	if rep, err := in.Ingest(ctx, kb, []string{dir}); err != nil || len(rep.Updated) != 5 {
		t.Errorf("new chunk size: %+v %v", rep, err)
	}
	for _, tc := range []struct {
		opts rag.ChunkOptions
		want string
	}{
		{rag.ChunkOptions{Size: 4}, "chunk size 4 tokens: want 16 to 8192"},
		{rag.ChunkOptions{Size: 64, Overlap: 64}, "chunk overlap 64 tokens: want 0 to 63"},
		{rag.ChunkOptions{Size: 64, Overlap: -1}, "chunk overlap -1 tokens"},
	} {
		in.Chunking = tc.opts
		if _, err := in.Ingest(ctx, kb, []string{dir}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
	}
}

// Several writers store documents at once: the report lists them in the
// folder's order, as one writer does, Progress is told once per file,
// counting up, and a failed file is reported in its place.
func TestIngestWriters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		dir := copyDir(t, "../examples/salon/knowledge")
		write(t, dir, "vide.md", []byte("   \n"))
		var want *rag.Report
		for _, writers := range []int{1, 3} {
			kb := newKB(t, s, "french")
			var dones []int
			in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}, Writers: writers,
				Progress: func(done, total int, source string) { dones = append(dones, done) }}
			rep, err := in.Ingest(ctx, kb, []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dones, []int{1, 2, 3, 4, 5, 6}) {
				t.Errorf("%d writers: progress %v", writers, dones)
			}
			if len(rep.Added) != 5 || len(rep.Failed) != 1 || !strings.HasSuffix(rep.Failed[0].Source, "vide.md") {
				t.Fatalf("%d writers: %+v", writers, rep)
			}
			if n, err := s.CountChunks(ctx, kb.WorkspaceID, kb.ID); err != nil || n != rep.Chunks {
				t.Errorf("%d writers: %d chunks stored (%v), report says %d", writers, n, err, rep.Chunks)
			}
			if want == nil {
				want = rep
			} else if !slices.Equal(rep.Added, want.Added) || rep.Chunks != want.Chunks {
				t.Errorf("%d writers: added %v (%d chunks), one writer %v (%d)", writers, rep.Added, rep.Chunks, want.Added, want.Chunks)
			}
		}
	})
}

// A cancelled ingestion stops, says so, and reports no file as failed
// for it; what it stored is in its report.
func TestIngestCancelled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		dir := copyDir(t, "../examples/salon/knowledge")
		kb := newKB(t, s, "french")
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		in := &rag.Ingester{Store: s, Embedder: rag.HashedLexical{}, Writers: 2,
			Progress: func(done, total int, source string) {
				if done == 2 {
					cancel()
				}
			}}
		rep, err := in.Ingest(cctx, kb, []string{dir})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if len(rep.Failed) != 0 || len(rep.Added) < 2 || len(rep.Added) == 5 {
			t.Errorf("report %+v: want 2 to 4 files added, none failed", rep)
		}
		// (A commit under way when the ingestion is cancelled may land and
		// still report the cancellation: at most more are stored.)
		docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
		if err != nil || len(docs) < len(rep.Added) {
			t.Errorf("%d documents stored (%v), %d reported", len(docs), err, len(rep.Added))
		}
	})
}
