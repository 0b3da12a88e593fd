package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/causerie/causerie/store"
)

// unit returns a small unit vector pointing mostly along axis i.
func unit(dims, i int) []float32 {
	v := make([]float32, dims)
	v[i%dims] = 1
	v[(i+1)%dims] = 0.1
	return v
}

func chunks(texts ...string) []*store.Chunk {
	out := make([]*store.Chunk, len(texts))
	for i, t := range texts {
		out[i] = &store.Chunk{Title: "Doc", Text: t, HeadingPath: "Section", Tokens: 5, Embedding: unit(8, i)}
	}
	return out
}

func chunkTexts(hits []*store.ChunkHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Text)
	}
	return out
}

func testKnowledgeDocuments(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "FAQ"}
	must(t, s.CreateKnowledgeBase(ctx, kb))
	doc := &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: kb.ID, Source: "docs/tarifs.md", Title: "Tarifs",
		URL: "https://salon.example/tarifs", ContentHash: "h1", Embedder: "test-8"}
	must(t, s.SaveDocument(ctx, doc, chunks("La coupe coûte 35 euros.", "La coloration coûte 60 euros.")))
	if doc.ID == "" || doc.Chunks != 2 {
		t.Fatalf("saved document: %+v", doc)
	}
	docs, err := s.ListDocuments(ctx, w.ID, kb.ID)
	must(t, err)
	diff(t, "documents", docs, []*store.Document{doc}, timeless(store.Document{}))
	n, err := s.CountChunks(ctx, w.ID, kb.ID)
	must(t, err)
	if n != 2 {
		t.Errorf("%d chunks, want 2", n)
	}
	listed, err := s.ListChunks(ctx, w.ID, doc.ID)
	must(t, err)
	if len(listed) != 2 || listed[0].Text != "La coupe coûte 35 euros." || listed[1].Position != 1 || listed[1].DocumentID != doc.ID {
		t.Errorf("ListChunks = %+v, want the two chunks in order", listed)
	}

	// Saving the same source again replaces its chunks, keeping its ID.
	again := &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: kb.ID, Source: "docs/tarifs.md", Title: "Tarifs 2027", ContentHash: "h2", Embedder: "test-8"}
	must(t, s.SaveDocument(ctx, again, chunks("La coupe coûte 38 euros.")))
	if again.ID != doc.ID {
		t.Errorf("re-saved document got a new ID")
	}
	hits, err := s.SearchText(ctx, w.ID, []string{kb.ID}, "coupe", 10)
	must(t, err)
	if got := chunkTexts(hits); !slices.Equal(got, []string{"La coupe coûte 38 euros."}) {
		t.Errorf("after replacement, text search finds %q", got)
	}
	hits, err = s.SearchVector(ctx, w.ID, []string{kb.ID}, unit(8, 1), 10, store.VectorSearch{})
	must(t, err)
	if len(hits) != 1 {
		t.Errorf("after replacement, vector search finds %d chunks, want 1", len(hits))
	}

	// Another workspace sees nothing of it and cannot write into it.
	other := NewWorkspace(t, s)
	hits, err = s.SearchText(ctx, other.ID, []string{kb.ID}, "coupe", 10)
	must(t, err)
	vhits, err := s.SearchVector(ctx, other.ID, []string{kb.ID}, unit(8, 0), 10, store.VectorSearch{})
	must(t, err)
	if len(hits)+len(vhits) != 0 {
		t.Errorf("workspace B found %d chunks of workspace A", len(hits)+len(vhits))
	}
	wantErr(t, s.SaveDocument(ctx, &store.Document{WorkspaceID: other.ID, KnowledgeBaseID: kb.ID, Source: "x", ContentHash: "h"}, chunks("x")), store.ErrNotFound)
	wantErr(t, s.DeleteDocument(ctx, other.ID, doc.ID), store.ErrNotFound)

	must(t, s.DeleteDocument(ctx, w.ID, doc.ID))
	n, err = s.CountChunks(ctx, w.ID, kb.ID)
	must(t, err)
	hits, err = s.SearchText(ctx, w.ID, []string{kb.ID}, "coupe", 10)
	must(t, err)
	vhits, err = s.SearchVector(ctx, w.ID, []string{kb.ID}, unit(8, 0), 10, store.VectorSearch{})
	must(t, err)
	if n != 0 || len(hits) != 0 || len(vhits) != 0 {
		t.Errorf("after delete: %d chunks, %d text hits, %d vector hits", n, len(hits), len(vhits))
	}
}

