package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
)

// TestServe runs `causerie serve` as its own process: it prints the URLs
// it serves, answers a visitor, logs JSON lines, and on SIGTERM ends the
// stream with a retry hint, lets the running turn finish (its reply is
// stored) and exits 0.
func TestServe(t *testing.T) {
	srv := agenttest.New(t, agenttest.Step{Reply: "Réponse après un temps de réflexion.", Delay: 700 * time.Millisecond})
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	cmd := exec.Command(os.Args[0], "--data-dir", dir, "serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--grace", "10s")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "OPENAI_BASE_URL="+srv.URL, "OPENAI_API_KEY=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(stdout)
	var base string
	var banner []string
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "  health") {
		banner = append(banner, sc.Text())
		if url, ok := strings.CutPrefix(sc.Text(), "Causerie serves "); ok {
			base, _, _ = strings.Cut(url, " ")
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if base == "" || !strings.Contains(strings.Join(banner, "\n"), base+"/openapi.json") {
		t.Fatalf("serve printed %q", banner)
	}
	// The demo page of each workspace, with the widget on it.
	if !slices.Contains(banner, "  demo         "+base+"/demo/salon") {
		t.Fatalf("serve printed no demo URL of workspace salon: %q", banner)
	}
	for path, want := range map[string]string{"/demo/salon": `data-workspace="salon"`, "/widget.js": "attachShadow"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("GET %s: %d, without %s", path, res.StatusCode, want)
		}
	}

	post := func(path, token string, body any) map[string]any {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
		}
		return out
	}
	created := post("/v1/workspaces/salon/conversations", "", map[string]any{})
	token := created["token"].(string)
	conv := created["conversation"].(map[string]any)["id"].(string)
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", base+"/v1/workspaces/salon/conversations/"+conv+"/events?access_token="+token, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %v %v", err, res)
	}
	events := make(chan string, 100)
	go func() {
		defer close(events)
		s := bufio.NewScanner(res.Body)
		for s.Scan() {
			events <- s.Text()
		}
	}()
	post("/v1/workspaces/salon/conversations/"+conv+"/messages", token, map[string]string{"text": "Bonjour"})
	waitLine(t, events, "event: message") // the visitor's message is stored; the model is thinking
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(t, events, "event: shutdown")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v:\n%s", err, logs.String())
	}
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "causerie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws, _ := s.GetWorkspaceBySlug(context.Background(), "salon")
	msgs, _ := s.ListMessages(context.Background(), ws.ID, conv, store.MessageFilter{})
	if len(msgs) != 2 || msgs[1].Text != "Réponse après un temps de réflexion." {
		t.Fatalf("the turn running at SIGTERM did not finish: %d messages\n%s", len(msgs), logs.String())
	}
	var sawRequest, sawStopped bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		sawRequest = sawRequest || (l["msg"] == "request" && l["conversation_id"] == conv)
		sawStopped = sawStopped || l["msg"] == "stopped"
	}
	if !sawRequest || !sawStopped || strings.Contains(logs.String(), "Bonjour") || strings.Contains(logs.String(), token) {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q", want)
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %q within 15 s", want)
		}
	}
}
