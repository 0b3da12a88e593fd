package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/workspace"
)

// Store kinds.
const (
	kindSQLite   = "sqlite"
	kindPostgres = "postgres"
)

// storeName is how the table names a store kind.
func storeName(kind string) string {
	if kind == kindPostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// causerieStore is a fresh store of its own for one Causerie runtime:
// SQLite in a temporary directory, or a new PostgreSQL database (named
// after the benchmark's database, this process and the runtime), so that
// its processes' CPU can be told apart, and no notification (NOTIFY is
// per database) crosses from one runtime to another; drop removes it.
type causerieStore struct {
	kind string
	// at is the SQLite file, or the PostgreSQL database's URL.
	at string
	// database is the PostgreSQL database's name.
	database string
	drop     func()
}

func newCauserieStore(ctx context.Context, kind, databaseURL, role string) (*causerieStore, error) {
	switch kind {
	case kindSQLite:
		dir, err := os.MkdirTemp("", "peers-sqlite-*")
		if err != nil {
			return nil, err
		}
		return &causerieStore{kind: kind, at: filepath.Join(dir, "causerie.db"), drop: func() { _ = os.RemoveAll(dir) }}, nil
	case kindPostgres:
		if err := ensureDatabase(ctx, databaseURL); err != nil {
			return nil, err
		}
		cfg, err := pgx.ParseConfig(databaseURL)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%s_%d_%s", cfg.Database, os.Getpid(), role)
		admin, err := pgx.Connect(ctx, databaseURL)
		if err != nil {
			return nil, postgresHint(err, databaseURL)
		}
		defer admin.Close(ctx)
		ident := pgx.Identifier{name}.Sanitize()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			return nil, err
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
			return nil, err
		}
		u, err := url.Parse(databaseURL)
		if err != nil {
			return nil, err
		}
		u.Path = "/" + name
		drop := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if c, err := pgx.Connect(ctx, databaseURL); err == nil {
				_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
				_ = c.Close(ctx)
			}
		}
		return &causerieStore{kind: kind, at: u.String(), database: name, drop: drop}, nil
	}
	return nil, fmt.Errorf("unknown store %q", kind)
}

// ensureDatabase creates the database of databaseURL when it does not
// exist (pgvector must be installed on the server: scripts/postgres.sh).
func ensureDatabase(ctx context.Context, databaseURL string) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err == nil {
		return conn.Close(ctx)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "3D000" { // invalid_catalog_name
		return postgresHint(err, databaseURL)
	}
	cfg, perr := pgx.ParseConfig(databaseURL)
	if perr != nil {
		return perr
	}
	name := cfg.Database
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return postgresHint(err, databaseURL)
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

func postgresHint(err error, databaseURL string) error {
	return fmt.Errorf("PostgreSQL at %s: %w\n(start it and install pgvector with scripts/postgres.sh from the repository's root — "+
		"`make bench-peers` does —, or point -database-url / PEERS_DATABASE_URL at a server with pgvector)", databaseURL, err)
}

func openStore(ctx context.Context, kind, at string) (store.Store, error) {
	if kind == kindPostgres {
		return postgres.Open(ctx, at)
	}
	return sqlite.Open(ctx, at)
}

// applyWorkspace applies the workspace file to s and returns the
// workspace and its first AI agent.
func applyWorkspace(ctx context.Context, s store.Store, path string) (*store.Workspace, *store.AIAgent, error) {
	f, err := workspace.Load(path)
	if err != nil {
		return nil, nil, err
	}
	res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
	if err != nil {
		return nil, nil, err
	}
	agents, err := s.ListAIAgents(ctx, res.Workspace.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(agents) == 0 {
		return nil, nil, fmt.Errorf("%s has no AI agent", path)
	}
	return res.Workspace, agents[0], nil
}

// checkContact checks that a turn's tools ran on the contact: the field
// updated and the tag added, as read back from the store.
func checkContact(ctx context.Context, s store.Store, wsID, contactID string) error {
	c, err := s.GetContact(ctx, wsID, contactID)
	if err != nil {
		return err
	}
	if v, ok := c.Fields["budget"].(float64); !ok || v != 150 {
		return fmt.Errorf("contact %s: budget is %v, want 150 (update_contact_fields did not run)", contactID, c.Fields["budget"])
	}
	if !slices.Contains(c.Tags, "coloration") {
		return fmt.Errorf("contact %s: tags %v lack coloration (tag_contact did not run)", contactID, c.Tags)
	}
	return nil
}

// causerieInProcess drives conversation.Runtime.Handle, as
// conversation's BenchmarkTurn does: the real pipeline (message stored
// with the turn lease, flow/trigger/rule stages, the AI agent's turn with
// the model streaming, the two actions, the reply), one new conversation
// (and contact) per turn, created before the measured part.
type causerieInProcess struct {
	kind    string
	st      *causerieStore
	s       store.Store
	rt      *conversation.Runtime
	ws      *store.Workspace
	agentID string
}

func newCauserieInProcess(ctx context.Context, kind string, cfg config, modelURL string) (*causerieInProcess, error) {
	st, err := newCauserieStore(ctx, kind, cfg.databaseURL, "inprocess")
	if err != nil {
		return nil, err
	}
	s, err := openStore(ctx, kind, st.at)
	if err != nil {
		st.drop()
		return nil, err
	}
	ws, ag, err := applyWorkspace(ctx, s, cfg.workspace)
	if err != nil {
		s.Close()
		st.drop()
		return nil, err
	}
	// As BenchmarkTurn: the OpenAI-compatible client with its defaults.
	model := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: modelURL})
	rt := conversation.New(s, conversation.Options{Model: model})
	return &causerieInProcess{kind: kind, st: st, s: s, rt: rt, ws: ws, agentID: ag.ID}, nil
}

