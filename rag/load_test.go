package rag_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/rag"
)

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// minimalPDF builds a valid one-page PDF showing text, with a correct
// cross-reference table.
func minimalPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestLoadFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	md := write(t, dir, "tarifs.md", []byte("---\ntitle: Nos tarifs\nurl: https://salon.example/tarifs\n---\n# Tarifs\n\nCoupe : 35 €\n"))
	f, err := rag.Load(md)
	if err != nil || f.Title != "Nos tarifs" || f.URL != "https://salon.example/tarifs" || strings.Contains(f.Text, "url:") {
		t.Errorf("markdown: %+v %v", f, err)
	}
	md2 := write(t, dir, "horaires-du-salon.md", []byte("# Horaires\n\nOuvert le mardi.\n"))
	if f, _ := rag.Load(md2); f.Title != "Horaires" {
		t.Errorf("markdown title from its first heading: %q", f.Title)
	}
	html := write(t, dir, "page.html", []byte(`<html><head><title>Accès au salon</title><link rel="canonical" href="https://salon.example/acces">
<script>var x = "secret";</script></head><body><nav>Menu</nav><h1>Accès</h1><p>Métro   Saxe-Gambetta.</p>
<h2>Parking</h2><ul><li>Rue Paul-Bert</li></ul></body></html>`))
	f, err = rag.Load(html)
	if err != nil || f.Title != "Accès au salon" || f.URL != "https://salon.example/acces" {
		t.Fatalf("html: %+v %v", f, err)
	}
	for _, want := range []string{"# Accès\n", "Métro Saxe-Gambetta.", "## Parking", "- Rue Paul-Bert"} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("html text lacks %q:\n%s", want, f.Text)
		}
	}
	if strings.Contains(f.Text, "secret") || strings.Contains(f.Text, "Menu") {
		t.Errorf("scripts and navigation kept:\n%s", f.Text)
	}
	pdf := write(t, dir, "brochure.pdf", minimalPDF("Coloration complete 60 euros"))
	f, err = rag.Load(pdf)
	if err != nil || !strings.Contains(f.Text, "Coloration") || f.Title != "brochure" {
		t.Errorf("pdf: %+v %v", f, err)
	}
	qa := write(t, dir, "faq.yaml", []byte("title: FAQ\nentries:\n  - question: Wifi ?\n    answer: Oui, gratuit.\n"))
	f, err = rag.Load(qa)
	if err != nil || f.Title != "FAQ" || len(f.QA) != 1 || f.QA[0].Answer != "Oui, gratuit." {
		t.Errorf("qa: %+v %v", f, err)
	}
}

// Bad files are errors naming the file and what is wrong.
func TestLoadBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"vide.md", []byte("  \n\n "), "the file is empty"},
		{"latin1.txt", []byte("Caf\xe9 cr\xe8me"), "not UTF-8"},
		{"casse.pdf", []byte("%PDF-1.4\nthis is not a pdf"), "unreadable PDF"},
		{"faq.yaml", []byte("entries:\n  - question: Wifi ?\n"), "needs a question and an answer"},
		{"faq2.yaml", []byte("title: x\nentrees: []\n"), "not a Q&A file"},
		{"image.png", []byte("\x89PNG"), "unsupported format"},
	} {
		p := write(t, dir, tc.name, tc.data)
		_, err := rag.Load(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want it to name the file and say %q", tc.name, err, tc.want)
		}
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.md", []byte("# A"))
	write(t, dir, "sub/b.txt", []byte("B"))
	write(t, dir, "sub/c.png", []byte("C"))
	write(t, dir, ".git/notes.md", []byte("hidden"))
	write(t, dir, "node_modules/pkg/readme.md", []byte("vendored"))
	write(t, dir, "drafts/d.md", []byte("draft"))
	root := filepath.Base(dir)
	files, err := rag.Expand([]string{dir, filepath.Join(dir, "a.md")}, []string{"drafts"})
	want := []rag.Entry{{Path: filepath.Join(dir, "a.md"), Source: root + "/a.md", Root: root},
		{Path: filepath.Join(dir, "sub/b.txt"), Source: root + "/sub/b.txt", Root: root}}
	if err != nil || !slices.Equal(files, want) {
		t.Errorf("Expand = %+v, %v; want %+v", files, err, want)
	}
	// The same folder named another way gives the same sources.
	t.Chdir(filepath.Dir(dir))
	again, err := rag.Expand([]string{root, "./" + root + "/"}, []string{"drafts"})
	if err != nil || len(again) != 2 || again[0].Source != root+"/a.md" || again[1].Source != root+"/sub/b.txt" {
		t.Errorf("by a relative path: %+v, %v", again, err)
	}
	if _, err := rag.Expand([]string{dir}, []string{"[z-a"}); err == nil || !strings.Contains(err.Error(), `--exclude "[z-a" is not a valid glob`) {
		t.Errorf("bad glob: %v", err)
	}
	other := filepath.Join(t.TempDir(), root)
	write(t, other, "a.md", []byte("# autre"))
	if _, err := rag.Expand([]string{dir, other}, nil); err == nil || !strings.Contains(err.Error(), "would both be the document") {
		t.Errorf("two folders of the same name: %v", err)
	}
	if _, err := rag.Expand([]string{filepath.Join(dir, "missing")}, nil); err == nil {
		t.Error("a missing path must be an error")
	}
}

func TestSplitKeepsHeadingPaths(t *testing.T) {
	t.Parallel()
	f, err := rag.Load("../examples/salon/knowledge/tarifs.md")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := rag.Split(f, rag.ChunkOptions{Size: 120})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		if p.Tokens > 160 {
			t.Errorf("passage of %d tokens for a size of 120:\n%s", p.Tokens, p.Text)
		}
		if strings.Contains(p.Text, "Coloration complète : 60 €") {
			found = p.HeadingPath == "Tarifs > Coloration"
		}
	}
	if !found {
		t.Errorf("the coloration prices are not under \"Tarifs > Coloration\": %+v", ps)
	}
	qa, _ := rag.Load("../examples/salon/knowledge/faq.yaml")
	ps, _ = rag.Split(qa, rag.ChunkOptions{})
	if len(ps) != 5 || ps[0].HeadingPath != "Faut-il venir avec les cheveux lavés ?" {
		t.Errorf("Q&A passages: %+v", ps)
	}
}
