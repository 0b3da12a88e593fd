package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/workspace"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// newAdminHarness is a harness whose server indexes knowledge with the
// offline embedder.
func newAdminHarness(t testing.TB, s store.Store) *harness {
	return newHarness(t, s, harnessOptions{server: server.Options{Embedder: rag.HashedLexical{}}})
}

// admin calls the admin API with the harness's admin key.
func (h *harness) admin(method, path string, body any) *response {
	h.t.Helper()
	return h.do(request{method: method, path: path, token: h.adminKey, body: body})
}

// file sends a file body (YAML or JSON) with its media type.
func (h *harness) file(method, path, contentType string, data []byte) *response {
	h.t.Helper()
	return h.do(request{method: method, path: path, token: h.adminKey, body: data, header: map[string]string{"Content-Type": contentType}})
}

// other is a second workspace on the harness's store (the support
// example, under a slug of its own) with an admin key.
type other struct {
	ws  *store.Workspace
	key string
}

func (h *harness) otherWorkspace() *other {
	h.t.Helper()
	fx := workspacetest.Apply(h.t, h.s, workspacetest.Example("support", "workspace.yaml"), nil)
	secret, hash := store.NewAPIKeySecret()
	if err := h.s.CreateAPIKey(ctx, &store.APIKey{WorkspaceID: fx.Workspace.ID, Role: store.KeyAdmin, Name: "other", Prefix: secret[:8], Hash: hash}); err != nil {
		h.t.Fatal(err)
	}
	return &other{ws: fx.Workspace, key: secret}
}

// wantProblem checks a problem answer: its status, its media type, and,
// when field is not "", an error about that field, which it returns.
func wantProblem(t testing.TB, r *response, status int, field string) (server.Problem, server.FieldError) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	p := r.problem(t)
	if p.Status != status {
		t.Fatalf("problem status %d, want %d", p.Status, status)
	}
	if field == "" {
		return p, server.FieldError{}
	}
	for _, e := range p.Errors {
		if e.Field == field {
			return p, e
		}
	}
	t.Fatalf("no error about %q in %s", field, r.body)
	return p, server.FieldError{}
}

func decode[T any](t testing.TB, r *response) T {
	t.Helper()
	var v T
	r.json(t, &v)
	return v
}

func labelNames(t testing.TB, s store.Store, ws string, kind store.LabelKind) []string {
	t.Helper()
	labels, err := s.ListLabels(ctx, ws, kind)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range labels {
		out = append(out, l.Name)
	}
	return out
}