func testKnowledgeSearch(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	salon := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Salon", Language: "french"}
	other := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Autre", Language: "french"}
	must(t, s.CreateKnowledgeBase(ctx, salon))
	must(t, s.CreateKnowledgeBase(ctx, other))
	must(t, s.SaveDocument(ctx, &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: salon.ID, Source: "a.md", ContentHash: "a"},
		chunks("Le salon est ouvert du mardi au samedi.", "Une coloration complète coûte 60 euros.", "Les annulations se font 24 heures avant.")))
	must(t, s.SaveDocument(ctx, &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: other.ID, Source: "b.md", ContentHash: "b"},
		chunks("Une coloration dans un autre salon coûte 45 euros.")))

	// Nearest first, restricted to the knowledge bases asked for.
	for _, exact := range []bool{false, true} {
		hits, err := s.SearchVector(ctx, w.ID, []string{salon.ID}, unit(8, 1), 2, store.VectorSearch{Exact: exact})
		must(t, err)
		if got := chunkTexts(hits); len(got) != 2 || got[0] != "Une coloration complète coûte 60 euros." {
			t.Errorf("exact=%v: vector hits %q", exact, got)
		}
		if hits[0].Score < 0.99 || hits[0].Score < hits[1].Score {
			t.Errorf("scores %v, %v: want cosine similarity, best first", hits[0].Score, hits[1].Score)
		}
	}
	both, err := s.SearchVector(ctx, w.ID, []string{salon.ID, other.ID}, unit(8, 0), 10, store.VectorSearch{})
	must(t, err)
	if len(both) != 4 {
		t.Errorf("search over two knowledge bases found %d chunks, want 4", len(both))
	}

	// Full-text: any word of the question; chunks with more of them first.
	hits, err := s.SearchText(ctx, w.ID, []string{salon.ID}, "Combien coûte une coloration ?", 10)
	must(t, err)
	if got := chunkTexts(hits); len(got) == 0 || got[0] != "Une coloration complète coûte 60 euros." {
		t.Errorf("text hits %q", got)
	}
	for _, h := range hits {
		if h.KnowledgeBaseID != salon.ID || h.DocumentID == "" || h.ID == "" {
			t.Errorf("hit without its source ids: %+v", h.Chunk)
		}
	}
	hits, err = s.SearchText(ctx, w.ID, []string{salon.ID}, "?!", 10)
	must(t, err)
	if len(hits) != 0 {
		t.Errorf("a question without words found %q", chunkTexts(hits))
	}
}

// Several processes ingest at once into a fresh database, with a vector
// size it has no index for yet: each document is saved, none fails (the
// index for the size was once created inside the ingestions'
// transactions, and PostgreSQL reported deadlocks between them).
func testConcurrentIngestionNewVectorSize(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "FAQ"}
	must(t, s.CreateKnowledgeBase(ctx, kb))
	handles := []store.Store{s, Reopen(t, s), Reopen(t, s)}
	const perHandle = 6
	errs := make(chan error, len(handles)*perHandle)
	var wg sync.WaitGroup
	for h, hs := range handles {
		for i := range perHandle {
			wg.Go(func() {
				doc := &store.Document{WorkspaceID: w.ID, KnowledgeBaseID: kb.ID, Source: fmt.Sprintf("doc-%d-%d.md", h, i),
					ContentHash: "h", Embedder: "test-24"}
				cs := chunks("première", "deuxième", "troisième")
				for j, c := range cs {
					c.Embedding = unit(24, i+j)
				}
				errs <- hs.SaveDocument(ctx, doc, cs)
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent ingestion: %v", err)
		}
	}
	n, err := s.CountChunks(ctx, w.ID, kb.ID)
	must(t, err)
	if want := len(handles) * perHandle * 3; n != want {
		t.Errorf("%d chunks, want %d", n, want)
	}
	hits, err := s.SearchVector(ctx, w.ID, []string{kb.ID}, unit(24, 0), 3, store.VectorSearch{})
	must(t, err)
	if len(hits) != 3 {
		t.Errorf("vector search found %d chunks, want 3", len(hits))
	}
}