func (c *causerieInProcess) name() string     { return "Causerie, in process" }
func (c *causerieInProcess) store() string    { return storeName(c.kind) }
func (c *causerieInProcess) database() string { return c.st.database }

func (c *causerieInProcess) close() {
	c.s.Close()
	c.st.drop()
}

func (c *causerieInProcess) block(ctx context.Context, turns, concurrency int, m meter) (*blockResult, error) {
	convs := make([]*store.Conversation, turns)
	for i := range convs {
		contact := &store.Contact{WorkspaceID: c.ws.ID, Name: "Camille Petit", Email: "camille@example.fr"}
		if err := c.s.CreateContact(ctx, contact); err != nil {
			return nil, err
		}
		conv := &store.Conversation{WorkspaceID: c.ws.ID, ContactID: contact.ID, Channel: "web",
			Assignee: store.Assignee{Type: store.AssigneeAIAgent, ID: c.agentID}}
		if err := c.s.CreateConversation(ctx, conv); err != nil {
			return nil, err
		}
		convs[i] = conv
	}
	m.start()
	cpu0 := selfCPU()
	lat, wall, err := drive(ctx, turns, concurrency, func(ctx context.Context, i int) error {
		out, err := c.rt.Handle(ctx, conversation.Inbound{WorkspaceID: c.ws.ID, ConversationID: convs[i].ID, Text: visitorMessage})
		if err != nil {
			return err
		}
		if out.Reply == nil || len(out.Actions) != 2 || out.Fallback {
			return fmt.Errorf("turn %d: reply %v, %d actions, fallback %v (%s)", i, out.Reply != nil, len(out.Actions), out.Fallback, out.FallbackCause)
		}
		return nil
	})
	cpu := selfCPU() - cpu0
	m.stop()
	if err != nil {
		return nil, err
	}
	for _, conv := range convs {
		if err := checkContact(ctx, c.s, c.ws.ID, conv.ContactID); err != nil {
			return nil, err
		}
	}
	return &blockResult{latencies: lat, wall: wall, cpu: cpu, toolRuns: 2 * turns}, nil
}

// causerieHTTPChild builds, in the child process, what `causerie serve`
// runs: the runtime on the store (its model wrapped in the server's
// metrics), Listen (PostgreSQL's notifications), and the HTTP API — with
// the rate limits off, since the benchmark posts fast from one address.
func causerieHTTPChild(ctx context.Context, kind, at, modelURL string) (http.Handler, func(), error) {
	s, err := openStore(ctx, kind, at)
	if err != nil {
		return nil, nil, err
	}
	metrics := server.NewMetrics()
	rt := conversation.New(s, conversation.Options{Model: metrics.Model(agent.NewOpenAI(agent.OpenAIConfig{BaseURL: modelURL}))})
	srv := server.New(rt, server.Options{Metrics: metrics, Limits: server.Limits{IPRate: -1, VisitorRate: -1}})
	listenCtx, stopListen := context.WithCancel(ctx)
	ready := make(chan struct{})
	go func() { _ = rt.Listen(listenCtx, func() { close(ready) }) }()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		stopListen()
		s.Close()
		return nil, nil, errors.New("the runtime could not listen for the store's notifications within 10 s")
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		stopListen()
		s.Close()
	}
	return srv, stop, nil
}