func readExample(t testing.TB, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(workspacetest.Example(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAdminNeedsAnAdminKey(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		n := 0
		for _, r := range h.srv.Routes() {
			if r.Access != server.Admin {
				continue
			}
			if !strings.HasPrefix(r.Path, "/v1/admin/") {
				if r.Path == "/v1/chat/completions" || r.Path == "/v1/models" {
					continue // OpenAI's paths answer OpenAI's errors: TestOpenAIErrors checks them
				}
				t.Errorf("admin route %s %s is not under /v1/admin", r.Method, r.Path)
			}
			n++
			path := strings.NewReplacer(":key", "x", ":name", "x", ":source", "x", ":id", "x").Replace(r.Path)
			res := h.do(request{method: r.Method, path: path, token: h.agentKey})
			p, _ := wantProblem(t, res, http.StatusForbidden, "")
			if !strings.Contains(p.Detail, "admin key") {
				t.Errorf("%s %s: %q does not say an admin key is needed", r.Method, path, p.Detail)
			}
			wantProblem(t, h.do(request{method: r.Method, path: path}), http.StatusUnauthorized, "")
		}
		if n != 23 {
			t.Errorf("%d admin routes, want 23", n)
		}
	})
}

func TestAdminWorkspaceExportAndApply(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const path = "/v1/admin/workspace"

		// JSON by default, with the YAML's keys.
		r := h.must(http.StatusOK, request{method: "GET", path: path, token: h.adminKey})
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		var doc map[string]any
		r.json(t, &doc)
		if ws, _ := doc["workspace"].(map[string]any); ws["slug"] != h.ws.Slug {
			t.Fatalf("exported workspace %v, want slug %q", doc["workspace"], h.ws.Slug)
		}
		if _, ok := doc["contact_fields"]; !ok {
			t.Fatalf("the JSON export has no contact_fields: %s", r.body)
		}
		exportedJSON := r.body

		// YAML on demand.
		r = h.must(http.StatusOK, request{method: "GET", path: path, token: h.adminKey, header: map[string]string{"Accept": "application/yaml"}})
		if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
			t.Fatalf("Content-Type %q", ct)
		}
		f, err := workspace.Parse("export.yaml", r.body)
		if err != nil {
			t.Fatal(err)
		}
		exportedYAML := r.body

		// Applying the export back changes nothing, in either format.
		for ct, data := range map[string][]byte{"application/yaml": exportedYAML, "text/yaml": exportedYAML, "application/json": exportedJSON} {
			res := decode[server.ApplyResult](t, h.file("PUT", path, ct, data))
			if len(res.Changes) != 0 || res.DryRun || !strings.Contains(res.Summary, "up to date") {
				t.Fatalf("%s: applying the export changed %v (%s)", ct, res.Changes, res.Summary)
			}
		}

		// A dry run reports the changes and applies none.
		f.Tags = append(f.Tags, workspace.Label{Name: "vip"})
		withVIP, err := workspace.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		res := decode[server.ApplyResult](t, h.file("PUT", path+"?dry_run=true", "application/yaml", withVIP))
		want := server.ChangeView{Op: workspace.Created, Kind: "tag", Name: "vip", Text: `created tag "vip"`}
		if !res.DryRun || !slices.Contains(res.Changes, want) || !strings.HasPrefix(res.Summary, "dry run:") {
			t.Fatalf("dry run: %+v", res)
		}
		if slices.Contains(labelNames(t, s, h.ws.ID, store.Tag), "vip") {
			t.Fatal("the dry run created the tag")
		}
		res = decode[server.ApplyResult](t, h.file("PUT", path, "application/yaml", withVIP))
		if res.DryRun || !slices.Contains(res.Changes, want) || !strings.Contains(res.Summary, "applied: 1 changes") {
			t.Fatalf("apply: %+v", res)
		}
		if !slices.Contains(labelNames(t, s, h.ws.ID, store.Tag), "vip") {
			t.Fatal("the apply did not create the tag")
		}

		// The JSON export keeps strings as strings, even those YAML would
		// read as numbers.
		doc = nil
		h.must(http.StatusOK, request{method: "GET", path: path, token: h.adminKey}).json(t, &doc)
		doc["tags"] = append(doc["tags"].([]any), ".inf", map[string]any{"name": "1e3", "description": "«1000»\n"})
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if res := decode[server.ApplyResult](t, h.file("PUT", path, "application/json", raw)); len(res.Changes) != 2 {
			t.Fatalf("tags .inf and 1e3: %+v", res)
		}
		again := h.must(http.StatusOK, request{method: "GET", path: path, token: h.adminKey}).body
		if res := decode[server.ApplyResult](t, h.file("PUT", path, "application/json", again)); len(res.Changes) != 0 {
			t.Fatalf("the JSON export did not apply back unchanged: %+v\n%s", res.Changes, again)
		}

		// Every problem of the file, with its line, column and field.
		bad := fmt.Sprintf("workspace:\n  slug: %s\n  name: Salon\nusers:\n  - email: marie@salon-elegance.fr\n    nmae: Marie\nteams: 12\n", h.ws.Slug)
		p, e := wantProblem(t, h.file("PUT", path, "application/yaml", []byte(bad)), http.StatusBadRequest, "users[0].nmae")
		if e.File != "workspace.yaml" || e.Line != 6 || e.Column != 5 || !slices.Contains(e.Valid, "name") {
			t.Errorf("unknown key: %+v", e)
		}
		if _, e := wantProblem(t, h.file("PUT", path, "application/yaml", []byte(bad)), http.StatusBadRequest, "teams"); e.Line != 7 {
			t.Errorf("wrong type: %+v", e)
		}
		if !strings.Contains(p.Detail, "problem") {
			t.Errorf("detail %q", p.Detail)
		}
		// JSON files are located too.
		badJSON := fmt.Sprintf("{\n  \"workspace\": {\"slug\": %q, \"name\": \"Salon\"},\n  \"lifecycle_stages\": [\"A\", \"A\"]\n}", h.ws.Slug)
		if _, e := wantProblem(t, h.file("PUT", path, "application/json", []byte(badJSON)), http.StatusBadRequest, "lifecycle_stages[1]"); e.File != "workspace.json" || e.Line != 3 {
			t.Errorf("JSON problem: %+v", e)
		}
		// Malformed YAML and JSON.
		p, _ = wantProblem(t, h.file("PUT", path, "application/yaml", []byte("workspace:\n  slug: [a\n")), http.StatusBadRequest, "")
		if len(p.Errors) != 1 || p.Errors[0].Line == 0 {
			t.Errorf("malformed YAML: %+v", p.Errors)
		}
		p, _ = wantProblem(t, h.file("PUT", path, "application/json", []byte("{\n  \"workspace\": {\"slug\": \n")), http.StatusBadRequest, "")
		if len(p.Errors) != 1 || p.Errors[0].Line == 0 {
			t.Errorf("malformed JSON: %+v", p.Errors)
		}

		// The file's slug must be the key's workspace.
		otherSlug := strings.Replace(string(withVIP), "slug: "+h.ws.Slug, "slug: ailleurs", 1)
		_, e = wantProblem(t, h.file("PUT", path, "application/yaml", []byte(otherSlug)), http.StatusBadRequest, "workspace.slug")
		if e.Line != 2 || e.Column == 0 || !slices.Equal(e.Valid, []string{h.ws.Slug}) || !strings.Contains(e.Detail, "key's workspace slug") {
			t.Errorf("slug: %+v", e)
		}
		if _, err := s.GetWorkspaceBySlug(ctx, "ailleurs"); err == nil {
			t.Fatal("a workspace of another slug was created")
		}

		// The media type and the flags are checked.
		wantProblem(t, h.file("PUT", path, "text/plain", withVIP), http.StatusUnsupportedMediaType, "header.Content-Type")
		_, e = wantProblem(t, h.file("PUT", path+"?dry_run=maybe", "application/yaml", withVIP), http.StatusBadRequest, "query.dry_run")
		if !slices.Equal(e.Valid, []string{"true", "false"}) {
			t.Errorf("dry_run: %+v", e)
		}

		// What an enabled flow uses cannot be deleted without force.
		h.must(http.StatusCreated, request{method: "PUT", path: "/v1/admin/flows/relance", token: h.adminKey,
			body: readExample(t, "salon", "flows", "relance.json")})
		f.Tags = slices.DeleteFunc(f.Tags, func(l workspace.Label) bool { return l.Name == "relance_envoyee" })
		withoutTag, err := workspace.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		p, e = wantProblem(t, h.file("PUT", path, "application/yaml", withoutTag), http.StatusConflict, "tags")
		if !strings.Contains(e.Detail, `"relance_envoyee"`) || !strings.Contains(e.Detail, "relance") || !strings.Contains(p.Detail, "force=true") {
			t.Errorf("in use: %s / %+v", p.Detail, e)
		}
		res = decode[server.ApplyResult](t, h.file("PUT", path+"?dry_run=true", "application/yaml", withoutTag))
		if len(res.Refused) == 0 || res.Refused[0].Name != "relance_envoyee" {
			t.Errorf("dry run of a refused apply: %+v", res)
		}
		if !slices.Contains(labelNames(t, s, h.ws.ID, store.Tag), "relance_envoyee") {
			t.Fatal("the refused apply deleted the tag")
		}
		res = decode[server.ApplyResult](t, h.file("PUT", path+"?force=true", "application/yaml", withoutTag))
		if len(res.Dangling) == 0 || slices.Contains(labelNames(t, s, h.ws.ID, store.Tag), "relance_envoyee") {
			t.Errorf("forced apply: %+v", res)
		}
	})
}

const smallFlow = `{
  "id": "petit",
  "name": "Petit",
  "triggers": [{"keywords": ["petit"]}],
  "nodes": [
    {"id": "bonjour", "type": "message", "position": {"x": 0, "y": 0}, "data": {"parameters": {"text": "Bonjour"}}},
    {"id": "fin", "type": "end", "position": {"x": 0, "y": 100}, "data": {}}
  ],
  "edges": [{"id": "e1", "source": "bonjour", "target": "fin"}]
}`

