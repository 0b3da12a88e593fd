package conversation

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/snapshot"
	"github.com/causerie/causerie/tools"
)

// Options configure a Runtime. The zero value works: no model (flows and
// rules still answer; the AI agent explains it cannot), offline hashed
// embeddings are not assumed (no knowledge search), no e-mail.
type Options struct {
	// Model is the AI agents' chat model; nil when no endpoint is
	// configured.
	Model agent.Model
	// Transcriber transcribes audio messages; by default Model, when it
	// can.
	Transcriber agent.Transcriber
	// Embedder, when set, lets AI agents and flows search knowledge bases
	// (with the embedder the bases were indexed with).
	Embedder rag.Embedder
	// Mailer sends send_email's messages; nil makes them fail with "not
	// configured".
	Mailer tools.Mailer
	// HTTPTransport, when set, answers http_request and CRM pushes instead
	// of the network (evaluation suites' stubs).
	HTTPTransport http.RoundTripper
	// Production requires https URLs in actions and flows
	// (CAUSERIE_ENV=production).
	Production bool
	// MaxMessageBytes bounds a visitor message's text (default
	// DefaultMaxMessageBytes); a longer one is refused before it is
	// stored.
	MaxMessageBytes int
	// ExitWords leave a flow in progress; nil means dsl.DefaultExitWords.
	ExitWords []string
	// FlowRunIdle is how long a flow run waits for the visitor before it
	// expires (default dsl.DefaultRunIdle; negative: never).
	FlowRunIdle time.Duration
	// MaxToolRounds and HistoryTokens tune the AI agent's turn (see
	// agent.Options).
	MaxToolRounds, HistoryTokens int
	// LockTTL is the turn lease (default 2 min), renewed while the turn
	// runs; LockWait bounds the wait for another turn (default 2 min).
	LockTTL, LockWait time.Duration
	// Now tells the time (tests fix it).
	Now func() time.Time
}

// Runtime handles the messages of every conversation of a store.
type Runtime struct {
	store store.Store
	// snap is store with the workspace's entities served from a snapshot
	// while its version is unchanged: what turns read through.
	snap   *snapshot.Store
	opts   Options
	tools  *tools.Catalogue
	agent  *agent.Agent
	router *dsl.Router
	hub    *hub
	// holder names this process for turn leases (and its live notices).
	holder string
	// remote is set while Listen runs: live-only items are then sent to
	// other processes through live.
	remote atomic.Bool
	live   chan string
}

// New wires a runtime on s: the action catalogue (with the model-backed
// summarizer, the mailer and knowledge search), the AI agent and the flow
// router, all sharing that one catalogue.
func New(s store.Store, opts Options) *Runtime {
	if opts.LockTTL == 0 {
		opts.LockTTL = 2 * time.Minute
	}
	if opts.LockWait == 0 {
		opts.LockWait = 2 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxMessageBytes == 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.Transcriber == nil {
		opts.Transcriber, _ = opts.Model.(agent.Transcriber)
	}
	topts := tools.Options{Mailer: opts.Mailer, Production: opts.Production, HTTPTransport: opts.HTTPTransport}
	var routerModel dsl.Model
	if opts.Model != nil {
		topts.Summarizer = &agent.Summarizer{Model: opts.Model}
		routerModel = completer{opts.Model}
	}
	if opts.Embedder != nil {
		topts.Knowledge = &rag.Searcher{Store: s, Embedder: opts.Embedder}
	}
	snap := snapshot.New(s)
	cat := tools.New(snap, topts)
	return &Runtime{
		store: s, snap: snap, opts: opts, tools: cat, hub: newHub(), holder: newHolder(), live: make(chan string, 1024),
		agent: agent.New(snap, agent.Options{Model: opts.Model, Tools: cat, Knowledge: topts.Knowledge,
			MaxToolRounds: opts.MaxToolRounds, HistoryTokens: opts.HistoryTokens, Now: opts.Now}),
		router: dsl.NewRouter(snap, cat, dsl.RouterOptions{Model: routerModel, ExitWords: opts.ExitWords, Production: opts.Production,
			RunIdle: opts.FlowRunIdle}),
	}
}

// Store returns the runtime's store.
func (r *Runtime) Store() store.Store { return r.store }

// Tools returns the runtime's action catalogue: humans' actions (the
// inbox) go through it too.
func (r *Runtime) Tools() *tools.Catalogue { return r.tools }

// Router returns the runtime's flow router.
func (r *Runtime) Router() *dsl.Router { return r.router }

// HasModel reports whether an AI agent can answer.
func (r *Runtime) HasModel() bool { return r.opts.Model != nil }

func newHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Model returns the runtime's chat model (nil without an endpoint).
func (r *Runtime) Model() agent.Model { return r.opts.Model }
