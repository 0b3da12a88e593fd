package rag

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	// Progress, when set, is told after each file.
	Progress func(done, total int, source string)
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
	// EmbedTime and StoreTime split the time spent.
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
	rep := &Report{}
	for i, e := range entries {
		if err := in.one(ctx, kb, e, bySource[e.Source], rep); err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.Failed = append(rep.Failed, Failure{Source: e.Source, Err: err})
		}
		if in.Progress != nil {
			in.Progress(i+1, len(entries), e.Source)
		}
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

func (in *Ingester) one(ctx context.Context, kb *store.KnowledgeBase, e Entry, prev *store.Document, rep *Report) error {
	path := e.Path
	f, err := Load(path)
	if err != nil {
		return err
	}
	hash := in.Chunking.fingerprint(f)
	if prev != nil && prev.ContentHash == hash && prev.Embedder == in.Embedder.Name() {
		rep.Unchanged = append(rep.Unchanged, e.Source)
		return nil
	}
	passages, err := Split(f, in.Chunking)
	if err != nil {
		return fmt.Errorf("%s: split: %w", path, err)
	}
	if len(passages) == 0 {
		return fmt.Errorf("%s: no text to index", path)
	}
	texts := make([]string, len(passages))
	for i, p := range passages {
		texts[i] = embeddingText(f.Title, p)
	}
	start := time.Now()
	vectors, err := in.Embedder.Embed(ctx, texts)
	rep.EmbedTime += time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	chunks := make([]*store.Chunk, len(passages))
	for i, p := range passages {
		chunks[i] = &store.Chunk{Title: f.Title, HeadingPath: p.HeadingPath, Text: p.Text, URL: f.URL, Tokens: p.Tokens, Embedding: vectors[i]}
	}
	doc := &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID, Source: e.Source, Title: f.Title, URL: f.URL,
		ContentHash: hash, Embedder: in.Embedder.Name()}
	start = time.Now()
	err = in.Store.SaveDocument(ctx, doc, chunks)
	rep.StoreTime += time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rep.Chunks += len(chunks)
	if prev == nil {
		rep.Added = append(rep.Added, e.Source)
	} else {
		rep.Updated = append(rep.Updated, e.Source)
	}
	return nil
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