func TestAdminFlows(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const base = "/v1/admin/flows"

		r := h.must(http.StatusOK, request{method: "GET", path: base, token: h.adminKey})
		if page := decode[server.FlowPage](t, r); len(page.Flows) != 0 {
			t.Fatalf("flows %+v", page)
		}

		// Created, then unchanged, in JSON or YAML.
		booking := readExample(t, "salon", "flows", "prise-de-rendez-vous.json")
		applied := decode[server.FlowApplied](t, h.must(http.StatusCreated, request{method: "PUT", path: base + "/prise-de-rendez-vous", token: h.adminKey, body: booking}))
		if applied.Op != dsl.Created || applied.Flow.Key != "prise-de-rendez-vous" || !applied.Flow.Enabled || applied.Flow.Priority != 10 {
			t.Fatalf("created %+v", applied)
		}
		asYAML, err := yaml.JSONToYAML(booking)
		if err != nil {
			t.Fatal(err)
		}
		r = h.file("PUT", base+"/prise-de-rendez-vous", "application/yaml", asYAML)
		if r.status != http.StatusOK || decode[server.FlowApplied](t, r).Op != dsl.Unchanged {
			t.Fatalf("the same flow in YAML: %d %s", r.status, r.body)
		}
		h.must(http.StatusCreated, request{method: "PUT", path: base + "/petit", token: h.adminKey, body: smallFlow})
		changed := strings.Replace(smallFlow, `"Bonjour"`, `"Salut"`, 1)
		if op := decode[server.FlowApplied](t, h.must(http.StatusOK, request{method: "PUT", path: base + "/petit", token: h.adminKey, body: changed})).Op; op != dsl.Updated {
			t.Fatalf("op %s", op)
		}

		// Listed by key, paged.
		page := decode[server.FlowPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?limit=1", token: h.adminKey}))
		if len(page.Flows) != 1 || page.Flows[0].Key != "petit" || page.Next != "petit" {
			t.Fatalf("page 1 %+v", page)
		}
		page = decode[server.FlowPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?limit=1&cursor=petit", token: h.adminKey}))
		if len(page.Flows) != 1 || page.Flows[0].Key != "prise-de-rendez-vous" || page.Next != "" {
			t.Fatalf("page 2 %+v", page)
		}
		wantProblem(t, h.admin("GET", base+"?limit=0", nil), http.StatusBadRequest, "query.limit")

		// Read back.
		d := decode[server.FlowDetail](t, h.must(http.StatusOK, request{method: "GET", path: base + "/petit", token: h.adminKey}))
		if d.Version != 2 || !strings.Contains(string(d.Document), "Salut") {
			t.Fatalf("detail %+v %s", d.FlowView, d.Document)
		}

		// Disable and enable.
		v := decode[server.FlowView](t, h.must(http.StatusOK, request{method: "POST", path: base + "/petit/disable", token: h.adminKey}))
		if sf, _ := s.GetFlowByKey(ctx, h.ws.ID, "petit"); v.Enabled || sf.Enabled {
			t.Fatalf("disable: %+v", v)
		}
		v = decode[server.FlowView](t, h.must(http.StatusOK, request{method: "POST", path: base + "/petit/enable", token: h.adminKey}))
		if sf, _ := s.GetFlowByKey(ctx, h.ws.ID, "petit"); !v.Enabled || !sf.Enabled {
			t.Fatalf("enable: %+v", v)
		}

		// The key in the path is the file's id.
		_, e := wantProblem(t, h.admin("PUT", base+"/autre", smallFlow), http.StatusBadRequest, "id")
		if e.Line != 2 || e.File != "autre.json" || !slices.Equal(e.Valid, []string{"autre"}) {
			t.Errorf("key mismatch: %+v", e)
		}
		if _, err := s.GetFlowByKey(ctx, h.ws.ID, "autre"); err == nil {
			t.Fatal("a flow was stored under another key")
		}

		// An invalid flow: every problem with its position, node and field.
		invalidFlow := strings.Replace(smallFlow, `"type": "end"`, `"type": "teleport"`, 1)
		_, e = wantProblem(t, h.admin("PUT", base+"/petit", invalidFlow), http.StatusBadRequest, "nodes[1].type")
		// (package dsl lists the valid values in its messages)
		if e.Line != 7 || e.Column != 19 || e.Node != "fin" || !strings.Contains(e.Detail, "end") {
			t.Errorf("invalid flow: %+v", e)
		}
		unknownKey := strings.Replace(smallFlow, `"triggers"`, `"trigers"`, 1)
		_, e = wantProblem(t, h.admin("PUT", base+"/petit", unknownKey), http.StatusBadRequest, "trigers")
		if e.Line != 4 {
			t.Errorf("unknown key: %+v", e)
		}
		p, _ := wantProblem(t, h.admin("PUT", base+"/petit", `{"id": "petit", "nodes": [`), http.StatusBadRequest, "")
		if len(p.Errors) == 0 || p.Errors[0].Line != 1 {
			t.Errorf("malformed: %+v", p.Errors)
		}
		wantProblem(t, h.admin("PUT", base+"/petit", ""), http.StatusBadRequest, "")
		wantProblem(t, h.file("PUT", base+"/petit", "text/plain", []byte(smallFlow)), http.StatusUnsupportedMediaType, "header.Content-Type")

		// What the nodes name must exist in the workspace.
		relance := strings.Replace(string(readExample(t, "salon", "flows", "relance.json")), `"tag": "relance_envoyee"`, `"tag": "relance_oubliee"`, 1)
		p = decode[server.Problem](t, h.admin("PUT", base+"/relance", relance))
		if p.Status != http.StatusBadRequest || len(p.Errors) == 0 || p.Errors[0].Node != "tag-contact" || p.Errors[0].Line == 0 ||
			p.Errors[0].Field != "nodes[2].data.parameters.tag" || !strings.Contains(p.Errors[0].Detail, `did you mean "relance_envoyee"`) {
			t.Errorf("unknown tag: %+v", p)
		}
		if _, err := s.GetFlowByKey(ctx, h.ws.ID, "relance"); err == nil {
			t.Fatal("a flow with problems was stored")
		}
		if sf, _ := s.GetFlowByKey(ctx, h.ws.ID, "petit"); sf.Version != 4 {
			t.Fatalf("the refused files changed the flow: version %d", sf.Version)
		}

		// A flow the workspace does not have, and another workspace's,
		// answer 404 alike, listing the workspace's flows.
		o := h.otherWorkspace()
		theirs, err := dsl.Check("support-triage.json", readExample(t, "support", "flows", "support-triage.json"), dsl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := dsl.Apply(ctx, s, o.ws.ID, theirs); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"support-triage", "inconnu"} {
			for _, req := range []request{
				{method: "GET", path: base + "/" + key},
				{method: "DELETE", path: base + "/" + key},
				{method: "POST", path: base + "/" + key + "/enable"},
				{method: "POST", path: base + "/" + key + "/disable"},
			} {
				req.token = h.adminKey
				_, e := wantProblem(t, h.do(req), http.StatusNotFound, "path.key")
				if !slices.Equal(e.Valid, []string{"petit", "prise-de-rendez-vous"}) {
					t.Errorf("%s %s: valid %v", req.method, req.path, e.Valid)
				}
			}
		}
		if sf, err := s.GetFlowByKey(ctx, o.ws.ID, "support-triage"); err != nil || !sf.Enabled {
			t.Fatalf("the other workspace's flow changed: %v %+v", err, sf)
		}
		// The other workspace's key sees its own flow only.
		page = decode[server.FlowPage](t, h.must(http.StatusOK, request{method: "GET", path: base, token: o.key}))
		if len(page.Flows) != 1 || page.Flows[0].Key != "support-triage" {
			t.Fatalf("their flows %+v", page)
		}

		// Deleted.
		h.must(http.StatusNoContent, request{method: "DELETE", path: base + "/petit", token: h.adminKey})
		wantProblem(t, h.admin("GET", base+"/petit", nil), http.StatusNotFound, "path.key")
	})
}

