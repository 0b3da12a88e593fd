package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/storetest"
)

// Migration 10 rebuilds the HNSW index of every vector size over the
// vectors in half precision (and its down in single precision); the
// chunks are found through them either way.
func TestMigrateHalfvecIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "FAQ"}
	if err := s.CreateKnowledgeBase(ctx, kb); err != nil {
		t.Fatal(err)
	}
	vector := func(dims, i int) []float32 {
		v := make([]float32, dims)
		v[i%dims], v[(i+3)%dims] = 1, 0.5
		return v
	}
	for _, dims := range []int{24, 768} {
		var chunks []*store.Chunk
		for i := range 20 {
			chunks = append(chunks, &store.Chunk{Text: fmt.Sprintf("%d-%d", dims, i), Embedding: vector(dims, i)})
		}
		if err := s.SaveDocument(ctx, &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: kb.ID, Source: fmt.Sprintf("%d.md", dims),
			ContentHash: "h"}, chunks); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	indexes := func() map[string]string {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND indexname LIKE 'kb_chunks_embedding_%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			out[name] = def
		}
		return out
	}
	// check opens the store (applying migration 10 when it is pending).
	check := func(when, ops string) {
		t.Helper()
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		got := indexes()
		for _, dims := range []int{24, 768} {
			def := got[fmt.Sprintf("kb_chunks_embedding_%d", dims)]
			if !strings.Contains(def, ops) || !strings.Contains(def, fmt.Sprintf("dims = %d", dims)) {
				t.Errorf("%s: index of %d dimensions %q, want %s", when, dims, def, ops)
			}
		}
		for _, dims := range []int{24, 768} {
			hits, err := s.SearchVector(ctx, w.ID, []string{kb.ID}, vector(dims, 7), 3, store.VectorSearch{})
			if err != nil || len(hits) != 3 || hits[0].Text != fmt.Sprintf("%d-7", dims) || hits[0].Score < 0.999 {
				t.Errorf("%s: search of %d dimensions: %+v (%v)", when, dims, hits, err)
			}
		}
	}
	check("migrated", "halfvec_cosine_ops")
	if err := postgres.MigrateDownTo(ctx, url, 9); err != nil {
		t.Fatal(err)
	}
	if got := indexes()["kb_chunks_embedding_24"]; !strings.Contains(got, "vector_cosine_ops") || strings.Contains(got, "halfvec") {
		t.Errorf("rolled back: %q", got)
	}
	check("migrated again", "halfvec_cosine_ops")
}
