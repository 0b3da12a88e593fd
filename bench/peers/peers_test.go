package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	runChildIfAsked() // the harness's children are this test binary too
	os.Exit(m.Run())
}

// TestHarness runs a few turns of every runtime, at two concurrencies,
// through the whole harness: every block checks that each turn ran both
// tools and that the model server got two requests per turn; the report
// must hold every runtime. It needs node with js/'s packages and
// PostgreSQL with pgvector, and fails, saying how to set them up, when
// they are missing.
func TestHarness(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not installed: install Node.js 20+ (Debian: apt-get install nodejs npm), then `cd bench/peers/js && npm ci`")
	}
	if _, err := os.Stat(filepath.Join(jsDir(), "node_modules", "@openai", "agents", "package.json")); err != nil {
		t.Fatalf("@openai/agents is not installed: run `cd bench/peers/js && npm ci` (`make bench-peers` does): %v", err)
	}
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.rounds, cfg.turns, cfg.warmup, cfg.jsWarmup, cfg.concurrency = 2, 4, 1, 2, []int{1, 3}
	var log bytes.Buffer
	rep, err := runBench(context.Background(), cfg, &log)
	t.Log(log.String())
	if err != nil {
		t.Fatalf("%v\n(PostgreSQL: `scripts/postgres.sh` from the repository's root starts it and installs pgvector; PEERS_DATABASE_URL points elsewhere)", err)
	}
	if len(rep.runners) != len(runtimeKeys) {
		t.Fatalf("%d runtimes ran, want %d", len(rep.runners), len(runtimeKeys))
	}
	for i, ru := range rep.runners {
		for _, c := range cfg.concurrency {
			cl := rep.cells[[2]int{i, c}]
			if cl == nil || cl.turns != cfg.rounds*cfg.turns {
				t.Fatalf("%s on %s, %d at once: %+v, want %d turns", ru.name, ru.store, c, cl, cfg.rounds*cfg.turns)
			}
			if cl.toolRuns != 2*cl.turns {
				t.Errorf("%s on %s, %d at once: %d tool executions in %d turns", ru.name, ru.store, c, cl.toolRuns, cl.turns)
			}
			if cl.stats.Requests != int64(2*cl.turns) || cl.stats.ToolRequests != int64(cl.turns) || cl.stats.ReplyRequests != int64(cl.turns) {
				t.Errorf("%s on %s, %d at once: model requests %+v for %d turns", ru.name, ru.store, c, cl.stats, cl.turns)
			}
			if cl.cpu <= 0 {
				t.Errorf("%s on %s, %d at once: no CPU measured", ru.name, ru.store, c)
			}
			if ru.postgres && cl.pg <= 0 {
				t.Errorf("%s on %s, %d at once: no PostgreSQL CPU measured", ru.name, ru.store, c)
			}
		}
	}
	md := rep.markdown()
	for _, want := range []string{"| runtime | store | 1 at once: p50 / p99 |", "| Causerie, in process | SQLite |", "| Causerie, in process | PostgreSQL |",
		"| Causerie, HTTP API | SQLite |", "| Causerie, HTTP API | PostgreSQL |", "| langchaingo v0.1.14 | in memory |", "| @openai/agents ",
		"CPU per turn ÷ langchaingo", "turns/s ÷ @openai/agents, 3 at once", "requests per turn"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	// Causerie streams; the peers, as configured, do not.
	for i, ru := range rep.runners {
		streamed := rep.cells[[2]int{i, 1}].stats.Streamed > 0
		if streamed != strings.HasPrefix(ru.name, "Causerie") {
			t.Errorf("%s: streamed %v", ru.name, streamed)
		}
	}
	t.Log("\n" + md)
}

// TestScriptedModel: the tool calls when the user spoke last, the reply
// once tool results are there, a refusal otherwise; as JSON and as SSE.
func TestScriptedModel(t *testing.T) {
	m := &scriptedModel{}
	srv := httptest.NewServer(m)
	defer srv.Close()
	post := func(body string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		return res, b.Bytes()
	}
	_, b := post(`{"messages":[{"role":"system","content":"x"},{"role":"user","content":"hi"}]}`)
	var c completion
	if err := json.Unmarshal(b, &c); err != nil || len(c.Choices) != 1 || len(c.Choices[0].Message.ToolCalls) != 2 ||
		c.Choices[0].Message.ToolCalls[0].Function.Name != "update_contact_fields" || c.Choices[0].Message.ToolCalls[1].Function.Arguments != tagArgs ||
		*c.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("tool calls: %s", b)
	}
	_, b = post(`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[]},{"role":"tool","content":"ok"}]}`)
	if err := json.Unmarshal(b, &c); err != nil || *c.Choices[0].Message.Content != finalReply || *c.Choices[0].FinishReason != "stop" {
		t.Fatalf("reply: %s", b)
	}
	res, b := post(`{"messages":[{"role":"system","content":"x"}]}`)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("no user message: %d %s", res.StatusCode, b)
	}
	res, b = post(`{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream: Content-Type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, d)
		}
	}
	// role, two tool calls, finish, usage, [DONE]
	if len(events) != 6 || events[5] != "[DONE]" || !strings.Contains(events[1], `"index":0`) || !strings.Contains(events[2], `"name":"tag_contact"`) ||
		!strings.Contains(events[3], `"finish_reason":"tool_calls"`) || !strings.Contains(events[4], `"usage"`) {
		t.Fatalf("stream: %q", events)
	}
	st := m.stats
	if st.Requests != 3 || st.ToolRequests != 2 || st.ReplyRequests != 1 || st.Streamed != 1 || st.Refused != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPostgresTitle(t *testing.T) {
	for _, tc := range []struct {
		title  string
		kind   postgresKind
		db     string
		leader int
	}{
		{"/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", pgShared, "", 0},
		{"postgres: 15/main: checkpointer ", pgShared, "", 0},
		{"postgres: 15/main: logical replication launcher ", pgShared, "", 0},
		{"postgres: 15/main: postgres causerie_peers 127.0.0.1(41838) idle", pgBackend, "causerie_peers", 0},
		{"postgres: postgres causerie_test [local] SELECT", pgBackend, "causerie_test", 0},
		{"postgres: 15/main: autovacuum worker causerie_peers", pgBackend, "causerie_peers", 0},
		{"postgres: 15/main: parallel worker for PID 14531 ", pgParallel, "", 14531},
	} {
		kind, db, leader := postgresTitle(tc.title)
		if kind != tc.kind || db != tc.db || leader != tc.leader {
			t.Errorf("%q: %v %q %d, want %v %q %d", tc.title, kind, db, leader, tc.kind, tc.db, tc.leader)
		}
	}
}

func TestStatCPU(t *testing.T) {
	got, err := parseStatCPU([]byte("1234 (a b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 10 0"))
	if err != nil || got != 3*time.Second {
		t.Fatalf("%v %v, want 3s", got, err)
	}
	if self, err := procCPU(os.Getpid()); err != nil || self < 0 {
		t.Fatalf("procCPU(self): %v %v", self, err)
	}
}

func TestMemContactCheck(t *testing.T) {
	c := &memContact{fields: map[string]any{}}
	if c.check() == nil {
		t.Fatal("an untouched contact passes the check")
	}
	c.fields["budget"], c.tags = 150.0, []string{"coloration"}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
}