// upload is a file of a multipart body.
type upload struct {
	name string
	data []byte
}

func multipartBody(t testing.TB, files []upload, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func (h *harness) upload(path, token string, files []upload, fields map[string]string) *response {
	h.t.Helper()
	ct, body := multipartBody(h.t, files, fields)
	return h.do(request{method: "POST", path: path, token: token, body: body, header: map[string]string{"Content-Type": ct}})
}

// waitIngestion polls an ingestion until it ends.
func (h *harness) waitIngestion(id string) server.IngestionView {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := decode[server.IngestionView](h.t, h.must(http.StatusOK, request{method: "GET", path: "/v1/admin/ingestions/" + id, token: h.adminKey}))
		if v.Status != server.IngestionRunning {
			return v
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("ingestion %s still running: %+v", id, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAdminKnowledge(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newAdminHarness(t, s)
		const kbs = "/v1/admin/knowledge-bases"
		const docs = kbs + "/Salon/documents"

		list := decode[server.KnowledgeBasePage](t, h.must(http.StatusOK, request{method: "GET", path: kbs, token: h.adminKey}))
		if len(list.KnowledgeBases) != 1 || list.KnowledgeBases[0].Name != "Salon" || list.KnowledgeBases[0].Documents != 0 {
			t.Fatalf("knowledge bases %+v", list)
		}

		// Uploaded, ingested in the background, followed on the stream.
		tarifs, horaires := readExample(t, "salon", "knowledge", "tarifs.md"), readExample(t, "salon", "knowledge", "horaires.md")
		r := h.upload(docs, h.adminKey, []upload{{"tarifs.md", tarifs}, {"horaires.md", horaires}}, nil)
		if r.status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		ing := decode[server.IngestionView](t, r)
		if ing.ID == "" || ing.Total != 2 || ing.KnowledgeBase != "Salon" || r.header.Get("Location") != "/v1/admin/ingestions/"+ing.ID {
			t.Fatalf("accepted %+v", ing)
		}
		st := h.openStream(ing.Events, h.adminKey, "")
		first := st.next(t, "progress", "done", "failed")
		if first.event != "progress" || first.id != "1" {
			t.Fatalf("first event %+v", first)
		}
		var progressed []server.IngestionView
		var last sseEvent
		for last = st.next(t, "progress", "done", "failed"); last.event == "progress"; last = st.next(t, "progress", "done", "failed") {
			var v server.IngestionView
			json.Unmarshal([]byte(last.data), &v)
			progressed = append(progressed, v)
		}
		if last.event != "done" || len(progressed) != 2 || progressed[1].Done != 2 {
			t.Fatalf("events: %d progress, then %+v", len(progressed), last)
		}
		if _, open := <-st.events; open {
			t.Fatal("the stream did not end after done")
		}
		v := h.waitIngestion(ing.ID)
		if v.Status != server.IngestionDone || v.Report == nil || !slices.Equal(v.Report.Added, []string{"horaires.md", "tarifs.md"}) || v.Report.Chunks == 0 {
			t.Fatalf("ingestion %+v %+v", v, v.Report)
		}
		// A reconnection resumes after the last event it saw.
		st = h.openStream(ing.Events, h.adminKey, last.id)
		if _, open := <-st.events; open {
			t.Fatal("a stream resumed after the last event sent more")
		}

		// Listed.
		dp := decode[server.DocumentPage](t, h.must(http.StatusOK, request{method: "GET", path: docs, token: h.adminKey}))
		if len(dp.Documents) != 2 || dp.Documents[0].Source != "horaires.md" || dp.Documents[0].Chunks == 0 {
			t.Fatalf("documents %+v", dp)
		}
		dp = decode[server.DocumentPage](t, h.must(http.StatusOK, request{method: "GET", path: docs + "?limit=1&cursor=horaires.md", token: h.adminKey}))
		if len(dp.Documents) != 1 || dp.Documents[0].Source != "tarifs.md" || dp.Next != "" {
			t.Fatalf("page 2 %+v", dp)
		}
		list = decode[server.KnowledgeBasePage](t, h.must(http.StatusOK, request{method: "GET", path: kbs, token: h.adminKey}))
		if kb := list.KnowledgeBases[0]; kb.Documents != 2 || kb.Chunks == 0 || kb.Embedder != (rag.HashedLexical{}).Name() {
			t.Fatalf("knowledge base %+v", kb)
		}

		// Uploading the same file again changes nothing; a file that cannot
		// be read fails the ingestion, naming it, and the others go in.
		r = h.upload(docs, h.adminKey, []upload{{"tarifs.md", tarifs}, {"vide.md", []byte("  \n")}}, map[string]string{"chunk_tokens": "128"})
		v = h.waitIngestion(decode[server.IngestionView](t, r).ID)
		if v.Status != server.IngestionFailed || !slices.Equal(v.Report.Updated, []string{"tarifs.md"}) || len(v.Report.Failed) != 1 ||
			v.Report.Failed[0].Error != "vide.md: the file is empty" || !strings.Contains(v.Error, "1 of 2 files") {
			t.Fatalf("second ingestion %+v %+v", v, v.Report)
		}
		r = h.upload(docs, h.adminKey, []upload{{"tarifs.md", tarifs}}, map[string]string{"chunk_tokens": "128"})
		if v = h.waitIngestion(decode[server.IngestionView](t, r).ID); v.Status != server.IngestionDone || !slices.Equal(v.Report.Unchanged, []string{"tarifs.md"}) {
			t.Fatalf("third ingestion %+v", v.Report)
		}

		// Uploads that are refused whole.
		_, e := wantProblem(t, h.upload(docs, h.adminKey, []upload{{"tarifs.docx", tarifs}}, nil), http.StatusBadRequest, "body.file[0]")
		if !slices.Contains(e.Valid, ".md") {
			t.Errorf("format: %+v", e)
		}
		wantProblem(t, h.upload(docs, h.adminKey, []upload{{"a.md", tarifs}, {"a.md", tarifs}}, nil), http.StatusBadRequest, "body.file[1]")
		wantProblem(t, h.upload(docs, h.adminKey, nil, nil), http.StatusBadRequest, "body.file")
		_, e = wantProblem(t, h.upload(docs, h.adminKey, []upload{{"a.md", tarifs}}, map[string]string{"taille": "3"}), http.StatusBadRequest, "body.taille")
		if !slices.Contains(e.Valid, "file") {
			t.Errorf("unknown field: %+v", e)
		}
		wantProblem(t, h.upload(docs, h.adminKey, []upload{{"a.md", tarifs}}, map[string]string{"chunk_tokens": "3"}), http.StatusBadRequest, "body.chunk_tokens")
		wantProblem(t, h.upload(docs, h.adminKey, []upload{{"a.md", tarifs}}, map[string]string{"chunk_tokens": "beaucoup"}), http.StatusBadRequest, "body.chunk_tokens")
		wantProblem(t, h.admin("POST", docs, map[string]string{"file": "x"}), http.StatusUnsupportedMediaType, "header.Content-Type")
		if dp := decode[server.DocumentPage](t, h.admin("GET", docs, nil)); len(dp.Documents) != 2 {
			t.Fatalf("refused uploads changed the documents: %+v", dp)
		}

		// Search, with each retriever's rank and score.
		sr := decode[server.SearchResult](t, h.must(http.StatusOK, request{method: "POST", path: kbs + "/Salon/search", token: h.adminKey,
			body: map[string]any{"query": "Combien coûte une coloration ?", "k": 3}}))
		if len(sr.Hits) == 0 || len(sr.Hits) > 3 {
			t.Fatalf("hits %+v", sr)
		}
		top := sr.Hits[0]
		if top.Source != "tarifs.md" || top.Score <= 0 || top.Text == "" || top.ChunkID == "" {
			t.Fatalf("top hit %+v", top)
		}
		for _, hit := range sr.Hits {
			if len(hit.Retrievers) == 0 || hit.FoundBy == "" {
				t.Fatalf("hit without retrievers %+v", hit)
			}
			for name, rs := range hit.Retrievers {
				if !strings.Contains(hit.FoundBy, name) || rs.Rank < 1 || rs.Score == 0 {
					t.Fatalf("retriever %s of %+v", name, hit)
				}
			}
		}
		if _, ok := top.Retrievers["lexical"]; !ok {
			t.Errorf("the lexical retriever did not find the top hit: %+v", top)
		}
		searchPath := kbs + "/Salon/search"
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": " "}), http.StatusBadRequest, "body.query")
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": "prix", "k": 0}), http.StatusBadRequest, "body.k")
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": "prix", "k": 500}), http.StatusBadRequest, "body.k")
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": "prix", "threshold": 2}), http.StatusBadRequest, "body.threshold")
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": "prix", "top": 3}), http.StatusBadRequest, "body.top")
		wantProblem(t, h.admin("POST", searchPath, map[string]any{"query": 3}), http.StatusBadRequest, "body.query")
		wantProblem(t, h.admin("POST", searchPath, `{"query": "prix"`), http.StatusBadRequest, "body")

		// Deleted by source; a source with a slash is percent-encoded.
		h.must(http.StatusNoContent, request{method: "DELETE", path: docs + "/horaires.md", token: h.adminKey})
		_, e = wantProblem(t, h.admin("DELETE", docs+"/horaires.md", nil), http.StatusNotFound, "path.source")
		if !slices.Equal(e.Valid, []string{"tarifs.md"}) {
			t.Errorf("valid sources %v", e.Valid)
		}
		kb, err := s.ListKnowledgeBases(ctx, h.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&rag.Ingester{Store: s, Embedder: rag.HashedLexical{}}).Ingest(ctx, kb[0], []string{workspacetest.Example("salon", "knowledge")}); err != nil {
			t.Fatal(err)
		}
		h.must(http.StatusNoContent, request{method: "DELETE", path: docs + "/knowledge%2Fservices.md", token: h.adminKey})
		left, err := s.ListDocuments(ctx, h.ws.ID, kb[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range left {
			if d.Source == "knowledge/services.md" {
				t.Fatal("the document was not deleted")
			}
		}

		// A knowledge base the workspace does not have, and another
		// workspace's, answer 404 alike; so do their ingestions.
		o := h.otherWorkspace()
		for _, name := range []string{"Docs", "Inconnue"} {
			for _, req := range []request{
				{method: "GET", path: kbs + "/" + name + "/documents"},
				{method: "DELETE", path: kbs + "/" + name + "/documents/tarifs.md"},
				{method: "POST", path: kbs + "/" + name + "/search", body: map[string]any{"query": "prix"}},
			} {
				req.token = h.adminKey
				_, e := wantProblem(t, h.do(req), http.StatusNotFound, "path.name")
				if !slices.Equal(e.Valid, []string{"Salon"}) {
					t.Errorf("%s %s: valid %v", req.method, req.path, e.Valid)
				}
			}
			_, e = wantProblem(t, h.upload(kbs+"/"+name+"/documents", h.adminKey, []upload{{"a.md", tarifs}}, nil), http.StatusNotFound, "path.name")
		}
		r = h.upload(kbs+"/Docs/documents", o.key, []upload{{"plans.md", []byte("# Plans\n\nThe Pro plan costs 20 dollars.\n")}}, nil)
		theirs := decode[server.IngestionView](t, r)
		wantProblem(t, h.admin("GET", "/v1/admin/ingestions/"+theirs.ID, nil), http.StatusNotFound, "")
		wantProblem(t, h.admin("GET", "/v1/admin/ingestions/"+theirs.ID+"/events", nil), http.StatusNotFound, "")
		wantProblem(t, h.admin("GET", "/v1/admin/ingestions/ing_inconnue", nil), http.StatusNotFound, "")
		sr = decode[server.SearchResult](t, h.must(http.StatusOK, request{method: "POST", path: searchPath, token: h.adminKey, body: map[string]any{"query": "Pro plan dollars"}}))
		for _, hit := range sr.Hits {
			if hit.Source == "plans.md" {
				t.Fatal("the search found another workspace's document")
			}
		}
	})
}

func TestAdminKnowledgeWithoutEmbedder(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		for _, r := range []*response{
			h.upload("/v1/admin/knowledge-bases/Salon/documents", h.adminKey, []upload{{"a.md", []byte("# A\n\nTexte.\n")}}, nil),
			h.admin("POST", "/v1/admin/knowledge-bases/Salon/search", map[string]any{"query": "prix"}),
		} {
			p, _ := wantProblem(t, r, http.StatusServiceUnavailable, "")
			if !strings.HasSuffix(p.Type, "/no-embedder") || !strings.Contains(p.Detail, rag.EnvEmbeddings) {
				t.Errorf("no embedder: %+v", p)
			}
		}
		// Listing needs no embedder.
		h.must(http.StatusOK, request{method: "GET", path: "/v1/admin/knowledge-bases/Salon/documents", token: h.adminKey})
	})
}

func TestAdminContacts(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const base = "/v1/admin/contacts"
		var ids []string
		for _, name := range []string{"Camille Petit", "Jean Dupont", "Léa Martin"} {
			c := &store.Contact{WorkspaceID: h.ws.ID, Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "@example.fr"}
			if err := s.CreateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		o := h.otherWorkspace()
		theirs := &store.Contact{WorkspaceID: o.ws.ID, Name: "Camille Autre", Email: "camille@other.example"}
		if err := s.CreateContact(ctx, theirs); err != nil {
			t.Fatal(err)
		}

		// Listed, paged and searched.
		page := decode[server.ContactPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?limit=2", token: h.adminKey}))
		if len(page.Contacts) != 2 || page.Contacts[0].ID != ids[0] || page.Next != ids[1] {
			t.Fatalf("page 1 %+v", page)
		}
		page = decode[server.ContactPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?limit=2&cursor=" + page.Next, token: h.adminKey}))
		if len(page.Contacts) != 1 || page.Contacts[0].ID != ids[2] || page.Next != "" {
			t.Fatalf("page 2 %+v", page)
		}
		page = decode[server.ContactPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?q=CAMILLE", token: h.adminKey}))
		if len(page.Contacts) != 1 || page.Contacts[0].ID != ids[0] {
			t.Fatalf("search %+v", page)
		}
		wantProblem(t, h.admin("GET", base+"?limit=201", nil), http.StatusBadRequest, "query.limit")

		// Read, with its version as ETag.
		r := h.must(http.StatusOK, request{method: "GET", path: base + "/" + ids[0], token: h.adminKey})
		c := decode[server.AdminContact](t, r)
		if c.Name != "Camille Petit" || c.Version != 1 || r.header.Get("ETag") != `"1"` {
			t.Fatalf("contact %+v, ETag %q", c, r.header.Get("ETag"))
		}

		// Updated: values normalised by the fields' types, tags and the
		// stage by name.
		r = h.must(http.StatusOK, request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey, header: map[string]string{"If-Match": `"1"`},
			body: map[string]any{"name": "Camille Durand", "email": "Camille.Durand@Example.FR", "phone": "06 12 34 56 78",
				"fields": map[string]any{"budget": "1 500", "service": "coloration"}, "tags": []string{"coloration", "coloration"},
				"lifecycle_stage": "Client"}})
		c = decode[server.AdminContact](t, r)
		if c.Name != "Camille Durand" || c.Email != "camille.durand@example.fr" || c.Phone != "+33612345678" || c.Fields["budget"] != 1500.0 ||
			c.Fields["service"] != "Coloration" || !slices.Equal(c.Tags, []string{"coloration"}) || c.LifecycleStageName != "Client" ||
			c.LifecycleStage != h.fx.Stages["Client"] || c.Version != 2 || r.header.Get("ETag") != `"2"` {
			t.Fatalf("patched %+v", c)
		}
		// A null field value removes it; null clears the stage.
		c = decode[server.AdminContact](t, h.must(http.StatusOK, request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey,
			body: map[string]any{"fields": map[string]any{"budget": nil}, "lifecycle_stage": nil, "version": 2}}))
		if _, ok := c.Fields["budget"]; ok || c.Fields["service"] != "Coloration" || c.LifecycleStageName != "" || c.Version != 3 {
			t.Fatalf("patched %+v", c)
		}
		stored, err := s.GetContact(ctx, h.ws.ID, ids[0])
		if err != nil || stored.Version != 3 || stored.Name != "Camille Durand" || stored.LifecycleStageID != "" {
			t.Fatalf("stored %+v %v", stored, err)
		}

		// A stale version is a conflict, and saves nothing.
		p, _ := wantProblem(t, h.do(request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey, header: map[string]string{"If-Match": `"1"`},
			body: map[string]any{"name": "Perdu"}}), http.StatusConflict, "")
		if !strings.Contains(p.Detail, "version 3") {
			t.Errorf("conflict: %s", p.Detail)
		}
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"name": "Perdu", "version": 2}), http.StatusConflict, "")
		wantProblem(t, h.do(request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey, header: map[string]string{"If-Match": `"3"`},
			body: map[string]any{"name": "Perdu", "version": 2}}), http.StatusBadRequest, "body.version")
		wantProblem(t, h.do(request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey, header: map[string]string{"If-Match": "trois"},
			body: map[string]any{"name": "Perdu"}}), http.StatusBadRequest, "header.If-Match")

		// What the workspace does not have, with its valid values.
		_, e := wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"fields": map[string]any{"budjet": 10}}), http.StatusBadRequest, "body.fields.budjet")
		if !slices.Contains(e.Valid, "budget") || !slices.Contains(e.Valid, "bookingdate") || !strings.Contains(e.Detail, `did you mean "budget"`) {
			t.Errorf("unknown field: %+v", e)
		}
		_, e = wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"fields": map[string]any{"service": "Brushing"}}), http.StatusBadRequest, "body.fields.service")
		if !slices.Equal(e.Valid, []string{"Coupe", "Coloration"}) {
			t.Errorf("select: %+v", e)
		}
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"fields": map[string]any{"budget": "beaucoup"}}), http.StatusBadRequest, "body.fields.budget")
		_, e = wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"lifecycle_stage": "VIP"}), http.StatusBadRequest, "body.lifecycle_stage")
		if !slices.Equal(e.Valid, []string{"Nouveau Lead", "Lead Qualifié", "Client"}) {
			t.Errorf("stage: %+v", e)
		}
		_, e = wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"tags": []string{"coloration", "inconnu"}}), http.StatusBadRequest, "body.tags[1]")
		if !slices.Contains(e.Valid, "nouveau-client") {
			t.Errorf("tag: %+v", e)
		}
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"email": "pas une adresse"}), http.StatusBadRequest, "body.email")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"lifecycle_stage": 5}), http.StatusBadRequest, "body.lifecycle_stage")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"name": 5}), http.StatusBadRequest, "body.name")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], map[string]any{"nom": "X"}), http.StatusBadRequest, "body.nom")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[0], `{"name": `), http.StatusBadRequest, "body")
		if after, _ := s.GetContact(ctx, h.ws.ID, ids[0]); after.Version != 3 {
			t.Fatalf("refused changes saved: version %d", after.Version)
		}

		// Another workspace's contact answers 404, exactly like a missing
		// one.
		for _, method := range []string{"GET", "PATCH"} {
			var got []server.Problem
			for _, id := range []string{theirs.ID, "ct_inconnu"} {
				p, _ := wantProblem(t, h.admin(method, base+"/"+id, map[string]any{"name": "Pris"}), http.StatusNotFound, "")
				p.Detail, p.Instance = strings.ReplaceAll(p.Detail, id, "ID"), strings.ReplaceAll(p.Instance, id, "ID")
				got = append(got, p)
			}
			if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
				t.Errorf("%s: another workspace's contact %+v, a missing one %+v", method, got[0], got[1])
			}
		}
		if c, _ := s.GetContact(ctx, o.ws.ID, theirs.ID); c.Name != "Camille Autre" || c.Version != 1 {
			t.Fatalf("the other workspace's contact changed: %+v", c)
		}
		if page := decode[server.ContactPage](t, h.admin("GET", base+"?q=autre", nil)); len(page.Contacts) != 0 {
			t.Fatalf("the list shows another workspace's contact: %+v", page)
		}

		// The audit log has the changes.
		ev := decode[server.EventPage](t, h.admin("GET", "/v1/admin/events?type=contact.updated", nil))
		if len(ev.Events) != 2 || !strings.HasPrefix(ev.Events[0].Actor, "api_key:") || !strings.Contains(string(ev.Events[0].Payload), "fields.budget") {
			t.Fatalf("events %+v", ev)
		}
	})
}

