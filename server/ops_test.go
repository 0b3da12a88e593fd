package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// TestHealthAndMetrics: health, readiness, and the Prometheus metrics of
// requests, turns, model calls, actions and open streams.
func TestHealthAndMetrics(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("tag_contact", `{"tag":"coloration"}`)}, PromptTokens: 120, CompletionTokens: 7},
			agenttest.Step{Reply: "Bien noté.", PromptTokens: 150, CompletionTokens: 4})
		h.must(http.StatusOK, request{method: "GET", path: "/healthz"})
		var ready map[string]string
		h.must(http.StatusOK, request{method: "GET", path: "/readyz"}).json(t, &ready)
		if ready["store"] != s.Dialect() {
			t.Fatalf("readyz = %v", ready)
		}
		v := h.newVisitor(nil)
		st := h.openStream(v.base+"/events", v.token, "")
		v.say("Une coloration")
		st.next(t, "message")
		metrics := string(h.must(http.StatusOK, request{method: "GET", path: "/metrics"}).body)
		for _, want := range []string{
			`causerie_http_requests_total{method="POST",route="/v1/workspaces/:workspace/conversations/:id/messages",status="200"} 1`,
			`causerie_http_requests_total{method="POST",route="/v1/workspaces/:workspace/conversations",status="201"} 1`,
			`causerie_turns_total{outcome="replied"} 1`,
			`causerie_actions_total{name="tag_contact",result="ok"} 1`,
			`causerie_model_call_duration_seconds_count 2`,
			`causerie_model_tokens_total{kind="prompt"} 270`,
			`causerie_model_tokens_total{kind="completion"} 11`,
			`causerie_sse_streams_open 1`,
			`causerie_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="+Inf"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// TestGracefulShutdown: streams end with a retry hint, the running turn
// finishes (its reply stored), new requests get 503 with Retry-After and
// readiness fails.
func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{}, agenttest.Step{Reply: "Réponse lente.", Delay: 400 * time.Millisecond})
	v := h.newVisitor(nil)
	st := h.openStream(v.base+"/events", v.token, "")
	h.must(http.StatusAccepted, request{method: "POST", path: v.base + "/messages", token: v.token, body: map[string]string{"text": "Bonjour"}})
	st.next(t, "message")
	done := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done <- h.srv.Shutdown(sctx)
	}()
	ev := st.next(t, "shutdown")
	if !strings.Contains(ev.data, "reconnect_ms") {
		t.Fatalf("shutdown event = %+v", ev)
	}
	r := h.do(request{method: "POST", path: v.base + "/messages", token: v.token, body: map[string]string{"text": "encore"}})
	if p := r.problem(t); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("a message during shutdown: %d %+v", r.status, p)
	}
	if r := h.do(request{method: "GET", path: "/readyz"}); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz during shutdown: %d", r.status)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	msgs := h.fx.Messages(v.conv)
	if len(msgs) != 2 || msgs[1].Text != "Réponse lente." {
		t.Fatalf("the running turn did not finish: %d messages", len(msgs))
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogs: one JSON line per request with the request id, workspace and
// conversation; never the message text, a token or a key.
func TestLogs(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{server: server.Options{Logger: logger}}, agenttest.Step{Reply: "Réponse très privée"})
	v := h.newVisitor(nil)
	v.say("mon code secret est 4242")
	h.do(request{method: "GET", path: v.base + "/events?access_token=" + v.token + "&after=x"})
	h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations", token: h.agentKey})
	out := buf.String()
	for _, leak := range []string{"4242", "Réponse très privée", v.token, h.agentKey, "access_token"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q:\n%s", leak, out)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	found := false
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON log line: %s", sc.Text())
		}
		if line["msg"] != "request" || line["request_id"] == "" {
			t.Fatalf("log line without a request id: %s", sc.Text())
		}
		if line["route"] == "/v1/workspaces/:workspace/conversations/:id/messages" {
			found = line["workspace_id"] == h.ws.ID && line["conversation_id"] == v.conv && line["status"] == float64(200)
		}
	}
	if !found {
		t.Fatalf("no log line of the message with its workspace and conversation:\n%s", out)
	}
}
