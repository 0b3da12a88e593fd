package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store/storetest"
)

// adminPart is openapi_admin.json: the admin routes' path items and
// schemas, to be merged into the main OpenAPI document.
type adminPart struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type adminOperation struct {
	OperationID string `json:"operationId"`
	Summary     string `json:"summary"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"responses"`
}

// TestAdminOpenAPI checks that openapi_admin.json describes every admin
// route and nothing else, that its problem answers are Problem
// documents, and that its references resolve (to its own schemas, or to
// the main document's Problem).
func TestAdminOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("openapi_admin.json")
	if err != nil {
		t.Fatal(err)
	}
	var part adminPart
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&part); err != nil {
		t.Fatalf("openapi_admin.json is {\"paths\", \"components\": {\"schemas\"}}: %v", err)
	}
	if _, ok := part.Components.Schemas["Problem"]; ok {
		t.Error("openapi_admin.json defines Problem, which the main document owns")
	}
	for _, ref := range regexp.MustCompile(`"\$ref":\s*"([^"]*)"`).FindAllStringSubmatch(string(raw), -1) {
		name, ok := strings.CutPrefix(ref[1], "#/components/schemas/")
		if _, defined := part.Components.Schemas[name]; !ok || (!defined && name != "Problem") {
			t.Errorf("unresolved reference %s", ref[1])
		}
	}

	srv := newHarness(t, storetest.OpenSQLite(t), harnessOptions{}).srv
	described := map[string]adminOperation{}
	ids := map[string]bool{}
	for path, item := range part.Paths {
		for method, rawOp := range item {
			if method == "parameters" {
				continue
			}
			var op adminOperation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			key := strings.ToUpper(method) + " " + path
			described[key] = op
			if op.OperationID == "" || op.Summary == "" || ids[op.OperationID] {
				t.Errorf("%s: no summary, or no or a repeated operationId %q", key, op.OperationID)
			}
			ids[op.OperationID] = true
			for code, res := range op.Responses {
				if code >= "400" && res.Content["application/problem+json"] == nil {
					t.Errorf("%s: response %s is not a problem document", key, code)
				}
			}
			for _, code := range []string{"401", "403"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s does not describe %s", key, code)
				}
			}
		}
	}
	var routes []string
	for _, r := range srv.Routes() {
		if r.Access != server.Admin {
			continue
		}
		key := r.Method + " " + r.OpenAPIPath()
		routes = append(routes, key)
		op, ok := described[key]
		switch {
		case !ok:
			t.Errorf("openapi_admin.json does not describe %s", key)
		case r.Stream && op.Responses["200"].Content["text/event-stream"] == nil:
			t.Errorf("%s answers text/event-stream", key)
		case r.Upload && (op.RequestBody == nil || op.RequestBody.Content["multipart/form-data"] == nil):
			t.Errorf("%s takes multipart/form-data", key)
		}
	}
	for key := range described {
		if !slices.Contains(routes, key) {
			t.Errorf("openapi_admin.json describes %s, which is no admin route", key)
		}
	}
	if len(routes) == 0 {
		t.Fatal("no admin routes")
	}
}
