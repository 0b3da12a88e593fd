package server

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
)

// admin serves the admin API. It holds what the admin routes keep in
// memory: the knowledge ingestions running or recently finished.
type admin struct {
	*Server
	ingestions *ingestions
}

// The admin API (admin keys): the workspace file, flows, knowledge,
// contacts, tasks and the audit log. Everything is the key's workspace:
// an object of another workspace answers 404, like a missing one.
func (s *Server) adminRoutes() []Route {
	a := &admin{Server: s, ingestions: newIngestions()}
	const base = "/v1/admin"
	return []Route{
		{Method: http.MethodGet, Path: base + "/workspace", Access: Admin, handle: a.exportWorkspace},
		// Workspace and flow files may be as large as the decoder reads
		// (source.MaxSize), more than a JSON request's cap.
		{Method: http.MethodPut, Path: base + "/workspace", Access: Admin, MaxBytes: source.MaxSize, handle: a.applyWorkspace},

		{Method: http.MethodPost, Path: base + "/lint", Access: Admin, MaxBytes: source.MaxSize, handle: a.lint},

		{Method: http.MethodGet, Path: base + "/flows", Access: Admin, handle: a.listFlows},
		{Method: http.MethodPost, Path: base + "/flows/generate", Access: Admin, handle: a.generateFlow},
		{Method: http.MethodGet, Path: base + "/flows/:key", Access: Admin, handle: a.getFlow},
		{Method: http.MethodPut, Path: base + "/flows/:key", Access: Admin, MaxBytes: source.MaxSize, handle: a.putFlow},
		{Method: http.MethodDelete, Path: base + "/flows/:key", Access: Admin, handle: a.deleteFlow},
		{Method: http.MethodPost, Path: base + "/flows/:key/enable", Access: Admin, handle: a.enableFlow(true)},
		{Method: http.MethodPost, Path: base + "/flows/:key/disable", Access: Admin, handle: a.enableFlow(false)},

		{Method: http.MethodGet, Path: base + "/knowledge-bases", Access: Admin, handle: a.listKnowledgeBases},
		{Method: http.MethodGet, Path: base + "/knowledge-bases/:name/documents", Access: Admin, handle: a.listDocuments},
		{Method: http.MethodPost, Path: base + "/knowledge-bases/:name/documents", Access: Admin, Upload: true, handle: a.uploadDocuments},
		{Method: http.MethodDelete, Path: base + "/knowledge-bases/:name/documents/:source", Access: Admin, handle: a.deleteDocument},
		{Method: http.MethodPost, Path: base + "/knowledge-bases/:name/search", Access: Admin, handle: a.search},
		{Method: http.MethodGet, Path: base + "/ingestions/:id", Access: Admin, handle: a.getIngestion},
		{Method: http.MethodGet, Path: base + "/ingestions/:id/events", Access: Admin, Stream: true, handle: a.ingestionEvents},

		{Method: http.MethodGet, Path: base + "/contacts", Access: Admin, handle: a.listContacts},
		{Method: http.MethodGet, Path: base + "/contacts/:id", Access: Admin, handle: a.getContact},
		{Method: http.MethodPatch, Path: base + "/contacts/:id", Access: Admin, handle: a.patchContact},

		{Method: http.MethodGet, Path: base + "/tasks", Access: Admin, handle: a.listTasks},
		{Method: http.MethodPatch, Path: base + "/tasks/:id", Access: Admin, handle: a.patchTask},

		{Method: http.MethodGet, Path: base + "/events", Access: Admin, handle: a.listEvents},
	}
}

// pathParam is a path parameter, percent-decoded: the router matches the
// escaped path when the request has one (a document source with a "/"
// arrives as %2F), and leaves its values escaped.
func pathParam(c *echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", invalid("path."+name, fmt.Sprintf("%q is not a valid percent-encoded path segment", v))
	}
	return u, nil
}

// boolQuery reads a true/false query parameter (absent: false).
func boolQuery(c *echo.Context, name string) (bool, error) {
	switch raw := c.QueryParam(name); raw {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, invalid("query."+name, fmt.Sprintf("%q is not a boolean", raw), "true", "false")
	}
}

// fileMediaTypes are the media types a workspace or flow file may be
// sent as.
var fileMediaTypes = []string{"application/yaml", "text/yaml", "application/x-yaml", "application/json"}

// fileFormat reads the Content-Type of a file body: it returns the file
// extension to parse it with (".yaml" or ".json").
func fileFormat(c *echo.Context) (string, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/json":
		return ".json", nil
	case "application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml":
		return ".yaml", nil
	}
	p := problem(http.StatusUnsupportedMediaType, "unsupported-media-type",
		"the body is %q; send the file as application/yaml (or text/yaml) or application/json", ct)
	p.Errors = []FieldError{{Field: "header.Content-Type", Detail: "send the file's format", Valid: fileMediaTypes}}
	return "", p
}

// locate finds where path is in a file (line and column), for a problem
// found after the file was parsed: it decodes the file again into a
// skeleton holding only that path's parents. The file parsed already, so
// the only problems are the skeleton's unknown keys, ignored.
func locate(name string, data []byte, skeleton any, p source.Problem) FieldError {
	if d, err := source.Decode(name, data, skeleton, source.Options{}); err == nil {
		p = d.Locate(p)
	}
	return sourceErrors(source.Problems{p})[0]
}

// unknownName is a 404 for a named object that the workspace does not
// have, listing the names it has.
func unknownName(what, field, name string, names []string) *Problem {
	d := fmt.Sprintf("the workspace has no %s %q", what, name)
	if c := suggest.Close(name, names); c != "" {
		d += fmt.Sprintf(" (did you mean %q?)", c)
	}
	p := problem(http.StatusNotFound, "not-found", "%s", d)
	p.Errors = []FieldError{{Field: field, Detail: d, Valid: names}}
	return p
}

// page cuts a list sorted by key after the cursor: the items of one page
// and the cursor of the next ("" on the last page).
func page[T any](items []T, key func(T) string, cursor string, limit int) ([]T, string) {
	if cursor != "" {
		i, _ := slices.BinarySearchFunc(items, cursor, func(t T, c string) int { return strings.Compare(key(t), c) })
		for i < len(items) && key(items[i]) <= cursor {
			i++
		}
		items = items[i:]
	}
	if len(items) <= limit {
		return items, ""
	}
	return items[:limit], key(items[limit-1])
}