func TestAdminTasks(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const base = "/v1/admin/tasks"
		conv := h.fx.NewConversation("")
		var ids []string
		for i, title := range []string{"Rappeler Camille", "Envoyer le devis", "Confirmer le rendez-vous"} {
			task := &store.Task{WorkspaceID: h.ws.ID, Title: title, Priority: store.PriorityNormal}
			if i == 0 {
				task.ConversationID, task.ContactID = conv.ID, conv.ContactID
			}
			if err := s.CreateTask(ctx, task); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, task.ID)
		}
		o := h.otherWorkspace()
		theirs := &store.Task{WorkspaceID: o.ws.ID, Title: "Their task", Priority: store.PriorityNormal}
		if err := s.CreateTask(ctx, theirs); err != nil {
			t.Fatal(err)
		}

		tp := decode[server.TaskPage](t, h.must(http.StatusOK, request{method: "GET", path: base, token: h.adminKey}))
		if len(tp.Tasks) != 3 || tp.Tasks[0].ID != ids[0] || tp.Tasks[0].Status != store.TaskOpen || tp.Next != "" {
			t.Fatalf("tasks %+v", tp)
		}
		tp = decode[server.TaskPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?limit=1&cursor=" + ids[0], token: h.adminKey}))
		if len(tp.Tasks) != 1 || tp.Tasks[0].ID != ids[1] || tp.Next != ids[1] {
			t.Fatalf("page 2 %+v", tp)
		}
		tp = decode[server.TaskPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?contact_id=" + conv.ContactID, token: h.adminKey}))
		if len(tp.Tasks) != 1 || tp.Tasks[0].ID != ids[0] || tp.Tasks[0].ConversationID != conv.ID {
			t.Fatalf("by contact %+v", tp)
		}

		v := decode[server.TaskView](t, h.must(http.StatusOK, request{method: "PATCH", path: base + "/" + ids[0], token: h.adminKey, body: map[string]any{"status": "done"}}))
		if v.Status != store.TaskDone {
			t.Fatalf("patched %+v", v)
		}
		if stored, _ := s.GetTask(ctx, h.ws.ID, ids[0]); stored.Status != store.TaskDone {
			t.Fatalf("stored %+v", stored)
		}
		tp = decode[server.TaskPage](t, h.admin("GET", base+"?status=open", nil))
		if len(tp.Tasks) != 2 {
			t.Fatalf("open %+v", tp)
		}
		tp = decode[server.TaskPage](t, h.admin("GET", base+"?status=done", nil))
		if len(tp.Tasks) != 1 || tp.Tasks[0].ID != ids[0] {
			t.Fatalf("done %+v", tp)
		}
		ev := decode[server.EventPage](t, h.admin("GET", "/v1/admin/events?type=task.updated&conversation_id="+conv.ID, nil))
		if len(ev.Events) != 1 || !strings.Contains(string(ev.Events[0].Payload), `"to":"done"`) {
			t.Fatalf("events %+v", ev)
		}

		_, e := wantProblem(t, h.admin("GET", base+"?status=closed", nil), http.StatusBadRequest, "query.status")
		if !slices.Equal(e.Valid, []string{"open", "done"}) {
			t.Errorf("valid %v", e.Valid)
		}
		_, e = wantProblem(t, h.admin("PATCH", base+"/"+ids[1], map[string]any{"status": "closed"}), http.StatusBadRequest, "body.status")
		if !slices.Equal(e.Valid, []string{"open", "done"}) {
			t.Errorf("valid %v", e.Valid)
		}
		wantProblem(t, h.admin("PATCH", base+"/"+ids[1], map[string]any{}), http.StatusBadRequest, "body.status")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[1], map[string]any{"status": true}), http.StatusBadRequest, "body.status")
		wantProblem(t, h.admin("PATCH", base+"/"+ids[1], map[string]any{"status": "done", "title": "x"}), http.StatusBadRequest, "body.title")
		var got []server.Problem
		for _, id := range []string{theirs.ID, "task_inconnue"} {
			p, _ := wantProblem(t, h.admin("PATCH", base+"/"+id, map[string]any{"status": "done"}), http.StatusNotFound, "")
			p.Detail, p.Instance = strings.ReplaceAll(p.Detail, id, "ID"), strings.ReplaceAll(p.Instance, id, "ID")
			got = append(got, p)
		}
		if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
			t.Errorf("another workspace's task %+v, a missing one %+v", got[0], got[1])
		}
		if t2, _ := s.GetTask(ctx, o.ws.ID, theirs.ID); t2.Status != store.TaskOpen {
			t.Fatal("the other workspace's task changed")
		}
	})
}

func TestAdminEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const base = "/v1/admin/events"
		conv := h.fx.NewConversation("")
		o := h.otherWorkspace()
		add := func(ws, convID, typ string) int64 {
			e := &store.Event{WorkspaceID: ws, ConversationID: convID, Type: typ, Actor: "system", Payload: json.RawMessage(`{"n":1}`)}
			if err := s.AppendEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		first := add(h.ws.ID, conv.ID, "test.one")
		second := add(h.ws.ID, conv.ID, "test.two")
		third := add(h.ws.ID, "", "test.one")
		add(o.ws.ID, "", "test.one")

		ids := func(q string) []int64 {
			t.Helper()
			page := decode[server.EventPage](t, h.must(http.StatusOK, request{method: "GET", path: base + "?" + q, token: h.adminKey}))
			var out []int64
			for _, e := range page.Events {
				if strings.HasPrefix(e.Type, "test.") {
					out = append(out, e.ID)
				}
			}
			return out
		}
		if got := ids("conversation_id=" + conv.ID); !slices.Equal(got, []int64{first, second}) {
			t.Errorf("by conversation: %v", got)
		}
		if got := ids("type=test.one"); !slices.Equal(got, []int64{first, third}) {
			t.Errorf("by type: %v", got)
		}
		if got := ids("type=test.one&conversation_id=" + conv.ID); !slices.Equal(got, []int64{first}) {
			t.Errorf("by both: %v", got)
		}
		past, future := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if got := ids("type=test.one&since=" + past + "&until=" + future); !slices.Equal(got, []int64{first, third}) {
			t.Errorf("in the last hour: %v", got)
		}
		if got := ids("since=" + future); len(got) != 0 {
			t.Errorf("since the future: %v", got)
		}
		if got := ids("until=" + past); len(got) != 0 {
			t.Errorf("until an hour ago: %v", got)
		}

		// Paged by id.
		page := decode[server.EventPage](t, h.admin("GET", base+"?type=test.one&limit=1", nil))
		if len(page.Events) != 1 || page.Events[0].ID != first || page.Next != fmt.Sprint(first) {
			t.Fatalf("page 1 %+v", page)
		}
		page = decode[server.EventPage](t, h.admin("GET", base+"?type=test.one&limit=1&after="+page.Next, nil))
		if len(page.Events) != 1 || page.Events[0].ID != third || page.Events[0].ConversationID != "" {
			t.Fatalf("page 2 %+v", page)
		}

		wantProblem(t, h.admin("GET", base+"?since=yesterday", nil), http.StatusBadRequest, "query.since")
		wantProblem(t, h.admin("GET", base+"?until=2026-13-01", nil), http.StatusBadRequest, "query.until")
		wantProblem(t, h.admin("GET", base+"?since="+future+"&until="+past, nil), http.StatusBadRequest, "query.until")
		wantProblem(t, h.admin("GET", base+"?after=abc", nil), http.StatusBadRequest, "query.after")
		wantProblem(t, h.admin("GET", base+"?limit=x", nil), http.StatusBadRequest, "query.limit")

		// The other workspace's events are not listed, its conversations'
		// neither.
		theirConv := &store.Conversation{WorkspaceID: o.ws.ID, ContactID: "", Channel: "web"}
		c := &store.Contact{WorkspaceID: o.ws.ID, Name: "X"}
		if err := s.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		theirConv.ContactID = c.ID
		if err := s.CreateConversation(ctx, theirConv); err != nil {
			t.Fatal(err)
		}
		add(o.ws.ID, theirConv.ID, "test.theirs")
		if page := decode[server.EventPage](t, h.admin("GET", base+"?conversation_id="+theirConv.ID, nil)); len(page.Events) != 0 {
			t.Fatalf("another workspace's events: %+v", page)
		}
		if got := ids("type=test.theirs"); len(got) != 0 {
			t.Fatalf("another workspace's events: %v", got)
		}
	})
}

