package server_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// TestBrowser runs the widget's browser tests (web/e2e: Playwright driving
// Debian's chromium) against servers wired as `causerie serve` wires
// them — SQLite, the salon example applied (its flows, its knowledge, and
// a test flow with a redirect step), the scripted model behind the
// OpenAI-compatible client — on loopback ports. It fails when Playwright
// does. It needs web/node_modules (make web) and /usr/bin/chromium
// (scripts/chromium.sh); `make test` provides both and sets
// CAUSERIE_BROWSER_TESTS=1. Without that variable it is skipped, so that
// `go test ./...` needs no browser.
func TestBrowser(t *testing.T) {
	if os.Getenv("CAUSERIE_BROWSER_TESTS") == "" {
		t.Skip("set CAUSERIE_BROWSER_TESTS=1 to run the widget in Chromium (make test does)")
	}
	webDir, err := filepath.Abs(filepath.Join("..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "@playwright", "test")); err != nil {
		t.Fatal("web/node_modules has no @playwright/test: run make web (npm ci in web/)")
	}
	chromium := os.Getenv("CAUSERIE_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: run scripts/chromium.sh (apt-get install chromium)", chromium)
	}

	// Two other sites with the widget tag on them, pointing at the primary
	// server: the workspace allows the first's origin, not the second's.
	var apiURL string
	shop := func(w http.ResponseWriter, r *http.Request) {
		slug := r.URL.Query().Get("workspace")
		if slug == "" {
			slug = "salon"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="fr"><head><title>Boutique</title></head><body><h1>Boutique</h1>
<script src="%s/widget.js" data-workspace="%s" async></script></body></html>`, apiURL, html.EscapeString(slug))
	}
	allowed, refused := httptest.NewServer(http.HandlerFunc(shop)), httptest.NewServer(http.HandlerFunc(shop))
	t.Cleanup(allowed.Close)
	t.Cleanup(refused.Close)

	primary := startBrowserServer(t, server.Limits{IPRate: -1, VisitorRate: -1}, allowed.URL)
	apiURL = primary.url
	// A server whose visitors may send 2 requests at once, then 1 a second:
	// the rate-limit scenario meets a real 429 with Retry-After.
	limited := startBrowserServer(t, server.Limits{IPRate: -1, VisitorRate: 1, VisitorBurst: 2})

	args := []string{"--no-install", "playwright", "test", "--config", "e2e/playwright.config.mjs"}
	if grep := os.Getenv("CAUSERIE_BROWSER_GREP"); grep != "" {
		args = append(args, "--grep", grep)
	}
	runCtx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "npx", args...)
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(),
		"CAUSERIE_BASE_URL="+primary.url,
		"CAUSERIE_LIMITED_URL="+limited.url,
		"CAUSERIE_ALLOWED_SITE="+allowed.URL+"/boutique",
		"CAUSERIE_REFUSED_SITE="+refused.URL+"/boutique",
		"CAUSERIE_AGENT_KEY="+primary.agentKey,
		"CAUSERIE_CHROMIUM="+chromium,
		"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1",
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("playwright ran in %s", time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("the browser tests failed (%v); the report above says which and why", err)
	}
}

// browserServer is one server the browser tests talk to.
type browserServer struct {
	url      string
	agentKey string // Marie Dubois's agent key (the inbox scenario)
}

// startBrowserServer starts a server on a fresh SQLite store, as serve
// does, with the given rate limits; pages of origins may call it.
func startBrowserServer(t *testing.T, limits server.Limits, origins ...string) browserServer {
	t.Helper()
	s := storetest.OpenSQLite(t)
	// The store is the server's own: the workspace keeps its slug, as
	// `causerie apply` would.
	fx := workspacetest.Apply(t, s, workspacetest.Example("salon", "workspace.yaml"), func(f *workspace.File) {
		f.Workspace.Slug = "salon"
		f.Workspace.Settings.WidgetOrigins = origins
	})
	ws := fx.Workspace
	applyFlows(t, s, ws, workspacetest.Example("salon", "flows", "prise-de-rendez-vous.json"),
		filepath.Join("..", "web", "e2e", "fixtures", "plan-acces.json"))
	emb := rag.HashedLexical{Dims: rag.DefaultDimensions}
	kbs, err := s.ListKnowledgeBases(ctx, ws.ID)
	if err != nil || len(kbs) != 1 {
		t.Fatalf("knowledge bases: %v %v", kbs, err)
	}
	if _, err := (&rag.Ingester{Store: s, Embedder: emb}).Ingest(ctx, kbs[0], []string{workspacetest.Example("salon", "knowledge")}); err != nil {
		t.Fatal(err)
	}

	model := agenttest.New(t)
	model.RespondWith(scriptedSalon)
	metrics := server.NewMetrics()
	m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model.URL, Timeout: 10 * time.Second, MaxRetries: 1, Backoff: time.Millisecond})
	rt := conversation.New(s, conversation.Options{Model: metrics.Model(m), Embedder: emb})
	srv := server.New(rt, server.Options{Metrics: metrics, Embedder: emb, Limits: limits})
	listenCtx, stop := context.WithCancel(context.Background())
	ready := make(chan struct{})
	go func() { _ = rt.Listen(listenCtx, func() { close(ready) }) }()
	<-ready
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
		stop()
	})

	secret, hash := store.NewAPIKeySecret()
	users, err := s.ListUsers(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	var marie string
	for _, u := range users {
		if u.Email == "marie@salon-elegance.fr" {
			marie = u.ID
		}
	}
	if err := s.CreateAPIKey(ctx, &store.APIKey{WorkspaceID: ws.ID, Role: store.KeyAgent, UserID: marie, Name: "browser tests", Prefix: secret[:8], Hash: hash}); err != nil {
		t.Fatal(err)
	}
	return browserServer{url: "http://" + ln.Addr().String(), agentKey: secret}
}

// applyFlows applies flow files to the workspace, as `causerie flow
// apply` does.
func applyFlows(t *testing.T, s store.Store, ws *store.Workspace, paths ...string) {
	t.Helper()
	for _, path := range paths {
		f, err := dsl.Load(path, dsl.Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if ps, err := dsl.CheckWorkspace(ctx, s, ws.ID, f); err != nil || len(ps) > 0 {
			t.Fatalf("%s: %v %v", path, ps, err)
		}
		if err := s.InTx(ctx, func(q store.Queries) error {
			_, _, err := dsl.Apply(ctx, q, ws.ID, f)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// scriptedSalon is the model of the browser tests, answering by what the
// visitor last said (the scenarios in web/e2e/widget.spec.mjs say it):
//   - "conseiller": a reply, and assign to Marie Dubois (a human takes over);
//   - "tarif": search_knowledge, then a reply citing passage [1];
//   - "patience": a reply that takes 2.5 s (the network-drop scenario);
//   - a recording: its transcript;
//   - anything else: a greeting long enough to stream in several deltas.
func scriptedSalon(req agenttest.Request) agenttest.Step {
	if strings.HasSuffix(req.Path, "/audio/transcriptions") {
		return agenttest.Step{Transcript: "Bonjour, ceci est mon message vocal."}
	}
	msgs := req.Messages()
	if len(msgs) == 0 {
		return agenttest.Step{Reply: "…"}
	}
	last := msgs[len(msgs)-1]
	if last["role"] == "tool" {
		return agenttest.Step{Reply: "Une coupe femme cheveux courts coûte 35 €, cheveux longs 45 € [1]."}
	}
	said := strings.ToLower(fmt.Sprint(last["content"]))
	switch {
	case strings.Contains(said, "conseill"):
		return agenttest.Step{Reply: "Je vous mets en relation avec Marie Dubois, qui vous répond ici même.",
			ToolCalls: []agenttest.ToolCall{agenttest.Call("assign", `{"user":"Marie Dubois"}`)}}
	case strings.Contains(said, "tarif"):
		return agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("search_knowledge", `{"query":"tarifs coupe femme"}`)}}
	case strings.Contains(said, "patience"):
		return agenttest.Step{Reply: "Merci de votre patience : voici enfin ma réponse.", Delay: 2500 * time.Millisecond}
	case strings.Contains(said, "vocal"):
		return agenttest.Step{Reply: "J'ai bien reçu votre message vocal."}
	}
	return agenttest.Step{Reply: "Bonjour ! Je suis l'assistante du Salon Élégance. Que puis-je faire pour vous aujourd'hui ?"}
}
