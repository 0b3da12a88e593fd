package rag

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/causerie/causerie/store"
)

// Ingester loads files into a knowledge base: unchanged documents are
// skipped (content hash), changed ones get their chunks replaced, removed
// ones are deleted, unreadable ones are reported and skipped.
type Ingester struct {
	Store    store.Store
	Embedder Embedder
	Chunking ChunkOptions
	// Exclude are globs of files and folders to leave out, on top of
	// DefaultExcludes (see Expand).
	Exclude []string
	// Prune lets an ingestion delete more than half of a knowledge base's
	// documents; without it such an ingestion — usually an empty or
	// unmounted folder — is refused (PruneError).
	Prune bool
	// Progress, when set, is told after each file (never from two
	// goroutines at once).
	Progress func(done, total int, source string)
	// Writers is how many documents are stored at once, each in its own
	// transaction, while the next ones are read and embedded (one at a
	// time, in order); 0 means DefaultWriters for the store.
	Writers int
}

// DefaultWriters is how many documents an Ingester stores at once by
// default: on PostgreSQL, 4 — maintaining the HNSW index is most of an
// insert's cost and takes one core per writer (2 writers stored 1.7–2 times
// as many chunks per second as one on 2 cores); on SQLite, which has one
// writer at a time, 1.
func DefaultWriters(s store.Store) int {
	if s.Dialect() == "postgres" {
		return 4
	}
	return 1
}

// PruneError refuses an ingestion that would delete most of a knowledge
// base: nothing was changed.
type PruneError struct {
	KnowledgeBase   string
	Deleting, Total int
	Roots           []string
}

func (e *PruneError) Error() string {
	return fmt.Sprintf("this ingestion would delete %d of the %d documents of knowledge base %q (the folder %s is empty, "+
		"unmounted, or now excludes them); nothing was changed: check the path, or pass --prune to delete them",
		e.Deleting, e.Total, e.KnowledgeBase, strings.Join(e.Roots, ", "))
}

// Report says what an ingestion did.
type Report struct {
	Added, Updated, Unchanged, Deleted []string
	Failed                             []Failure
	Chunks                             int // chunks written
	// EmbedTime and StoreTime split the time spent; StoreTime adds up
	// the writers' (see Ingester.Writers), so it may exceed the wall time.
	EmbedTime, StoreTime time.Duration
}

// Failure is a file that could not be ingested.
type Failure struct {
	Source string
	Err    error
}

func (f Failure) String() string { return f.Err.Error() }

// Ingest loads paths (files, or folders walked recursively; see Expand)
// into kb. Documents of an ingested folder that are gone are deleted —
// unless that would be more than half of kb, without Prune; other
// documents of kb are left alone.
func (in *Ingester) Ingest(ctx context.Context, kb *store.KnowledgeBase, paths []string) (*Report, error) {
	if err := in.Chunking.Check(); err != nil {
		return nil, err
	}
	if err := CheckEmbedder(kb, in.Embedder); err != nil {
		docs, lerr := in.Store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
		if lerr != nil || len(docs) > 0 {
			return nil, err
		}
		// An empty knowledge base may change embedder.
	}
	entries, err := Expand(paths, in.Exclude)
	if err != nil {
		return nil, err
	}
	existing, err := in.Store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil {
		return nil, err
	}
	bySource := map[string]*store.Document{}
	for _, d := range existing {
		bySource[d.Source] = d
	}
	seen := map[string]bool{}
	moved := map[string]bool{} // documents kept under a source of the path as it was typed
	for _, e := range entries {
		seen[e.Source] = true
		for _, old := range oldSources(e) {
			if _, ok := bySource[old]; ok && old != e.Source {
				moved[old] = true
			}
		}
	}
	roots, err := folderRoots(paths)
	if err != nil {
		return nil, err
	}
	var gone []*store.Document
	for _, d := range existing {
		if !seen[d.Source] && (moved[d.Source] || underRoot(d.Source, roots)) {
			gone = append(gone, d)
		}
	}
	if deleting := len(gone) - len(moved); deleting > 0 && 2*deleting > len(existing) && !in.Prune {
		return nil, &PruneError{KnowledgeBase: kb.Name, Deleting: deleting, Total: len(existing), Roots: roots}
	}
	rep, err := in.ingestEntries(ctx, kb, entries, bySource)
	if err != nil {
		return rep, err
	}
	for _, d := range gone {
		if err := in.Store.DeleteDocument(ctx, kb.WorkspaceID, d.ID); err != nil {
			return rep, err
		}
		if !moved[d.Source] {
			rep.Deleted = append(rep.Deleted, d.Source)
		}
	}
	if kb.Embedder != in.Embedder.Name() && (len(rep.Added)+len(rep.Updated) > 0) {
		kb.Embedder = in.Embedder.Name()
		if err := in.Store.UpdateKnowledgeBase(ctx, kb); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// oldSources are the sources an entry had before sources were relative
// to the ingested folder: its path as typed, and absolute.
func oldSources(e Entry) []string {
	out := []string{e.Path}
	if abs, err := filepath.Abs(e.Path); err == nil {
		out = append(out, abs)
	}
	return out
}

// folderRoots are the names of the folders among paths.
func folderRoots(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			abs, err := filepath.Abs(p)
			if err != nil {
				return nil, err
			}
			out = append(out, filepath.Base(abs))
		}
	}
	return out, nil
}

// underRoot reports whether source is a document of one of the folders.
func underRoot(source string, roots []string) bool {
	for _, r := range roots {
		if strings.HasPrefix(source, r+"/") {
			return true
		}
	}
	return false
}

