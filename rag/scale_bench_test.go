package rag_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
)

// synthetic makes n unit vectors of dims dimensions grouped in clusters,
// as real embeddings are (uniform random vectors would make an index's
// job artificially hard), deterministically.
func synthetic(n, dims, clusters int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	centers := make([][]float64, clusters)
	for i := range centers {
		centers[i] = make([]float64, dims)
		for j := range centers[i] {
			centers[i][j] = r.NormFloat64()
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centers[r.IntN(clusters)]
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

func benchChunks() int {
	if v, err := strconv.Atoi(os.Getenv("CAUSERIE_BENCH_CHUNKS")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

// loadSynthetic stores synthetic chunks (documents of 100 chunks) with
// writers documents stored at once, and returns the time it took (no
// embedding involved).
func loadSynthetic(b *testing.B, s store.Store, kb *store.KnowledgeBase, vectors [][]float32, firstDoc, writers int) time.Duration {
	b.Helper()
	docs := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	start := time.Now()
	for range writers {
		wg.Go(func() {
			for i := range docs {
				d := firstDoc + i
				part := vectors[i*100 : min(len(vectors), (i+1)*100)]
				chunks := make([]*store.Chunk, len(part))
				for i, v := range part {
					chunks[i] = &store.Chunk{Title: fmt.Sprintf("Document %d", d), HeadingPath: "Section",
						Text: fmt.Sprintf("Passage %d of synthetic document %d about topic %d.", i, d, (d*100+i)%97), Tokens: 12, Embedding: v}
				}
				if err := s.SaveDocument(ctx, &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID,
					Source: fmt.Sprintf("synthetic/%05d.md", d), ContentHash: "x"}, chunks); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := 0; i*100 < len(vectors); i++ {
		select {
		case docs <- i:
		case err := <-errs:
			b.Fatal(err)
		}
	}
	close(docs)
	wg.Wait()
	spent := time.Since(start)
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return spent
}

// BenchmarkKnowledgeScale loads synthetic 768-dimension chunks (100,000 by
// default, CAUSERIE_BENCH_CHUNKS to change) and reports ingestion rates
// (storing only: vectors are precomputed) and query latency p50/p99 and
// recall@10 against exact search — at ef_search 40 and 100 on PostgreSQL
// (HNSW); on SQLite, for several numbers of candidates the first pass
// (Hamming distance of the sign bits) keeps for exact re-scoring, the
// default first, with the latency of the first search (cold-ms: the
// knowledge base's bits are loaded into memory).
//
// On PostgreSQL the first tenth is stored with the HNSW index maintained
// by one writer (ingest-indexed-chunks/s: what an ingestion into a live
// knowledge base costs), the next tenth by rag.DefaultWriters writers at
// once, as rag.Ingester does (ingest-indexed-writers-chunks/s); the rest
// is bulk-loaded with the index dropped (ingest-bulk-chunks/s: COPY,
// tsvector and B-tree indexes), then the index is rebuilt (index-build-s).
func BenchmarkKnowledgeScale(b *testing.B) {
	n := benchChunks()
	// Queries come from the same distribution as the chunks (held out).
	all := synthetic(n+100, 768, 200, 1)
	vectors, queries := all[:n], all[n:]
	b.Run("postgres", func(b *testing.B) {
		url := storetest.PostgresURL(b)
		s, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		kb := newSyntheticKB(b, s)
		first := max(1, n/10/100) * 100
		second := min(n, 2*first)
		indexed := float64(first) / loadSynthetic(b, s, kb, vectors[:first], 0, 1).Seconds()
		writers := rag.DefaultWriters(s)
		indexedWriters := float64(second-first) / loadSynthetic(b, s, kb, vectors[first:second], first/100, writers).Seconds()
		if _, err := conn.Exec(ctx, `DROP INDEX kb_chunks_embedding_768`); err != nil {
			b.Fatal(err)
		}
		bulk := float64(n-second) / loadSynthetic(b, s, kb, vectors[second:], second/100, 1).Seconds()
		start := time.Now()
		if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 1; `+
			postgres.ChunkIndexDDL(768)+`; ANALYZE kb_chunks`); err != nil {
			b.Fatal(err)
		}
		build := time.Since(start).Seconds()
		measureQueries(b, s, kb, queries, []setting{{"ef_search=40", 40}, {"ef_search=100", 100}}, map[string]float64{
			"ingest-indexed-chunks/s": indexed, "ingest-indexed-writers-chunks/s": indexedWriters, "writers": float64(writers),
			"ingest-bulk-chunks/s": bulk, "index-build-s": build})
	})
	for _, size := range []int{min(n, 10_000), n} {
		b.Run(fmt.Sprintf("sqlite-%dk", size/1000), func(b *testing.B) {
			s := storetest.OpenSQLite(b)
			kb := newSyntheticKB(b, s)
			rate := float64(size) / loadSynthetic(b, s, kb, vectors[:size], 0, rag.DefaultWriters(s)).Seconds()
			start := time.Now()
			if _, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, queries[0], 10, store.VectorSearch{}); err != nil {
				b.Fatal(err)
			}
			cold := float64(time.Since(start).Microseconds()) / 1000
			measureQueries(b, s, kb, queries, []setting{
				{fmt.Sprintf("candidates=%d", sqlite.DefaultCandidates), 0}, {"candidates=300", 300}, {"candidates=1000", 1000},
			}, map[string]float64{"ingest-chunks/s": rate, "cold-ms": cold})
		})
	}
}

func newSyntheticKB(b *testing.B, s store.Store) *store.KnowledgeBase {
	w := storetest.NewWorkspace(b, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Synthetic", Language: "english"}
	if err := s.CreateKnowledgeBase(ctx, kb); err != nil {
		b.Fatal(err)
	}
	return kb
}

// setting is a sub-benchmark's VectorSearch.EfSearch: HNSW's ef_search on
// PostgreSQL, the number of candidates re-scored on SQLite (0: the
// default).
type setting struct {
	name string
	ef   int
}

// measureQueries runs the queries at each setting and reports latency and
// recall@10 against exact search.
func measureQueries(b *testing.B, s store.Store, kb *store.KnowledgeBase, queries [][]float32, settings []setting, extra map[string]float64) {
	exact := make([][]string, len(queries))
	for i, q := range queries {
		hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, 10, store.VectorSearch{Exact: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range hits {
			exact[i] = append(exact[i], h.ID)
		}
	}
	for _, set := range settings {
		ef := set.ef
		b.Run(set.name, func(b *testing.B) {
			var lat []time.Duration
			var found, total int
			for b.Loop() {
				lat, found, total = lat[:0], 0, 0
				for i, q := range queries {
					start := time.Now()
					hits, err := s.SearchVector(ctx, kb.WorkspaceID, []string{kb.ID}, q, 10, store.VectorSearch{EfSearch: ef})
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					for _, h := range hits {
						if slices.Contains(exact[i], h.ID) {
							found++
						}
					}
					total += len(exact[i])
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(found)/float64(total), "recall@10")
			for k, v := range extra {
				b.ReportMetric(v, k)
			}
		})
	}
}
