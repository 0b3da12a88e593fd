package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
)

// KnowledgeBaseView is a knowledge base, as `causerie kb list` shows it.
type KnowledgeBaseView struct {
	Name        string `json:"name"`
	Language    string `json:"language"`
	Description string `json:"description,omitempty"`
	Documents   int    `json:"documents"`
	Chunks      int    `json:"chunks"`
	// Embedder names the embedding its chunks were indexed with; absent
	// before the first ingestion.
	Embedder string `json:"embedder,omitempty"`
}

// KnowledgeBasePage is a page of knowledge bases, by name.
type KnowledgeBasePage struct {
	KnowledgeBases []KnowledgeBaseView `json:"knowledge_bases"`
	Next           string              `json:"next,omitempty"`
}

// DocumentView is a document of a knowledge base.
type DocumentView struct {
	ID string `json:"id"`
	// Source is the document's key in its knowledge base: its path
	// relative to the ingested folder's parent, or an uploaded file's
	// name.
	Source    string    `json:"source"`
	Title     string    `json:"title"`
	URL       string    `json:"url,omitempty"`
	Chunks    int       `json:"chunks"`
	Embedder  string    `json:"embedder"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DocumentPage is a page of documents, by source.
type DocumentPage struct {
	Documents []DocumentView `json:"documents"`
	Next      string         `json:"next,omitempty"`
}

func documentView(d *store.Document) DocumentView {
	return DocumentView{ID: d.ID, Source: d.Source, Title: d.Title, URL: d.URL, Chunks: d.Chunks, Embedder: d.Embedder,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// noEmbedder refuses what needs the embedder when the server has none.
func noEmbedder() *Problem {
	return problem(http.StatusServiceUnavailable, "no-embedder",
		"this server has no embedder, which indexing and searching knowledge need: start it with %s=hashed (offline, the default) "+
			"or %s=openai (with OPENAI_API_KEY or OPENAI_BASE_URL; the model in %s, the size in %s)",
		rag.EnvEmbeddings, rag.EnvEmbeddings, rag.EnvEmbeddingModel, rag.EnvEmbeddingDims)
}

// embedderMismatch refuses to mix embeddings in one knowledge base.
func embedderMismatch(err error) *Problem {
	return problem(http.StatusConflict, "embedder-mismatch", "%s", err.Error())
}

func (a *admin) listKnowledgeBases(c *echo.Context) error {
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ws := who(c).ws.ID
	kbs, err := a.store.ListKnowledgeBases(ctx, ws)
	if err != nil {
		return err
	}
	slices.SortFunc(kbs, func(x, y *store.KnowledgeBase) int { return strings.Compare(x.Name, y.Name) })
	items, next := page(kbs, func(kb *store.KnowledgeBase) string { return kb.Name }, c.QueryParam("cursor"), limit)
	out := KnowledgeBasePage{KnowledgeBases: []KnowledgeBaseView{}, Next: next}
	for _, kb := range items {
		docs, err := a.store.ListDocuments(ctx, ws, kb.ID)
		if err != nil {
			return err
		}
		n, err := a.store.CountChunks(ctx, ws, kb.ID)
		if err != nil {
			return err
		}
		out.KnowledgeBases = append(out.KnowledgeBases, KnowledgeBaseView{Name: kb.Name, Language: kb.Language,
			Description: kb.Description, Documents: len(docs), Chunks: n, Embedder: kb.Embedder})
	}
	return c.JSON(http.StatusOK, out)
}

// knowledgeBaseOf returns the knowledge base named in the path.
func (a *admin) knowledgeBaseOf(c *echo.Context) (*store.KnowledgeBase, error) {
	name, err := pathParam(c, "name")
	if err != nil {
		return nil, err
	}
	kbs, err := a.store.ListKnowledgeBases(c.Request().Context(), who(c).ws.ID)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, kb := range kbs {
		if kb.Name == name {
			return kb, nil
		}
		names = append(names, kb.Name)
	}
	slices.Sort(names)
	return nil, unknownName("knowledge base", "path.name", name, names)
}

func (a *admin) listDocuments(c *echo.Context) error {
	kb, err := a.knowledgeBaseOf(c)
	if err != nil {
		return err
	}
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	docs, err := a.store.ListDocuments(c.Request().Context(), kb.WorkspaceID, kb.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(docs, func(x, y *store.Document) int { return strings.Compare(x.Source, y.Source) })
	items, next := page(docs, func(d *store.Document) string { return d.Source }, c.QueryParam("cursor"), limit)
	out := DocumentPage{Documents: []DocumentView{}, Next: next}
	for _, d := range items {
		out.Documents = append(out.Documents, documentView(d))
	}
	return c.JSON(http.StatusOK, out)
}

// deleteDocument is `causerie kb rm SOURCE`. A source with slashes is
// sent percent-encoded (knowledge%2Ftarifs.md).
func (a *admin) deleteDocument(c *echo.Context) error {
	kb, err := a.knowledgeBaseOf(c)
	if err != nil {
		return err
	}
	src, err := pathParam(c, "source")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	docs, err := a.store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil {
		return err
	}
	known := []string{}
	for _, d := range docs {
		if d.Source == filepath.Clean(src) {
			if err := a.store.DeleteDocument(ctx, kb.WorkspaceID, d.ID); err != nil {
				return err
			}
			return c.NoContent(http.StatusNoContent)
		}
		known = append(known, d.Source)
	}
	slices.Sort(known)
	d := fmt.Sprintf("knowledge base %q has no document %q", kb.Name, src)
	p := problem(http.StatusNotFound, "not-found", "%s", d)
	p.Errors = []FieldError{{Field: "path.source", Detail: d, Valid: known}}
	return p
}

// SearchRequest searches a knowledge base, as `causerie kb search`.
type SearchRequest struct {
	Query string `json:"query"`
	// K is how many hits (1 to 100, default 5).
	K *int `json:"k,omitempty"`
	// VectorWeight and LexicalWeight weigh the two rankings in the fusion
	// (0 or absent: 1).
	VectorWeight  float64 `json:"vector_weight,omitempty"`
	LexicalWeight float64 `json:"lexical_weight,omitempty"`
	// Threshold is the minimum fused score (0 to 1).
	Threshold float64 `json:"threshold,omitempty"`
}

// RetrieverScore is how one retriever ranked a hit.
type RetrieverScore struct {
	// Rank is the hit's place in the retriever's list (1 = first).
	Rank int `json:"rank"`
	// Score is the cosine similarity (vector) or the text rank (lexical).
	Score float64 `json:"score"`
}

// SearchHit is a passage found.
type SearchHit struct {
	// Score is the fused score, from 0 to 1.
	Score float64 `json:"score"`
	// FoundBy is "vector", "lexical" or "vector+lexical".
	FoundBy string `json:"found_by"`
	// Retrievers holds each retriever's rank and score, for those that
	// found the hit.
	Retrievers  map[string]RetrieverScore `json:"retrievers"`
	ChunkID     string                    `json:"chunk_id"`
	DocumentID  string                    `json:"document_id"`
	Source      string                    `json:"source"`
	Title       string                    `json:"title"`
	HeadingPath string                    `json:"heading_path,omitempty"`
	URL         string                    `json:"url,omitempty"`
	Text        string                    `json:"text"`
}

// SearchResult lists the hits, best first.
type SearchResult struct {
	Hits []SearchHit `json:"hits"`
}

func (a *admin) search(c *echo.Context) error {
	kb, err := a.knowledgeBaseOf(c)
	if err != nil {
		return err
	}
	var req SearchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	k := 5
	if req.K != nil {
		k = *req.K
	}
	switch {
	case strings.TrimSpace(req.Query) == "":
		return invalid("body.query", "the query is empty; write the question to search for")
	case k < 1 || k > 100:
		return invalid("body.k", fmt.Sprintf("%d hits: want 1 to 100 (default 5)", k))
	case req.Threshold < 0 || req.Threshold > 1:
		return invalid("body.threshold", fmt.Sprintf("%g: want a fused score from 0 to 1", req.Threshold))
	case req.VectorWeight < 0:
		return invalid("body.vector_weight", "must be 0 or more (0 means the default, 1)")
	case req.LexicalWeight < 0:
		return invalid("body.lexical_weight", "must be 0 or more (0 means the default, 1)")
	}
	emb := a.opts.Embedder
	if emb == nil {
		return noEmbedder()
	}
	if err := rag.CheckEmbedder(kb, emb); err != nil {
		return embedderMismatch(err)
	}
	ctx := c.Request().Context()
	hits, err := (&rag.Searcher{Store: a.store, Embedder: emb}).Search(ctx, []*store.KnowledgeBase{kb}, req.Query,
		rag.SearchOptions{K: k, VectorWeight: req.VectorWeight, LexicalWeight: req.LexicalWeight, Threshold: req.Threshold})
	if err != nil {
		return err
	}
	docs, err := a.store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
	if err != nil {
		return err
	}
	sources := map[string]string{}
	for _, d := range docs {
		sources[d.ID] = d.Source
	}
	out := SearchResult{Hits: []SearchHit{}}
	for _, h := range hits {
		sh := SearchHit{Score: h.Score, FoundBy: h.Retrievers(), Retrievers: map[string]RetrieverScore{}, ChunkID: h.ID,
			DocumentID: h.DocumentID, Source: sources[h.DocumentID], Title: h.Title, HeadingPath: h.HeadingPath, URL: h.URL, Text: h.Text}
		if h.VectorRank > 0 {
			sh.Retrievers["vector"] = RetrieverScore{Rank: h.VectorRank, Score: h.VectorScore}
		}
		if h.LexicalRank > 0 {
			sh.Retrievers["lexical"] = RetrieverScore{Rank: h.LexicalRank, Score: h.LexicalScore}
		}
		out.Hits = append(out.Hits, sh)
	}
	return c.JSON(http.StatusOK, out)
}

// uploadFields are the form fields of an upload.
var uploadFields = []string{"file", "chunk_tokens", "overlap_tokens"}

// uploadDocuments is `causerie kb ingest FILE...` on uploaded files
// (multipart/form-data, one or more "file" parts): the files are checked
// and saved, and the ingestion runs in the background; the answer, 202,
// is its id, whose progress GET /v1/admin/ingestions/{id} tells and
// GET /v1/admin/ingestions/{id}/events streams. Each file's source is its
// name: uploading a file again updates its document (or skips it when
// unchanged).
func (a *admin) uploadDocuments(c *echo.Context) error {
	kb, err := a.knowledgeBaseOf(c)
	if err != nil {
		return err
	}
	emb := a.opts.Embedder
	if emb == nil {
		return noEmbedder()
	}
	ctx := c.Request().Context()
	if err := rag.CheckEmbedder(kb, emb); err != nil {
		// An empty knowledge base may change embedder (as Ingest allows).
		docs, lerr := a.store.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
		if lerr != nil {
			return lerr
		}
		if len(docs) > 0 {
			return embedderMismatch(err)
		}
	}
	dir, err := os.MkdirTemp("", "causerie-upload-")
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.RemoveAll(dir)
		}
	}()
	files, chunking, err := a.readUpload(c, dir)
	if err != nil {
		return err
	}
	if err := a.startTurn(); err != nil {
		return err
	}
	ing := a.ingestions.start(who(c).ws.ID, kb.Name, files, a.opts.Now())
	keep = true
	in := &rag.Ingester{Store: a.store, Embedder: emb, Chunking: chunking,
		Progress: func(done, total int, source string) { ing.progress(done, total, source) }}
	go func() {
		defer a.turns.Done()
		defer func() { _ = os.RemoveAll(dir) }()
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = filepath.Join(dir, f)
		}
		rep, err := in.Ingest(a.bg, kb, paths)
		if err != nil {
			// Messages name the upload's temporary folder: show sources.
			err = errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
		}
		ing.finish(rep, err, dir, a.opts.Now())
	}()
	c.Response().Header().Set(echo.HeaderLocation, "/v1/admin/ingestions/"+ing.id)
	return c.JSON(http.StatusAccepted, ing.view())
}

// readUpload saves the upload's files into dir and returns their names
// (the documents' sources) and the chunking asked for.
func (a *admin) readUpload(c *echo.Context, dir string) ([]string, rag.ChunkOptions, error) {
	chunking := rag.ChunkOptions{Size: 256, Overlap: 32} // the CLI's defaults
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != "multipart/form-data" {
		p := problem(http.StatusUnsupportedMediaType, "unsupported-media-type",
			"send the documents as multipart/form-data, each file in a part named \"file\"")
		p.Errors = []FieldError{{Field: "header.Content-Type", Detail: "send multipart/form-data", Valid: []string{"multipart/form-data"}}}
		return nil, chunking, p
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, chunking, badRequest("the multipart body cannot be read: "+err.Error(), FieldError{Field: "body", Detail: err.Error()})
	}
	var files []string
	var errs []FieldError
	parts := 0 // file parts read
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var maxBytes *http.MaxBytesError
			if errors.As(err, &maxBytes) {
				return nil, chunking, err
			}
			return nil, chunking, badRequest("the multipart body cannot be read: "+err.Error(), FieldError{Field: "body", Detail: err.Error()})
		}
		field := part.FormName()
		switch field {
		case "file":
			name := part.FileName()
			field := fmt.Sprintf("body.file[%d]", parts)
			parts++
			ext := strings.ToLower(filepath.Ext(name))
			switch {
			case name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`):
				errs = append(errs, FieldError{Field: field, Detail: fmt.Sprintf("the part has no usable file name (%q); give each file its name", name)})
			case !slices.Contains(rag.Formats, ext):
				errs = append(errs, FieldError{Field: field, Detail: fmt.Sprintf("%s: unsupported format %q", name, ext), Valid: rag.Formats})
			case slices.Contains(files, name):
				errs = append(errs, FieldError{Field: field, Detail: fmt.Sprintf("%s is uploaded twice; a knowledge base's documents are keyed by name", name)})
			default:
				if err := saveFile(filepath.Join(dir, name), part); err != nil {
					return nil, chunking, err
				}
				files = append(files, name)
				continue
			}
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, chunking, err
			}
		case "chunk_tokens", "overlap_tokens":
			raw, err := io.ReadAll(io.LimitReader(part, 32))
			if err != nil {
				return nil, chunking, err
			}
			n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
			if err != nil {
				errs = append(errs, FieldError{Field: "body." + field, Detail: fmt.Sprintf("%q is not a whole number of tokens", raw)})
				continue
			}
			if field == "chunk_tokens" {
				chunking.Size = n
			} else {
				chunking.Overlap = n
			}
		default:
			errs = append(errs, FieldError{Field: "body." + field, Detail: "unknown form field", Valid: uploadFields})
		}
	}
	if chunking.Size < rag.MinChunkTokens || chunking.Size > rag.MaxChunkTokens {
		errs = append(errs, FieldError{Field: "body.chunk_tokens",
			Detail: fmt.Sprintf("%d: want %d to %d (default 256)", chunking.Size, rag.MinChunkTokens, rag.MaxChunkTokens)})
	} else if err := chunking.Check(); err != nil {
		errs = append(errs, FieldError{Field: "body.overlap_tokens", Detail: err.Error()})
	}
	if len(files) == 0 && len(errs) == 0 {
		errs = append(errs, FieldError{Field: "body.file", Detail: "no file was uploaded; send one or more parts named \"file\""})
	}
	if len(errs) > 0 {
		return nil, chunking, badRequest(fmt.Sprintf("the upload has %d problem(s); nothing was ingested", len(errs)), errs...)
	}
	return files, chunking, nil
}

func saveFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