// gatedEmbedder is the offline embedder, each call waiting for the gate.
type gatedEmbedder struct {
	rag.HashedLexical
	gate chan struct{}
}

func (g gatedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.HashedLexical.Embed(ctx, texts)
}

func TestAdminIngestionOutlivesItsRequestUntilShutdown(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		emb := gatedEmbedder{gate: make(chan struct{})}
		h := newHarness(t, s, harnessOptions{server: server.Options{Embedder: emb}})
		const docs = "/v1/admin/knowledge-bases/Salon/documents"
		r := h.upload(docs, h.adminKey, []upload{{"tarifs.md", readExample(t, "salon", "knowledge", "tarifs.md")}}, nil)
		if r.status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		shut := make(chan error, 1)
		go func() { shut <- h.srv.Shutdown(ctx) }()
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned (%v) while the ingestion was running", err)
		case <-time.After(200 * time.Millisecond):
		}
		// Meanwhile, new ingestions are refused.
		p, _ := wantProblem(t, h.upload(docs, h.adminKey, []upload{{"a.md", []byte("# A\n\nTexte.\n")}}, nil), http.StatusServiceUnavailable, "")
		if !strings.HasSuffix(p.Type, "/shutting-down") {
			t.Errorf("upload during shutdown: %+v", p)
		}
		close(emb.gate)
		if err := <-shut; err != nil {
			t.Fatal(err)
		}
		kbs, err := s.ListKnowledgeBases(ctx, h.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ListDocuments(ctx, h.ws.ID, kbs[0].ID)
		if err != nil || len(got) != 1 || got[0].Source != "tarifs.md" {
			t.Fatalf("documents after shutdown: %v %+v", err, got)
		}
	})
}
