package rag

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tmc/langchaingo/textsplitter"

	"github.com/causerie/causerie/prompts"
)

// ChunkOptions size passages, in tokens (o200k_base, counted offline).
type ChunkOptions struct {
	Size    int // default 256
	Overlap int // default 32
}

// Limits of chunking settings.
const (
	MinChunkTokens = 16
	MaxChunkTokens = 8192
)

// Check refuses settings that cannot chunk: a size outside
// MinChunkTokens–MaxChunkTokens, an overlap not below the size. Zero
// values take the defaults (256 and 32).
func (o ChunkOptions) Check() error {
	if o.Size != 0 && (o.Size < MinChunkTokens || o.Size > MaxChunkTokens) {
		return fmt.Errorf("chunk size %d tokens: want %d to %d (--chunk-tokens; default 256)", o.Size, MinChunkTokens, MaxChunkTokens)
	}
	size := o.withDefaults().Size
	if o.Overlap < 0 || o.Overlap >= size {
		return fmt.Errorf("chunk overlap %d tokens: want 0 to %d, less than the chunk size of %d (--overlap-tokens; default 32)", o.Overlap, size-1, size)
	}
	return nil
}

// fingerprint is what says a document is unchanged: its content and the
// settings its chunks were cut with, so that changing them re-chunks.
func (o ChunkOptions) fingerprint(f *File) string {
	o = o.withDefaults()
	sum := sha256.Sum256([]byte(fmt.Sprintf("chunks %d/%d markdown-v1\x00%s", o.Size, o.Overlap, f.Content())))
	return hex.EncodeToString(sum[:])
}

func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.Overlap < 0 || o.Overlap >= o.Size {
		o.Overlap = 0
	} else if o.Overlap == 0 {
		o.Overlap = 32
	}
	return o
}

// Passage is one chunk of a document before embedding.
type Passage struct {
	HeadingPath string // "Tarifs > Coloration"
	Text        string
	Tokens      int
}

// Split cuts a file into passages with langchaingo's Markdown splitter,
// which keeps the heading hierarchy at the top of each chunk; the path
// of headings is read back from there. Each Q&A entry is one passage.
func Split(f *File, opts ChunkOptions) ([]Passage, error) {
	if len(f.QA) > 0 {
		out := make([]Passage, len(f.QA))
		for i, q := range f.QA {
			text := strings.TrimSpace(q.Question) + "\n" + strings.TrimSpace(q.Answer)
			out[i] = Passage{HeadingPath: strings.TrimSpace(q.Question), Text: text, Tokens: prompts.Tokens(text)}
		}
		return out, nil
	}
	opts = opts.withDefaults()
	sp := textsplitter.NewMarkdownTextSplitter(
		textsplitter.WithChunkSize(opts.Size),
		textsplitter.WithChunkOverlap(opts.Overlap),
		textsplitter.WithHeadingHierarchy(true),
		textsplitter.WithLenFunc(prompts.Tokens),
	)
	texts, err := sp.SplitText(f.Text)
	if err != nil {
		return nil, err
	}
	var out []Passage
	for _, t := range texts {
		t = strings.TrimSpace(t)
		path, body := headings(t)
		if strings.TrimSpace(body) == "" {
			continue // a heading alone says nothing
		}
		out = append(out, Passage{HeadingPath: path, Text: t, Tokens: prompts.Tokens(t)})
	}
	return out, nil
}

// headings reads the "#" lines at the top of a chunk into a path, and
// returns the rest.
func headings(chunk string) (string, string) {
	var path []string
	lines := strings.Split(chunk, "\n")
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "#") {
			break
		}
		path = append(path, strings.TrimSpace(strings.TrimLeft(l, "#")))
	}
	return strings.Join(path, " > "), strings.Join(lines[i:], "\n")
}
