package rag_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// The example knowledge bases and their labelled questions.
var qualitySets = []struct{ name, dir, questions, language string }{
	{"salon", "../examples/salon/knowledge", "../examples/salon/retrieval.yaml", "french"},
	{"support", "../examples/support/knowledge", "../examples/support/retrieval.yaml", "english"},
}

// retrievers are the three modes measured.
var retrievers = []struct {
	name string
	opts rag.SearchOptions
}{
	{"lexical", rag.SearchOptions{LexicalWeight: 1}},
	{"vector", rag.SearchOptions{VectorWeight: 1}},
	{"hybrid", rag.SearchOptions{}},
}

// measure ingests a set into s and scores each retriever on it.
func measure(tb testing.TB, s store.Store, set struct{ name, dir, questions, language string }) map[string]rag.Quality {
	tb.Helper()
	qs, err := rag.LoadQuestions(set.questions)
	if err != nil {
		tb.Fatal(err)
	}
	w := storetest.NewWorkspace(tb, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: qs.KnowledgeBase, Language: set.language}
	if err := s.CreateKnowledgeBase(ctx, kb); err != nil {
		tb.Fatal(err)
	}
	if _, err := (&rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}).Ingest(ctx, kb, []string{set.dir}); err != nil {
		tb.Fatal(err)
	}
	docs, _ := s.ListDocuments(ctx, w.ID, kb.ID)
	sources := map[string]string{}
	for _, d := range docs {
		sources[d.ID] = filepath.Base(d.Source)
	}
	sr := &rag.Searcher{Store: s, Embedder: rag.HashedLexical{}}
	out := map[string]rag.Quality{}
	for _, r := range retrievers {
		q, err := rag.Evaluate(ctx, sr, []*store.KnowledgeBase{kb}, qs, r.opts, sources)
		if err != nil {
			tb.Fatal(err)
		}
		out[r.name] = q
	}
	return out
}

// A floor under retrieval quality on the example questions, so a change
// that hurts retrieval fails the tests (the benchmark reports the numbers).
func TestRetrievalQuality(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		for _, set := range qualitySets {
			q := measure(t, s, set)
			for _, r := range retrievers {
				t.Logf("%s %s: recall@5 %.2f MRR %.2f missed %q", set.name, r.name, q[r.name].RecallAt5, q[r.name].MRR, q[r.name].Missed)
			}
			if h := q["hybrid"]; h.RecallAt5 < 0.85 || h.MRR < 0.6 {
				t.Errorf("%s hybrid: recall@5 %.2f, MRR %.2f; want at least 0.85 and 0.6", set.name, h.RecallAt5, h.MRR)
			}
		}
	})
}

// BenchmarkRetrievalQuality reports recall@5 and MRR of each retriever on
// the example questions, on both stores.
func BenchmarkRetrievalQuality(b *testing.B) {
	for _, open := range []func(testing.TB) store.Store{storetest.OpenSQLite, storetest.OpenPostgres} {
		s := open(b)
		for _, set := range qualitySets {
			q := measure(b, s, set)
			for _, r := range retrievers {
				b.Run(fmt.Sprintf("%s/%s/%s", s.Dialect(), set.name, r.name), func(b *testing.B) {
					for b.Loop() {
					}
					b.ReportMetric(q[r.name].RecallAt5, "recall@5")
					b.ReportMetric(q[r.name].MRR, "MRR")
				})
			}
		}
	}
}
