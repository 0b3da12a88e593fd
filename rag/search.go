package rag

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// SearchOptions tune a hybrid search. The zero value is the default.
type SearchOptions struct {
	// K is how many hits to return (default 4).
	K int
	// Candidates is how many hits each retriever contributes (default 20).
	Candidates int
	// VectorWeight and LexicalWeight weigh the two rankings in the fusion;
	// both zero means 1 and 1. A zero weight (with the other set) turns
	// that retriever off.
	VectorWeight, LexicalWeight float64
	// RRFK is the reciprocal rank fusion constant (default 60).
	RRFK int
	// Threshold drops hits whose fused score, normalised to 0–1 (1: first
	// for every retriever), is below it. Applied after fusion.
	Threshold float64
	// EfSearch is passed to the vector search (store.VectorSearch): the
	// HNSW candidate list on PostgreSQL, the candidates re-scored on
	// SQLite.
	EfSearch int
}

func (o SearchOptions) withDefaults() SearchOptions {
	if o.K <= 0 {
		o.K = 4
	}
	if o.Candidates <= 0 {
		o.Candidates = 20
	}
	o.Candidates = max(o.Candidates, o.K)
	if o.VectorWeight == 0 && o.LexicalWeight == 0 {
		o.VectorWeight, o.LexicalWeight = 1, 1
	}
	if o.RRFK <= 0 {
		o.RRFK = 60
	}
	return o
}

// Hit is a passage found by a search.
type Hit struct {
	store.Chunk
	// Score is the fused score, normalised to 0–1.
	Score float64
	// VectorRank and LexicalRank are the hit's rank (1 = first) in each
	// retriever's list; 0 when that retriever did not find it.
	VectorRank, LexicalRank int
	VectorScore             float64 // cosine similarity
	LexicalScore            float64 // the text rank
}

// Retrievers says which retrievers found the hit: "vector", "lexical" or
// "vector+lexical".
func (h Hit) Retrievers() string {
	var r []string
	if h.VectorRank > 0 {
		r = append(r, "vector")
	}
	if h.LexicalRank > 0 {
		r = append(r, "lexical")
	}
	return strings.Join(r, "+")
}

// Searcher runs hybrid searches: the vector top candidates and the
// full-text top candidates, fused by weighted reciprocal rank fusion.
type Searcher struct {
	Store    store.Store
	Embedder Embedder
}

// Search searches kbs for query.
func (s *Searcher) Search(ctx context.Context, kbs []*store.KnowledgeBase, query string, opts SearchOptions) ([]Hit, error) {
	opts = opts.withDefaults()
	if len(kbs) == 0 || strings.TrimSpace(query) == "" {
		return nil, nil
	}
	ws := kbs[0].WorkspaceID
	ids := make([]string, len(kbs))
	for i, kb := range kbs {
		if err := CheckEmbedder(kb, s.Embedder); err != nil {
			return nil, err
		}
		ids[i] = kb.ID
	}
	hits := map[string]*Hit{}
	add := func(list []*store.ChunkHit, vector bool) {
		for i, c := range list {
			h, ok := hits[c.ID]
			if !ok {
				h = &Hit{Chunk: c.Chunk}
				hits[c.ID] = h
			}
			if vector {
				h.VectorRank, h.VectorScore = i+1, c.Score
			} else {
				h.LexicalRank, h.LexicalScore = i+1, c.Score
			}
		}
	}
	if opts.VectorWeight > 0 {
		vs, err := s.Embedder.Embed(ctx, []string{query})
		if err != nil {
			return nil, fmt.Errorf("embed the question: %w", err)
		}
		list, err := s.Store.SearchVector(ctx, ws, ids, vs[0], opts.Candidates, store.VectorSearch{EfSearch: opts.EfSearch})
		if err != nil {
			return nil, fmt.Errorf("vector search: %w", err)
		}
		add(list, true)
	}
	if opts.LexicalWeight > 0 {
		list, err := s.Store.SearchText(ctx, ws, ids, query, opts.Candidates)
		if err != nil {
			return nil, fmt.Errorf("full-text search: %w", err)
		}
		add(list, false)
	}
	k := float64(opts.RRFK)
	best := (opts.VectorWeight + opts.LexicalWeight) / (k + 1)
	out := make([]Hit, 0, len(hits))
	for _, h := range hits {
		var score float64
		if h.VectorRank > 0 {
			score += opts.VectorWeight / (k + float64(h.VectorRank))
		}
		if h.LexicalRank > 0 {
			score += opts.LexicalWeight / (k + float64(h.LexicalRank))
		}
		h.Score = score / best
		if h.Score >= opts.Threshold {
			out = append(out, *h)
		}
	}
	slices.SortFunc(out, func(a, b Hit) int {
		// Ties (e.g. ranks 1 and 2 against 2 and 1) go to the closer vector,
		// then the better text rank, then the ID, so results are stable.
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.VectorScore, a.VectorScore); c != 0 {
			return c
		}
		if c := cmp.Compare(b.LexicalScore, a.LexicalScore); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(opts.K, len(out))], nil
}

// SearchKnowledge implements tools.Knowledge with a hybrid search.
func (s *Searcher) SearchKnowledge(ctx context.Context, kbs []*store.KnowledgeBase, query string, k int) ([]tools.Passage, error) {
	hits, err := s.Search(ctx, kbs, query, SearchOptions{K: k})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, kb := range kbs {
		names[kb.ID] = kb.Name
	}
	out := make([]tools.Passage, len(hits))
	for i, h := range hits {
		out[i] = tools.Passage{N: i + 1, Text: h.Text, Title: h.Title, Heading: h.HeadingPath, URL: h.URL,
			KnowledgeBase: names[h.KnowledgeBaseID], DocumentID: h.DocumentID, ChunkID: h.ID, Score: h.Score}
	}
	return out, nil
}
