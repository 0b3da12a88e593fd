package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/web"
	"github.com/causerie/causerie/workspace"
)

// get fetches a page of the harness's server (pages are not API routes:
// no OpenAPI check).
func (h *harness) get(path string, header map[string]string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The transport would ask for gzip and decode it itself: set it by hand.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res, body
}

// TestWidgetScript: /widget.js is the embedded web/dist/widget.js, as
// JavaScript, cached 5 minutes then revalidated by ETag, gzipped for
// clients that take it.
func TestWidgetScript(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{})
	want, err := fs.ReadFile(web.FS, "dist/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	res, body := h.get("/widget.js", nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
		t.Fatalf("GET /widget.js: %d, %d bytes (want the %d of web/dist/widget.js)", res.StatusCode, len(body), len(want))
	}
	for k, v := range map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Cache-Control":          "public, max-age=300",
		"X-Content-Type-Options": "nosniff",
		"Vary":                   "Accept-Encoding",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^W/"[0-9a-f]{24}"$`).MatchString(etag) {
		t.Fatalf("ETag %q", etag)
	}
	if len(want) < 1000 || !bytes.Contains(want, []byte("attachShadow")) {
		t.Fatalf("web/dist/widget.js is not the built widget (%d bytes): run make web", len(want))
	}

	res, body = h.get("/widget.js", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("revalidation: %d with %d bytes, want 304", res.StatusCode, len(body))
	}
	res, _ = h.get("/widget.js", map[string]string{"If-None-Match": `W/"0123"`})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("another ETag: %d, want 200", res.StatusCode)
	}

	res, body = h.get("/widget.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, want) || len(body) > 40<<10 {
		t.Fatalf("gzipped: %d bytes decoding to %d (want %d, and at most 40 KiB gzipped)", len(body), len(plain), len(want))
	}
	t.Logf("widget.js: %d bytes, %d gzipped", len(want), len(body))
	res, _ = h.get("/widget.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if res.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip;q=0 got gzip")
	}
}

// TestDemoPage: /demo/{slug} is a sample site with the widget tag of its
// workspace (same origin: no widget_origins needed), in the workspace's
// language unless ?lang= says; an unknown workspace gets a 404 page.
func TestDemoPage(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{})
	res, body := h.get("/demo/"+h.ws.Slug, nil)
	page := string(body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Fatalf("GET /demo/%s: %d %s", h.ws.Slug, res.StatusCode, res.Header.Get("Content-Type"))
	}
	tag := `<script src="/widget.js" data-workspace="` + h.ws.Slug + `" async></script>`
	for _, want := range []string{`<html lang="fr">`, tag, "Salon Élégance",
		"&lt;script src=&#34;" + h.http.URL + "/widget.js&#34; data-workspace=&#34;" + h.ws.Slug + "&#34; async&gt;&lt;/script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the demo page lacks %s", want)
		}
	}
	if _, body := h.get("/demo/"+h.ws.Slug+"?lang=en", nil); !strings.Contains(string(body), `<html lang="en">`) {
		t.Error("?lang=en: not in English")
	}
	if _, body := h.get("/demo/"+h.ws.Slug+"?lang=de", nil); !strings.Contains(string(body), `<html lang="fr">`) {
		t.Error("?lang=de: not the workspace's language")
	}

	res, body = h.get("/demo/no-such-workspace", nil)
	if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "No workspace “no-such-workspace”") {
		t.Fatalf("unknown workspace: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if _, body := h.get("/demo/%3Cb%3Ex", nil); strings.Contains(string(body), "<b>x") {
		t.Fatal("the 404 page does not escape the slug")
	}

	// Pages are not API routes.
	for _, r := range h.srv.Routes() {
		if r.Path == "/widget.js" || strings.HasPrefix(r.Path, "/demo") {
			t.Fatalf("%s is in the API's route table", r.Path)
		}
	}
}

// TestDemoPageNamesTheAgent: with several AI agents the visitor API needs
// to know which answers: the demo page's tag names the first.
func TestDemoPageNamesTheAgent(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{edit: func(f *workspace.File) {
		second := f.AIAgents[0]
		second.Name = "Assistante « Nuit »"
		f.AIAgents = append(f.AIAgents, second)
	}})
	_, body := h.get("/demo/"+h.ws.Slug, nil)
	if !strings.Contains(string(body), `data-workspace="`+h.ws.Slug+`" data-agent="Assistante Salon" async>`) {
		t.Fatalf("the tag does not name the first AI agent:\n%s", body)
	}
}

// TestWidgetAudioFormats: the widget checks attachments against the
// formats the server accepts.
func TestWidgetAudioFormats(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "web", "widget", "api.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)AUDIO_FORMATS = \[(.*?)\];`).FindSubmatch(src)
	if m == nil {
		t.Fatal("web/widget/api.js has no AUDIO_FORMATS list")
	}
	var got []string
	for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllSubmatch(m[1], -1) {
		got = append(got, string(q[1]))
	}
	if !slices.Equal(got, conversation.AudioFormats) {
		t.Fatalf("web/widget/api.js AUDIO_FORMATS = %v\nconversation.AudioFormats = %v", got, conversation.AudioFormats)
	}
}