// causerieHTTP posts each visitor message with ?wait=true to Causerie's
// HTTP API in a child process, as server's BenchmarkMessageWait does: one
// new conversation per message, opened through the API (POST
// …/conversations) before the measured part. CPU is the server
// process's.
type causerieHTTP struct {
	kind   string
	st     *causerieStore
	s      store.Store // the parent's handle, to read the contacts back
	ws     *store.Workspace
	srv    *child
	client *http.Client
}

func newCauserieHTTP(ctx context.Context, kind string, cfg config, modelURL string) (*causerieHTTP, error) {
	st, err := newCauserieStore(ctx, kind, cfg.databaseURL, "http")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*causerieHTTP, error) { st.drop(); return nil, err }
	s, err := openStore(ctx, kind, st.at)
	if err != nil {
		return fail(err)
	}
	ws, _, err := applyWorkspace(ctx, s, cfg.workspace)
	if kind == kindSQLite { // the server process opens the file first; the parent only reads
		s.Close()
		s = nil
	}
	if err != nil {
		if s != nil {
			s.Close()
		}
		return fail(err)
	}
	srv, err := startChild(childCauserie, "PEERS_STORE="+kind, "PEERS_STORE_AT="+st.at, "PEERS_MODEL_URL="+modelURL)
	if err != nil {
		if s != nil {
			s.Close()
		}
		return fail(err)
	}
	if s == nil {
		// Not OpenReadOnly: it opens the file as immutable, blind to the
		// server's writes in the WAL. This handle only reads.
		if s, err = sqlite.Open(ctx, st.at); err != nil {
			srv.stop()
			return fail(err)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &causerieHTTP{kind: kind, st: st, s: s, ws: ws, srv: srv, client: &http.Client{Transport: tr, Timeout: time.Minute}}, nil
}

func (c *causerieHTTP) name() string     { return "Causerie, HTTP API" }
func (c *causerieHTTP) store() string    { return storeName(c.kind) }
func (c *causerieHTTP) database() string { return c.st.database }

func (c *causerieHTTP) close() {
	c.srv.stop()
	c.s.Close()
	c.st.drop()
}

type visitorConv struct{ id, token string }

func (c *causerieHTTP) post(ctx context.Context, path, token string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return b, res.StatusCode, err
}

func (c *causerieHTTP) block(ctx context.Context, turns, concurrency int, m meter) (*blockResult, error) {
	base := "/v1/workspaces/" + c.ws.Slug + "/conversations"
	convs := make([]visitorConv, turns)
	for i := range convs {
		b, status, err := c.post(ctx, base, "", []byte(`{}`))
		if err != nil {
			return nil, err
		}
		var created server.CreatedConversation
		if status != http.StatusCreated || json.Unmarshal(b, &created) != nil {
			return nil, fmt.Errorf("POST %s: %d %s", base, status, b)
		}
		convs[i] = visitorConv{id: created.Conversation.ID, token: created.Token}
	}
	body, _ := json.Marshal(server.PostMessageRequest{Text: visitorMessage})
	m.start()
	cpu0, err := c.srv.cpu()
	if err != nil {
		return nil, err
	}
	lat, wall, err := drive(ctx, turns, concurrency, func(ctx context.Context, i int) error {
		b, status, err := c.post(ctx, base+"/"+convs[i].id+"/messages?wait=true", convs[i].token, body)
		if err != nil {
			return err
		}
		if status != http.StatusOK || !bytes.Contains(b, []byte(`"tag_contact"`)) || !bytes.Contains(b, []byte(`"update_contact_fields"`)) ||
			!bytes.Contains(b, []byte(`C'est noté`)) {
			return fmt.Errorf("turn %d: %d %s", i, status, b)
		}
		return nil
	})
	cpu1, cerr := c.srv.cpu()
	m.stop()
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		return nil, cerr
	}
	for _, v := range convs {
		conv, err := c.s.GetConversation(ctx, c.ws.ID, v.id)
		if err != nil {
			return nil, err
		}
		if err := checkContact(ctx, c.s, c.ws.ID, conv.ContactID); err != nil {
			return nil, err
		}
	}
	return &blockResult{latencies: lat, wall: wall, cpu: cpu1 - cpu0, toolRuns: 2 * turns}, nil
}
