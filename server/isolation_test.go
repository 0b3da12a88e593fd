package server_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// TestIsolationWalksEveryRoute: the credentials of workspace A (its admin
// key, its agent key, a visitor token of its own) reach nothing of
// workspace B, on every route the server registers — so a new route
// cannot skip the check. A route with an object in its path answers for
// B's object exactly what it answers for an object that does not exist
// (a 404 for reads); a list shows none of B's objects; and B is
// unchanged after the walk.
func TestIsolationWalksEveryRoute(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{server: server.Options{Embedder: rag.HashedLexical{}}})
		a := h.newVisitor(nil)

		// Workspace B, with one object of each kind.
		fxB := workspacetest.Apply(t, s, workspacetest.Example("support", "workspace.yaml"), nil)
		wsB := fxB.Workspace
		secret, hash := store.NewAPIKeySecret()
		if err := s.CreateAPIKey(ctx, &store.APIKey{WorkspaceID: wsB.ID, Role: store.KeyAdmin, Name: "b", Prefix: secret[:8], Hash: hash}); err != nil {
			t.Fatal(err)
		}
		keyB := secret
		var createdB server.CreatedConversation
		h.must(http.StatusCreated, request{method: "POST", path: "/v1/workspaces/" + wsB.Slug + "/conversations", body: map[string]any{"agent": "Acme Assistant"}}).json(t, &createdB)
		convB := fxB.Conversation(createdB.Conversation.ID)
		taskB := &store.Task{WorkspaceID: wsB.ID, ContactID: convB.ContactID, Title: "B's task", Priority: store.PriorityNormal}
		if err := s.CreateTask(ctx, taskB); err != nil {
			t.Fatal(err)
		}
		flow, err := os.ReadFile(workspacetest.Example("support", "flows", "support-triage.json"))
		if err != nil {
			t.Fatal(err)
		}
		h.must(http.StatusCreated, request{method: "PUT", path: "/v1/admin/flows/support-triage", token: keyB, body: flow})
		ing := decode[server.IngestionView](t, h.upload("/v1/admin/knowledge-bases/Docs/documents", keyB,
			[]upload{{name: "b-secret.md", data: []byte("# B\n\nB's private document.\n")}}, nil))
		for deadline := time.Now().Add(20 * time.Second); ; {
			v := decode[server.IngestionView](t, h.must(http.StatusOK, request{method: "GET", path: "/v1/admin/ingestions/" + ing.ID, token: keyB}))
			if v.Status == server.IngestionDone {
				break
			}
			if v.Status != server.IngestionRunning || time.Now().After(deadline) {
				t.Fatalf("B's ingestion: %+v", v)
			}
			time.Sleep(20 * time.Millisecond)
		}

		// The path parameters, by the segment before them: B's object, and
		// one that exists nowhere.
		objectsB := map[string]string{
			"workspaces/:workspace": wsB.Slug, "conversations/:id": convB.ID, "contacts/:id": convB.ContactID, "tasks/:id": taskB.ID,
			"flows/:key": "support-triage", "knowledge-bases/:name": "Docs", "documents/:source": "b-secret.md", "ingestions/:id": ing.ID,
		}
		missing := map[string]string{
			"workspaces/:workspace": "no-such-workspace", "conversations/:id": "conv_none", "contacts/:id": "ctc_none", "tasks/:id": "task_none",
			"flows/:key": "no-such-flow", "knowledge-bases/:name": "NoSuchBase", "documents/:source": "no-such.md", "ingestions/:id": "ing_none",
		}
		leaks := []string{wsB.ID, wsB.Slug, convB.ID, convB.ContactID, taskB.ID, "support-triage", "b-secret.md", ing.ID, `"Docs"`}
		snapshot := func() string {
			var b strings.Builder
			for _, p := range []string{"/v1/admin/workspace", "/v1/admin/flows", "/v1/admin/contacts", "/v1/admin/tasks",
				"/v1/admin/knowledge-bases/Docs/documents", "/v1/admin/flows/support-triage"} {
				b.Write(h.must(http.StatusOK, request{method: "GET", path: p, token: keyB}).body)
			}
			for _, m := range fxB.Messages(convB.ID) {
				b.WriteString(m.Text)
			}
			c := fxB.Conversation(convB.ID)
			b.WriteString(string(c.Status) + string(c.Assignee.Type) + c.Assignee.ID)
			return b.String()
		}
		before := snapshot()

		walked := 0
		for _, r := range h.srv.Routes() {
			if r.Access == server.Public {
				continue // no credentials to isolate (creating a visitor conversation is open to anyone)
			}
			token := map[server.Access]string{server.Visitor: a.token, server.Agent: h.agentKey, server.Admin: h.adminKey}[r.Access]
			fill := func(values map[string]string) (string, bool) {
				parts := strings.Split(r.Path, "/")
				params := false
				for i, p := range parts {
					if !strings.HasPrefix(p, ":") {
						continue
					}
					v, ok := values[parts[i-1]+"/"+p]
					if !ok {
						t.Fatalf("%s %s: the isolation test has no object for %s/%s; add one of workspace B", r.Method, r.Path, parts[i-1], p)
					}
					parts[i], params = v, true
				}
				return strings.Join(parts, "/"), params
			}
			pathB, hasParams := fill(objectsB)
			body := any(map[string]any{})
			if r.Method == http.MethodGet || r.Method == http.MethodDelete {
				body = nil
			}
			call := func(path string) *response {
				if r.Stream {
					// A stream that opens would not end: check its status only.
					req, _ := http.NewRequest(r.Method, h.http.URL+path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := h.http.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					return &response{status: res.StatusCode, header: res.Header}
				}
				if r.Upload {
					return h.upload(path, token, []upload{{name: "x.md", data: []byte("# x\n")}}, nil)
				}
				return h.do(request{method: r.Method, path: path, token: token, body: body})
			}
			walked++
			if !hasParams {
				res := call(pathB)
				for _, leak := range leaks {
					if strings.Contains(string(res.body), leak) {
						t.Errorf("%s %s with workspace A's credentials shows %s of workspace B: %s", r.Method, r.Path, leak, res.body)
					}
				}
				continue
			}
			resB := call(pathB)
			pathMissing, _ := fill(missing)
			resMissing := call(pathMissing)
			if resB.status != resMissing.status {
				t.Errorf("%s %s: B's object answers %d, a missing one %d: existence leaks", r.Method, r.Path, resB.status, resMissing.status)
				continue
			}
			if (r.Method == http.MethodGet || r.Method == http.MethodDelete) && resB.status != http.StatusNotFound {
				t.Errorf("%s %s: B's object answers %d, want 404", r.Method, r.Path, resB.status)
			}
			if resB.body != nil {
				gotB, gotMissing := string(resB.body), string(resMissing.body)
				for k, v := range objectsB {
					gotB = strings.ReplaceAll(gotB, v, missing[k])
				}
				if gotB != gotMissing {
					t.Errorf("%s %s: B's object answers\n%s\na missing one\n%s", r.Method, r.Path, resB.body, resMissing.body)
				}
			}
		}
		if walked < 30 {
			t.Fatalf("walked %d routes: the route list is shorter than expected", walked)
		}
		if after := snapshot(); after != before {
			t.Fatalf("workspace B changed during the walk:\nbefore %s\nafter  %s", before, after)
		}
	})
}
