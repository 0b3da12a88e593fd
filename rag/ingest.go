package rag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	// Progress, when set, is told after each file.
	Progress func(done, total int, source string)
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

// Ingest loads paths (files, or directories walked recursively) into kb.
// Documents previously ingested from under these paths that are gone are
// deleted; other documents of kb are left alone.
func (in *Ingester) Ingest(ctx context.Context, kb *store.KnowledgeBase, paths []string) (*Report, error) {
	if err := CheckEmbedder(kb, in.Embedder); err != nil {
		docs, lerr := in.Store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
		if lerr != nil || len(docs) > 0 {
			return nil, err
		}
		// An empty knowledge base may change embedder.
	}
	files, err := Expand(paths)
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
	rep := &Report{}
	seen := map[string]bool{}
	for i, path := range files {
		seen[path] = true
		if err := in.one(ctx, kb, path, bySource[path], rep); err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.Failed = append(rep.Failed, Failure{Source: path, Err: err})
		}
		if in.Progress != nil {
			in.Progress(i+1, len(files), path)
		}
	}
	for _, d := range existing {
		if !seen[d.Source] && under(d.Source, paths) {
			if err := in.Store.DeleteDocument(ctx, kb.WorkspaceID, d.ID); err != nil {
				return rep, err
			}
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

// under reports whether source is one of paths or inside one of them.
func under(source string, paths []string) bool {
	for _, p := range paths {
		p = filepath.Clean(p)
		if source == p || strings.HasPrefix(source, p+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (in *Ingester) one(ctx context.Context, kb *store.KnowledgeBase, path string, prev *store.Document, rep *Report) error {
	f, err := Load(path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(f.Content()))
	hash := hex.EncodeToString(sum[:])
	if prev != nil && prev.ContentHash == hash && prev.Embedder == in.Embedder.Name() {
		rep.Unchanged = append(rep.Unchanged, path)
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
	doc := &store.Document{WorkspaceID: kb.WorkspaceID, KnowledgeBaseID: kb.ID, Source: path, Title: f.Title, URL: f.URL,
		ContentHash: hash, Embedder: in.Embedder.Name()}
	start = time.Now()
	err = in.Store.SaveDocument(ctx, doc, chunks)
	rep.StoreTime += time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rep.Chunks += len(chunks)
	if prev == nil {
		rep.Added = append(rep.Added, path)
	} else {
		rep.Updated = append(rep.Updated, path)
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
