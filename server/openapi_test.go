package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store/storetest"
)

var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// openAPI loads and validates the served document once.
func openAPI(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/yaml", openapi3filter.YamlBodyDecoder)
		// A stream's events are checked by its test (its body is not kept).
		openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
		loader := openapi3.NewLoader()
		spec.doc, spec.err = loader.LoadFromData(server.OpenAPI)
		if spec.err != nil {
			return
		}
		if spec.err = spec.doc.Validate(context.Background()); spec.err != nil {
			return
		}
		spec.router, spec.err = legacy.NewRouter(spec.doc)
	})
	if spec.err != nil {
		t.Fatalf("server/openapi.json: %v", spec.err)
	}
	return spec.doc, spec.router
}

// checkAgainstSpec validates an exchange against the OpenAPI document:
// the response always (its status must be documented, its body match),
// the request when the server accepted it (a refused request may be
// invalid on purpose).
func checkAgainstSpec(t testing.TB, r *http.Request, req request, res *response) {
	t.Helper()
	_, router := openAPI(t)
	u := *r.URL
	u.Host, u.Scheme = "", ""
	vr := r.Clone(context.Background())
	vr.URL = &u
	vr.Host = ""
	route, params, err := router.FindRoute(vr)
	if err != nil && (res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed) {
		return // no such route: the test checks the problem document
	}
	if err != nil {
		t.Fatalf("%s %s is not in server/openapi.json: %v", r.Method, r.URL.Path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: opts}
	if res.status < 300 {
		if body := requestBody(t, req); body != nil {
			vr.Body = io.NopCloser(bytes.NewReader(body))
		}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Fatalf("%s %s: the request the server accepted does not match server/openapi.json: %v", r.Method, r.URL.Path, err)
		}
	}
	ct := res.header.Get("Content-Type")
	body := res.body
	if strings.HasPrefix(ct, "text/event-stream") {
		body = nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s: the response (%d %s) does not match server/openapi.json: %v", r.Method, r.URL.Path, res.status, res.body, err)
	}
}

func requestBody(t testing.TB, req request) []byte {
	switch b := req.body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	return mustJSON(t, req.body)
}

// TestOpenAPIMatchesRoutes fails when a registered route is missing from
// the document, or the document names a route the server does not have.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, _ := openAPI(t)
	rt := conversation.New(storetest.OpenSQLite(t), conversation.Options{})
	var registered []string
	for _, r := range server.New(rt, server.Options{}).Routes() {
		registered = append(registered, r.Method+" "+r.OpenAPIPath())
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(registered)
	sort.Strings(documented)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is registered but missing from server/openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("server/openapi.json documents %s, which the server does not register", d)
		}
	}
}
