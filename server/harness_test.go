package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
	"github.com/causerie/causerie/workspace/workspacetest"
)

var ctx = context.Background()

// eachStore runs fn on a fresh SQLite store and a fresh PostgreSQL one.
func eachStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenPostgres(t)) })
}

// harness is the salon workspace on a store, a scripted model, the
// server on a real HTTP listener, and keys: an admin key and an agent key
// of Marie (Équipe de Planification, Équipe des Ventes).
type harness struct {
	t     testing.TB
	s     store.Store
	fx    *workspacetest.Fixture
	ws    *store.Workspace
	model *agenttest.Server
	rt    *conversation.Runtime
	srv   *server.Server
	http  *httptest.Server

	adminKey, agentKey string
	marie              *store.User
	// convs is the path of the workspace's visitor conversations.
	convs string
}

// harnessOptions change a harness.
type harnessOptions struct {
	edit   func(f *workspace.File)
	server server.Options
}

func newHarness(t testing.TB, s store.Store, o harnessOptions, steps ...agenttest.Step) *harness {
	t.Helper()
	edit := func(f *workspace.File) {
		f.Workspace.Settings.WidgetOrigins = []string{"https://salon.example"}
		f.Workspace.Settings.IdentitySecret = "salon-identity-secret-0123456789"
		if o.edit != nil {
			o.edit(f)
		}
	}
	fx := workspacetest.Apply(t, s, workspacetest.Example("salon", "workspace.yaml"), edit)
	h := &harness{t: t, s: s, fx: fx, ws: fx.Workspace, model: agenttest.New(t, steps...)}
	h.rt, h.srv, h.http = h.replica(s, o.server)
	h.adminKey = h.key(store.KeyAdmin, "")
	users, err := s.ListUsers(ctx, h.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == "marie@salon-elegance.fr" {
			h.marie = u
		}
	}
	h.agentKey = h.key(store.KeyAgent, h.marie.ID)
	h.convs = "/v1/workspaces/" + h.ws.Slug + "/conversations"
	return h
}

// replica starts a server on s (the harness's store, or another handle
// on its database: another replica), on the harness's model.
func (h *harness) replica(s store.Store, o server.Options) (*conversation.Runtime, *server.Server, *httptest.Server) {
	h.t.Helper()
	m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: h.model.URL, Timeout: 5 * time.Second, MaxRetries: 1, Backoff: time.Millisecond})
	metrics := server.NewMetrics()
	rt := conversation.New(s, conversation.Options{Model: metrics.Model(m)})
	o.Metrics = metrics
	if o.Limits == (server.Limits{}) {
		o.Limits = server.Limits{IPRate: -1, VisitorRate: -1} // tests send fast; the limit tests set their own
	}
	srv := server.New(rt, o)
	listenCtx, stop := context.WithCancel(ctx)
	ready := make(chan struct{})
	go func() { _ = rt.Listen(listenCtx, func() { close(ready) }) }()
	<-ready
	hs := httptest.NewServer(srv)
	h.t.Cleanup(func() {
		hs.CloseClientConnections()
		_ = srv.Shutdown(ctx)
		hs.Close()
		stop()
	})
	return rt, srv, hs
}

// key creates an API key of the harness's workspace.
func (h *harness) key(role store.KeyRole, userID string) string {
	h.t.Helper()
	secret, hash := store.NewAPIKeySecret()
	if err := h.s.CreateAPIKey(ctx, &store.APIKey{WorkspaceID: h.ws.ID, Role: role, UserID: userID, Name: "test", Prefix: secret[:8], Hash: hash}); err != nil {
		h.t.Fatal(err)
	}
	return secret
}

// response is an answer of the server.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem document, checking its media type.
func (r *response) problem(t testing.TB) server.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.status, ct, r.body)
	}
	var p server.Problem
	r.json(t, &p)
	return p
}

// request is one API call.
type request struct {
	method, path, token string
	// body is JSON-encoded unless it is a string or []byte (sent as is).
	body   any
	header map[string]string
	// at is the server to send it to (another replica); nil: the harness's.
	at *httptest.Server
}

func (h *harness) do(req request) *response {
	h.t.Helper()
	var body io.Reader
	ct := ""
	switch b := req.body.(type) {
	case nil:
	case string:
		body, ct = strings.NewReader(b), "application/json"
	case []byte:
		body, ct = bytes.NewReader(b), "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		body, ct = bytes.NewReader(raw), "application/json"
	}
	hs := h.http
	if req.at != nil {
		hs = req.at
	}
	r, err := http.NewRequest(req.method, hs.URL+req.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	res, err := hs.Client().Do(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := &response{status: res.StatusCode, header: res.Header, body: raw}
	checkAgainstSpec(h.t, r, req, out)
	return out
}

// must is do that fails the test unless the status is want.
func (h *harness) must(want int, req request) *response {
	h.t.Helper()
	r := h.do(req)
	if r.status != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", req.method, req.path, r.status, want, r.body)
	}
	return r
}

// visitor is a visitor's conversation opened through the API.
type visitor struct {
	h     *harness
	conv  string
	token string
	base  string
}

func (h *harness) newVisitor(body any) *visitor {
	h.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := h.must(http.StatusCreated, request{method: "POST", path: h.convs, body: body})
	var created server.CreatedConversation
	r.json(h.t, &created)
	return &visitor{h: h, conv: created.Conversation.ID, token: created.Token,
		base: h.convs + "/" + created.Conversation.ID}
}

// say posts a message and waits for the turn's result.
func (v *visitor) say(text string) server.TurnResult {
	v.h.t.Helper()
	r := v.h.must(http.StatusOK, request{method: "POST", path: v.base + "/messages?wait=true", token: v.token, body: map[string]string{"text": text}})
	var res server.TurnResult
	r.json(v.h.t, &res)
	return res
}

// sseEvent is one event of a stream.
type sseEvent struct {
	id    string
	event string
	data  string
}

// stream is an open SSE connection.
type stream struct {
	events chan sseEvent
	cancel context.CancelFunc
	header http.Header
}

// openStream connects to an event stream (lastID, when not "", is sent
// as Last-Event-ID).
func (h *harness) openStream(path, token, lastID string) *stream {
	h.t.Helper()
	return h.openStreamAt(h.http, path, token, lastID)
}

// openStreamAt is openStream on server hs (another replica).
func (h *harness) openStreamAt(hs *httptest.Server, path, token, lastID string) *stream {
	h.t.Helper()
	sctx, cancel := context.WithCancel(ctx)
	r, _ := http.NewRequestWithContext(sctx, "GET", hs.URL+path, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		r.Header.Set("Last-Event-ID", lastID)
	}
	res, err := hs.Client().Do(r)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		cancel()
		h.t.Fatalf("stream %s: status %d: %s", path, res.StatusCode, body)
	}
	s := &stream{events: make(chan sseEvent, 1000), cancel: cancel, header: res.Header}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" || ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[6:]
			}
		}
	}()
	h.t.Cleanup(cancel)
	return s
}

// next returns the next event of one of kinds (others are skipped),
// failing after timeout.
func (s *stream) next(t testing.TB, kinds ...string) sseEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended while waiting for %v", kinds)
			}
			for _, k := range kinds {
				if ev.event == k {
					return ev
				}
			}
		case <-deadline:
			t.Fatalf("no %v event within 10 s", kinds)
		}
	}
}
