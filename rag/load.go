package rag

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/goccy/go-yaml"
	"github.com/ledongthuc/pdf"
	"golang.org/x/net/html"
)

// Formats are the file extensions ingestion reads.
var Formats = []string{".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf", ".yaml", ".yml"}

// File is a document read from disk, as Markdown-like text (headings as
// "#" lines), ready to be chunked — or, for a Q&A file, its entries.
type File struct {
	// Source is the document's key in its knowledge base: its path.
	Source string
	Title  string
	URL    string
	Text   string
	// QA holds a Q&A file's entries; each becomes one chunk.
	QA []QA
}

// QA is an inline question-and-answer entry.
type QA struct {
	Question string `yaml:"question"`
	Answer   string `yaml:"answer"`
}

// Content is what the document's hash covers.
func (f *File) Content() string {
	if len(f.QA) == 0 {
		return f.Title + "\x00" + f.URL + "\x00" + f.Text
	}
	var b strings.Builder
	b.WriteString(f.Title + "\x00" + f.URL)
	for _, q := range f.QA {
		b.WriteString("\x00" + q.Question + "\x00" + q.Answer)
	}
	return b.String()
}

// Load reads one file. Unsupported formats, unreadable PDFs, empty files
// and text that is not UTF-8 are errors naming the file.
func Load(path string) (*File, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(Formats, ext) {
		return nil, fmt.Errorf("%s: unsupported format %q; supported: %s", path, ext, strings.Join(Formats, " "))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}
	f := &File{Source: path, Title: titleFromName(path)}
	switch ext {
	case ".pdf":
		err = loadPDF(f, data)
	case ".yaml", ".yml":
		err = loadQA(f, data)
	default:
		if !utf8.Valid(data) {
			return nil, fmt.Errorf("%s: the text is not UTF-8 (is it Latin-1 or Windows-1252?); convert it, e.g. with `iconv -f WINDOWS-1252 -t UTF-8`", path)
		}
		switch ext {
		case ".html", ".htm":
			err = loadHTML(f, data)
		case ".md", ".markdown":
			loadMarkdown(f, string(data))
		default:
			f.Text = string(data)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if strings.TrimSpace(f.Text) == "" && len(f.QA) == 0 {
		return nil, fmt.Errorf("%s: no text could be read from it", path)
	}
	return f, nil
}

func titleFromName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(base))
}

// loadMarkdown reads optional front matter (title, url) and takes the
// first level-1 heading as the title.
func loadMarkdown(f *File, text string) {
	if rest, ok := strings.CutPrefix(text, "---\n"); ok {
		if front, body, ok := strings.Cut(rest, "\n---\n"); ok {
			var meta struct {
				Title string `yaml:"title"`
				URL   string `yaml:"url"`
			}
			if yaml.Unmarshal([]byte(front), &meta) == nil {
				text = body
				if meta.Title != "" {
					f.Title = meta.Title
				}
				f.URL = meta.URL
			}
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(line, "# "); ok {
			if f.Title == titleFromName(f.Source) {
				f.Title = strings.TrimSpace(h)
			}
			break
		}
	}
	f.Text = text
}

// loadHTML keeps the page's structure as Markdown-like text: headings,
// paragraphs, list items, table cells; scripts, styles and navigation go.
func loadHTML(f *File, data []byte) error {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not readable HTML: %w", err)
	}
	if t := strings.TrimSpace(doc.Find("title").First().Text()); t != "" {
		f.Title = t
	}
	if u, ok := doc.Find(`link[rel="canonical"]`).Attr("href"); ok {
		f.URL = u
	} else if u, ok := doc.Find(`meta[property="og:url"]`).Attr("content"); ok {
		f.URL = u
	}
	doc.Find("script, style, nav, header, footer, noscript").Remove()
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "h1", "h2", "h3", "h4", "h5", "h6":
				level := int(n.Data[1] - '0')
				fmt.Fprintf(&b, "\n%s %s\n\n", strings.Repeat("#", level), collapse(goquery.NewDocumentFromNode(n).Text()))
				return
			case "p", "li", "td", "th", "dt", "dd", "blockquote", "pre":
				text := collapse(goquery.NewDocumentFromNode(n).Text())
				if text != "" {
					if n.Data == "li" {
						b.WriteString("- ")
					}
					b.WriteString(text + "\n\n")
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	body := doc.Find("body")
	if body.Length() == 0 {
		body = doc.Selection
	}
	for _, n := range body.Nodes {
		walk(n)
	}
	f.Text = b.String()
	if strings.TrimSpace(f.Text) == "" {
		f.Text = collapse(body.Text()) // no block elements: the bare text
	}
	return nil
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// loadPDF extracts the text of every page with ledongthuc/pdf (the
// library langchaingo's PDF loader wraps; used directly to spare the
// loaders' other dependencies).
func loadPDF(f *File, data []byte) (err error) {
	defer func() {
		// The PDF library panics on some malformed files.
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("unreadable PDF: %w", err)
	}
	var texts []string
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		t, err := p.GetPlainText(nil)
		if err != nil {
			return fmt.Errorf("unreadable PDF page %d: %w", i, err)
		}
		if t = strings.TrimSpace(t); t != "" {
			texts = append(texts, t)
		}
	}
	f.Text = strings.Join(texts, "\n\n")
	if f.Text == "" {
		return errors.New("the PDF has no extractable text (is it a scan? run OCR first)")
	}
	return nil
}

// loadQA reads a Q&A file: optional title and url, and entries of
// question and answer.
func loadQA(f *File, data []byte) error {
	var doc struct {
		Title   string `yaml:"title"`
		URL     string `yaml:"url"`
		Entries []QA   `yaml:"entries"`
	}
	if err := yaml.UnmarshalWithOptions(data, &doc, yaml.Strict()); err != nil {
		return fmt.Errorf("not a Q&A file (title, url, entries: [{question, answer}]): %s", yaml.FormatError(err, false, true))
	}
	if doc.Title != "" {
		f.Title = doc.Title
	}
	f.URL = doc.URL
	for i, e := range doc.Entries {
		if strings.TrimSpace(e.Question) == "" || strings.TrimSpace(e.Answer) == "" {
			return fmt.Errorf("entries[%d]: an entry needs a question and an answer", i)
		}
	}
	if len(doc.Entries) == 0 {
		return errors.New("the Q&A file has no entries")
	}
	f.QA = doc.Entries
	return nil
}
