package rag

import (
	"fmt"
	"os"
	"strconv"
)

// Environment variables choosing the embedder.
const (
	EnvEmbeddings     = "CAUSERIE_EMBEDDINGS"           // "hashed" (default) or "openai"
	EnvEmbeddingModel = "CAUSERIE_EMBEDDING_MODEL"      // default text-embedding-3-small
	EnvEmbeddingDims  = "CAUSERIE_EMBEDDING_DIMENSIONS" // default 768
)

// EmbedderFromEnv returns the configured embedder: the offline hashed
// lexical one unless CAUSERIE_EMBEDDINGS=openai, which uses the model
// endpoint of OPENAI_API_KEY / OPENAI_BASE_URL.
func EmbedderFromEnv() (Embedder, error) {
	dims := DefaultDimensions
	if v := os.Getenv(EnvEmbeddingDims); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 8 || n > 4096 {
			return nil, fmt.Errorf("%s=%q: want a number of dimensions from 8 to 4096", EnvEmbeddingDims, v)
		}
		dims = n
	}
	switch kind := os.Getenv(EnvEmbeddings); kind {
	case "", "hashed":
		return HashedLexical{Dims: dims}, nil
	case "openai":
		key, base := os.Getenv("OPENAI_API_KEY"), os.Getenv("OPENAI_BASE_URL")
		if key == "" && base == "" {
			return nil, fmt.Errorf("%s=openai needs a model endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL", EnvEmbeddings)
		}
		return NewOpenAIEmbedder(key, base, os.Getenv(EnvEmbeddingModel), dims), nil
	default:
		return nil, fmt.Errorf("%s=%q: use hashed (offline, the default) or openai", EnvEmbeddings, kind)
	}
}
