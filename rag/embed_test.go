package rag_test

import (
	"context"
	"math"
	"testing"

	"github.com/causerie/causerie/rag"
)

func cosine(a, b []float32) float64 {
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot
}

func TestHashedLexical(t *testing.T) {
	t.Parallel()
	e := rag.HashedLexical{}
	vs, err := e.Embed(context.Background(), []string{
		"Combien coûte une coloration complète ?",
		"Coloration complète : 60 €",
		"Le salon est fermé le lundi.",
		"combien COUTE une coloration complete",
		"Combien coûte une coloration complète ?",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs[0]) != 768 || e.Name() != "hashed-lexical-768" {
		t.Fatalf("dims %d, name %s", len(vs[0]), e.Name())
	}
	var norm float64
	for _, x := range vs[0] {
		norm += float64(x) * float64(x)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Errorf("norm² = %v, want 1", norm)
	}
	if cosine(vs[0], vs[4]) < 0.9999 {
		t.Error("not deterministic")
	}
	if cosine(vs[0], vs[3]) < 0.9999 {
		t.Errorf("case and accents should not matter: %v", cosine(vs[0], vs[3]))
	}
	if related, unrelated := cosine(vs[0], vs[1]), cosine(vs[0], vs[2]); related <= unrelated+0.1 {
		t.Errorf("shared words should bring texts closer: related %.3f, unrelated %.3f", related, unrelated)
	}
	if n := len((rag.HashedLexical{Dims: 64}).Name()); n == 0 {
		t.Error("name")
	}
}