// outcome is what became of one entry.
type outcome int

const (
	pending outcome = iota // not done: the ingestion was cancelled first
	failed
	unchanged
	added
	updated
)

// entryResult is one entry's outcome, the report's part of it.
type entryResult struct {
	outcome outcome
	err     error
	chunks  int
	store   time.Duration
}

// ingestEntries reads and embeds the entries one at a time, in order, and
// stores them with in.Writers writers; the report lists them in order,
// whatever order they were stored in. When ctx ends it returns the report
// of the entries done and ctx's error.
func (in *Ingester) ingestEntries(ctx context.Context, kb *store.KnowledgeBase, entries []Entry, bySource map[string]*store.Document) (*Report, error) {
	writers := in.Writers
	if writers <= 0 {
		writers = DefaultWriters(in.Store)
	}
	results := make([]entryResult, len(entries))
	rep := &Report{}
	var mu sync.Mutex // guards done and the Progress calls
	done := 0
	finish := func(i int, r entryResult) {
		if r.outcome == failed && ctx.Err() != nil {
			return // cancelled, not failed
		}
		results[i] = r
		mu.Lock()
		defer mu.Unlock()
		done++
		if in.Progress != nil {
			in.Progress(done, len(entries), entries[i].Source)
		}
	}
	type job struct {
		i      int
		doc    *store.Document
		chunks []*store.Chunk
		update bool
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for j := range jobs {
				start := time.Now()
				err := in.Store.SaveDocument(ctx, j.doc, j.chunks)
				r := entryResult{outcome: added, chunks: len(j.chunks), store: time.Since(start)}
				switch {
				case err != nil:
					r.outcome, r.err, r.chunks = failed, fmt.Errorf("%s: %w", entries[j.i].Path, err), 0
				case j.update:
					r.outcome = updated
				}
				finish(j.i, r)
			}
		})
	}
	for i, e := range entries {
		if ctx.Err() != nil {
			break
		}
		prev := bySource[e.Source]
		doc, chunks, embed, err := in.prepare(ctx, kb, e, prev)
		rep.EmbedTime += embed
		switch {
		case err != nil:
			finish(i, entryResult{outcome: failed, err: err})
		case doc == nil:
			finish(i, entryResult{outcome: unchanged})
		default:
			select {
			case jobs <- job{i: i, doc: doc, chunks: chunks, update: prev != nil}:
			case <-ctx.Done():
			}
		}
	}
	close(jobs)
	wg.Wait()
	for i, r := range results {
		e := entries[i]
		rep.StoreTime += r.store
		rep.Chunks += r.chunks
		switch r.outcome {
		case unchanged:
			rep.Unchanged = append(rep.Unchanged, e.Source)
		case added:
			rep.Added = append(rep.Added, e.Source)
		case updated:
			rep.Updated = append(rep.Updated, e.Source)
		case failed:
			rep.Failed = append(rep.Failed, Failure{Source: e.Source, Err: r.err})
		}
	}
	return rep, ctx.Err()
}

// prepare reads, splits and embeds an entry: the document and chunks to
// store, nil when it is unchanged since prev, and the time spent
// embedding.
func (in *Ingester) prepare(ctx context.Context, kb *store.KnowledgeBase, e Entry, prev *store.Document) (*store.Document, []*store.Chunk, time.Duration, error) {
	path := e.Path
	f, err := Load(path)
	if err != nil {
		return nil, nil, 0, err
	}
	hash := in.Chunking.fingerprint(f)
	if prev != nil && prev.ContentHash == hash && prev.Embedder == in.Embedder.Name() {
		return nil, nil, 0, nil
	}
	passages, err := Split(f, in.Chunking)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: split: %w", path, err)
	}
	if len(passages) == 0 {
		return nil, nil, 0, fmt.Errorf("%s: no text to index", path)
	}
	texts := make([]string, len(passages))
	for i, p := range passages {
		texts[i] = embeddingText(f.Title, p)
	}
	start := time.Now()
	vectors, err := in.Embedder.Embed(ctx, texts)
	spent := time.Since(start)
	if err != nil {
		return nil, nil, spent, fmt.Errorf("%s: %w", path, err)
	}
	chunks := make([]*store.Chunk, len(passages))
	for i, p := range passages {
		chunks[i] = &store.Chunk{Title: f.Title, HeadingPath: p.HeadingPath, Text: p.Text, URL: f.URL, Tokens: p.Tokens, Embedding: vectors[i]}
	}
	doc := &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID, Source: e.Source, Title: f.Title, URL: f.URL,
		ContentHash: hash, Embedder: in.Embedder.Name()}
	return doc, chunks, spent, nil
}

// embeddingText is what a chunk's vector is computed from: its document's
// title and its heading path give it context its text may lack.
func embeddingText(title string, p Passage) string {
	return title + "\n" + p.Text
}

// CheckEmbedder refuses to mix embeddings: a knowledge base indexed with
// one embedder is searched and extended with the same one.
func CheckEmbedder(kb *store.KnowledgeBase, e Embedder) error {
	if kb.Embedder == "" || kb.Embedder == e.Name() {
		return nil
	}
	return fmt.Errorf("knowledge base %q was indexed with the embedder %s, and %s is configured: set CAUSERIE_EMBEDDINGS "+
		"(and its model and dimensions) back to match, or re-ingest it from scratch (`causerie kb rm --kb %q --all`, then ingest)",
		kb.Name, kb.Embedder, e.Name(), kb.Name)
}
