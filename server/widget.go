package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/web"
)

// The chat widget's script and the demo page: pages, not API routes
// (see pageRoutes).

// script is an embedded file served as is: its bytes, their gzip and an
// ETag.
type script struct {
	body, gz []byte
	etag     string
}

func loadScript(fsys fs.FS, name string) (*script, error) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	// A weak ETag: the same for the gzip and the identity encodings.
	return &script{body: body, gz: gz.Bytes(), etag: `W/"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

var (
	widgetScript = mustScript(web.FS, "dist/widget.js")
	demoPages    = template.Must(template.ParseFS(web.FS, "demo/index.html", "demo/notfound.html"))
)

func mustScript(fsys fs.FS, name string) *script {
	s, err := loadScript(fsys, name)
	if err != nil {
		panic(fmt.Sprintf("server: the embedded %s: %v", name, err))
	}
	return s
}

// serveWidget answers /widget.js. Its URL carries no version, so caches
// keep it 5 minutes and then revalidate it by ETag (a 304 while it has
// not changed); any site may load it (the API decides which may talk).
func serveWidget(c *echo.Context) error {
	return serveScript(c, widgetScript)
}

func serveScript(c *echo.Context, s *script) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set("ETag", s.etag)
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if etagMatches(c.Request().Header.Get("If-None-Match"), s.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := s.body
	if acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		body = s.gz
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}

// etagMatches reads If-None-Match: "*" or a list of (weak) tags.
func etagMatches(header, etag string) bool {
	weak := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == weak {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding (gzip without q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// demoPage is a workspace's sample site with the widget on it:
// same-origin, so it needs no widget_origins. ?lang=fr|en picks its
// language (default: the workspace's).
type demoPage struct {
	Name, Slug, Lang, Agent string
	// Snippet is the tag to copy onto another site.
	Snippet string
}

func (s *Server) serveDemo(c *echo.Context) error {
	ctx := c.Request().Context()
	slug := c.Param("workspace")
	ws, err := s.store.GetWorkspaceBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return renderPage(c, http.StatusNotFound, "notfound.html", demoPage{Slug: slug})
	}
	if err != nil {
		return err
	}
	attrs(c).workspace = ws.ID
	p := demoPage{Name: ws.Name, Slug: ws.Slug, Lang: pageLang(ws.Language)}
	if l := c.QueryParam("lang"); l == "fr" || l == "en" {
		p.Lang = l
	}
	agents, err := s.store.ListAIAgents(ctx, ws.ID)
	if err != nil {
		return err
	}
	if len(agents) > 1 { // the visitor API needs to know which one answers
		p.Agent = agents[0].Name
	}
	if p.Name == "" {
		p.Name = ws.Slug
	}
	tag := fmt.Sprintf(`<script src="%s://%s/widget.js" data-workspace="%s"`, c.Scheme(), c.Request().Host, ws.Slug)
	if p.Agent != "" {
		tag += fmt.Sprintf(` data-agent="%s"`, template.HTMLEscapeString(p.Agent))
	}
	p.Snippet = tag + " async></script>"
	return renderPage(c, http.StatusOK, "index.html", p)
}

// pageLang is the demo page's language for a workspace language tag.
func pageLang(tag string) string {
	if strings.HasPrefix(strings.ToLower(tag), "fr") {
		return "fr"
	}
	return "en"
}

func renderPage(c *echo.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := demoPages.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.HTMLBlob(status, buf.Bytes())
}
