package rag

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/causerie/causerie/internal/retry"
	"github.com/causerie/causerie/internal/suggest"
)

// Embedder turns texts into vectors. Name identifies the embedding (model
// and size): a knowledge base is searched with the embedder it was
// indexed with.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Name() string
	Dimensions() int
}

// DefaultDimensions is the vector size of the offline embedder, and the
// size the OpenAI embedder asks for unless told otherwise.
const DefaultDimensions = 768

// HashedLexical is the offline default embedder: no model, no network. It
// hashes a text's words, word pairs and character 3- to 5-grams (case and
// accents folded) into a fixed-size vector with signed feature hashing,
// log-scaled counts, L2-normalised. Cosine similarity between two such
// vectors measures shared vocabulary and spelling — lexical, not semantic:
// "prix" and "tarif" do not meet. It is deterministic, so tests and
// replays are too.
type HashedLexical struct {
	Dims int // 0 means DefaultDimensions
}

// Name implements Embedder.
func (h HashedLexical) Name() string { return fmt.Sprintf("hashed-lexical-%d", h.Dimensions()) }

// Dimensions implements Embedder.
func (h HashedLexical) Dimensions() int {
	if h.Dims <= 0 {
		return DefaultDimensions
	}
	return h.Dims
}

// Embed implements Embedder.
func (h HashedLexical) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = h.vector(t)
	}
	return out, nil
}

// Feature weights: whole words and word pairs say more than n-grams, which
// catch inflections and typos.
const (
	wordWeight   = 1.0
	bigramWeight = 0.7
	ngramWeight  = 0.25
)

func (h HashedLexical) vector(text string) []float32 {
	dims := h.Dimensions()
	counts := map[string]float64{}
	words := strings.FieldsFunc(suggest.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		counts["w:"+w] += wordWeight
		if i > 0 {
			counts["b:"+words[i-1]+" "+w] += bigramWeight
		}
		r := []rune("^" + w + "$")
		for n := 3; n <= 5; n++ {
			for j := 0; j+n <= len(r); j++ {
				counts["c:"+string(r[j:j+n])] += ngramWeight
			}
		}
	}
	v := make([]float64, dims)
	for feat, c := range counts {
		f := fnv.New64a()
		f.Write([]byte(feat))
		x := f.Sum64()
		idx := int(x % uint64(dims))
		sign := 1.0
		if x>>63 == 1 {
			sign = -1
		}
		v[idx] += sign * (1 + math.Log(c+1))
	}
	return normalize(v)
}

func normalize(v []float64) []float32 {
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, len(v))
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// OpenAIEmbedder calls an OpenAI-compatible /embeddings endpoint, in
// batches, retrying transient failures.
type OpenAIEmbedder struct {
	client *openai.Client
	model  string
	dims   int
	// Batch is how many texts go in one request (default 96).
	Batch int
	// Retries on 429, 5xx and connection errors (default 3), with
	// jittered backoff from 500 ms.
	Retries int
}

// NewOpenAIEmbedder returns an embedder for model at baseURL ("" for
// OpenAI's) asking for dims dimensions (0: DefaultDimensions).
func NewOpenAIEmbedder(apiKey, baseURL, model string, dims int) *OpenAIEmbedder {
	cfg := openai.DefaultConfig(apiKey)
	if baseURL != "" {
		cfg.BaseURL = strings.TrimRight(baseURL, "/")
	}
	if model == "" {
		model = string(openai.SmallEmbedding3)
	}
	if dims <= 0 {
		dims = DefaultDimensions
	}
	return &OpenAIEmbedder{client: openai.NewClientWithConfig(cfg), model: model, dims: dims, Batch: 96, Retries: 3}
}

// Name implements Embedder.
func (o *OpenAIEmbedder) Name() string { return fmt.Sprintf("openai:%s:%d", o.model, o.dims) }

// Dimensions implements Embedder.
func (o *OpenAIEmbedder) Dimensions() int { return o.dims }

// Embed implements Embedder.
func (o *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += o.Batch {
		batch := texts[start:min(start+o.Batch, len(texts))]
		var resp openai.EmbeddingResponse
		var err error
		for attempt := 0; ; attempt++ {
			resp, err = o.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
				Input: batch, Model: openai.EmbeddingModel(o.model), Dimensions: o.dims})
			if err == nil || attempt >= o.Retries || !retry.Retryable(err) {
				break
			}
			if err := retry.Sleep(ctx, retry.Delay(500*time.Millisecond, attempt)); err != nil {
				return nil, err
			}
		}
		if err != nil {
			return nil, fmt.Errorf("embed %d texts with %s: %w", len(batch), o.model, err)
		}
		if len(resp.Data) != len(batch) {
			return nil, fmt.Errorf("embed: asked for %d vectors, got %d", len(batch), len(resp.Data))
		}
		for _, d := range resp.Data {
			if len(d.Embedding) != o.dims {
				return nil, fmt.Errorf("embed: the endpoint returned %d dimensions instead of %d; set the dimensions it supports", len(d.Embedding), o.dims)
			}
			out = append(out, d.Embedding)
		}
	}
	return out, nil
}
