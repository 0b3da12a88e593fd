package tools

import (
	"context"
	"time"

	"github.com/causerie/causerie/store"
)

// Temporary: replaced by http_request.go (being written).
func httpRequest() *Action { return &Action{Name: HTTPRequest, Schema: `{"type":"object"}`} }

// Temporary: replaced by http_request.go (being written).
func (c *Catalogue) postJSON(ctx context.Context, ws *store.Workspace, url string, headers map[string]string, body any, timeout time.Duration) (int, []byte, *Result) {
	r := Fail(CodeNotConfigured, "http not yet available")
	return 0, nil, &r
}
