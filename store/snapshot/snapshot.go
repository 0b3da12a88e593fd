// Package snapshot serves the workspace entities an AI agent's turn reads —
// the workspace, its users, teams, AI agents, contact fields, lifecycle
// stages, labels, knowledge bases, flows and response rules — from memory,
// for as long as the workspace's version is unchanged.
//
// The version (store.Workspace.Version) is bumped by the database in the
// same transaction as any change to those entities (migration 00009's
// triggers), whichever process or replica makes it. A turn learns the
// current version with its first statement (LockConversation reads it
// with the conversation) and with every action's contact lock; the
// snapshot of an older version is dropped and reloaded. So a turn never
// sees names older than those committed when it started, and an action
// never validates against names older than those committed when it
// locked its contact — and most turns read none of them from the
// database.
//
// Only work that carries a tracker (Track) is served from the snapshot:
// the pipeline's turns. Everything else (the admin API, apply, export)
// reads through to the store.
//
// The lists served are shared by concurrent turns: callers must not
// change them (sort a copy, edit a copy).
package snapshot

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/causerie/causerie/store"
)

// Store is a store whose workspace-entity reads, under a tracker, come
// from the snapshot of the version the tracker saw.
type Store struct {
	store.Store
	mu    sync.Mutex
	byWS  map[string]*entry
	loads atomic.Int64
}

// New returns the snapshot store over s.
func New(s store.Store) *Store { return &Store{Store: s, byWS: map[string]*entry{}} }

// Loads counts the lists loaded from the database (a test can tell a
// snapshot that is reused from one that is reloaded).
func (s *Store) Loads() int64 { return s.loads.Load() }

// entry is one workspace's snapshot: the lists loaded so far at version.
type entry struct {
	mu      sync.Mutex
	version int64
	lists   map[string]any
}

type trackerKey struct{}

// tracker holds the newest version of each workspace a piece of work saw.
type tracker struct {
	mu   sync.Mutex
	seen map[string]int64
}

// Track returns ctx with a tracker: the snapshot store serves the
// workspace-entity reads of work under it, once it has seen a version.
// A ctx already tracked is returned as it is.
func Track(ctx context.Context) context.Context {
	if ctx.Value(trackerKey{}) != nil {
		return ctx
	}
	return context.WithValue(ctx, trackerKey{}, &tracker{seen: map[string]int64{}})
}

// Saw records that the work of ctx read version of the workspace (a read
// made through the plain store); versions only move forward.
func Saw(ctx context.Context, workspaceID string, version int64) {
	t, _ := ctx.Value(trackerKey{}).(*tracker)
	if t == nil || version <= 0 {
		return
	}
	t.mu.Lock()
	if version > t.seen[workspaceID] {
		t.seen[workspaceID] = version
	}
	t.mu.Unlock()
}

// seen returns the version the work of ctx saw, 0 if none.
func seen(ctx context.Context, workspaceID string) int64 {
	t, _ := ctx.Value(trackerKey{}).(*tracker)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen[workspaceID]
}

// cached returns the list name of workspace ws: from the snapshot when the
// work of ctx saw a version, loading it with load on first use at that
// version; from load otherwise.
func cached[T any](s *Store, ctx context.Context, ws, name string, load func() (T, error)) (T, error) {
	v := seen(ctx, ws)
	if v == 0 {
		return load()
	}
	s.mu.Lock()
	e := s.byWS[ws]
	if e == nil {
		e = &entry{}
		s.byWS[ws] = e
	}
	s.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if v > e.version {
		// A newer version: what was loaded may be stale. (A work that saw
		// an older version than the snapshot's is served the newer lists.)
		e.version, e.lists = v, map[string]any{}
	}
	if x, ok := e.lists[name]; ok {
		return x.(T), nil
	}
	x, err := load()
	if err != nil {
		return x, err
	}
	s.loads.Add(1)
	e.lists[name] = x
	return x, nil
}

// reads are the methods served from the snapshot, shared by Store and
// the Queries of its transactions: q reads through.
type reads struct {
	s *Store
	q store.Queries
}

func (r reads) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	w, err := cached(r.s, ctx, id, "workspace", func() (*store.Workspace, error) { return r.q.GetWorkspace(ctx, id) })
	if err == nil {
		Saw(ctx, id, w.Version)
	}
	return w, err
}

func (r reads) ListUsers(ctx context.Context, ws string) ([]*store.User, error) {
	return cached(r.s, ctx, ws, "users", func() ([]*store.User, error) { return r.q.ListUsers(ctx, ws) })
}

func (r reads) ListTeams(ctx context.Context, ws string) ([]*store.Team, error) {
	return cached(r.s, ctx, ws, "teams", func() ([]*store.Team, error) { return r.q.ListTeams(ctx, ws) })
}

func (r reads) ListAIAgents(ctx context.Context, ws string) ([]*store.AIAgent, error) {
	return cached(r.s, ctx, ws, "ai_agents", func() ([]*store.AIAgent, error) { return r.q.ListAIAgents(ctx, ws) })
}

func (r reads) GetAIAgent(ctx context.Context, ws, id string) (*store.AIAgent, error) {
	if seen(ctx, ws) == 0 {
		return r.q.GetAIAgent(ctx, ws, id)
	}
	agents, err := r.ListAIAgents(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		if a.ID == id {
			return a, nil
		}
	}
	return r.q.GetAIAgent(ctx, ws, id) // its error says what is missing
}

func (r reads) ListContactFields(ctx context.Context, ws string) ([]*store.ContactField, error) {
	return cached(r.s, ctx, ws, "contact_fields", func() ([]*store.ContactField, error) { return r.q.ListContactFields(ctx, ws) })
}

func (r reads) ListLifecycleStages(ctx context.Context, ws string) ([]*store.LifecycleStage, error) {
	return cached(r.s, ctx, ws, "lifecycle_stages", func() ([]*store.LifecycleStage, error) { return r.q.ListLifecycleStages(ctx, ws) })
}

func (r reads) ListLabels(ctx context.Context, ws string, kind store.LabelKind) ([]*store.Label, error) {
	return cached(r.s, ctx, ws, "labels/"+string(kind), func() ([]*store.Label, error) { return r.q.ListLabels(ctx, ws, kind) })
}

func (r reads) ListKnowledgeBases(ctx context.Context, ws string) ([]*store.KnowledgeBase, error) {
	return cached(r.s, ctx, ws, "knowledge_bases", func() ([]*store.KnowledgeBase, error) { return r.q.ListKnowledgeBases(ctx, ws) })
}

func (r reads) ListFlows(ctx context.Context, ws string, f store.FlowFilter) ([]*store.Flow, error) {
	name := "flows"
	if f.EnabledOnly {
		name = "flows/enabled"
	}
	return cached(r.s, ctx, ws, name, func() ([]*store.Flow, error) { return r.q.ListFlows(ctx, ws, f) })
}

func (r reads) ListResponseRules(ctx context.Context, ws string) ([]*store.ResponseRule, error) {
	return cached(r.s, ctx, ws, "response_rules", func() ([]*store.ResponseRule, error) { return r.q.ListResponseRules(ctx, ws) })
}

// The row locks read the workspace's version with the row: the work
// under a tracker sees a change committed before it locked.

func (r reads) LockConversation(ctx context.Context, ws, id string) (*store.Conversation, error) {
	c, err := r.q.LockConversation(ctx, ws, id)
	if err == nil {
		Saw(ctx, ws, c.WorkspaceVersion)
	}
	return c, err
}

func (r reads) LockContact(ctx context.Context, ws, id string) (*store.Contact, error) {
	c, err := r.q.LockContact(ctx, ws, id)
	if err == nil {
		Saw(ctx, ws, c.WorkspaceVersion)
	}
	return c, err
}

// InTx runs fn in a transaction whose Queries serve the same reads from
// the snapshot.
func (s *Store) InTx(ctx context.Context, fn func(q store.Queries) error) error {
	return s.Store.InTx(ctx, func(q store.Queries) error { return fn(&queries{Queries: q, reads: reads{s: s, q: q}}) })
}

// queries are a transaction's Queries with the snapshot's reads.
type queries struct {
	store.Queries
	reads reads
}

// The served reads, on the store and on its transactions.

func (s *Store) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	return reads{s: s, q: s.Store}.GetWorkspace(ctx, id)
}

func (q *queries) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	return q.reads.GetWorkspace(ctx, id)
}

func (s *Store) ListUsers(ctx context.Context, ws string) ([]*store.User, error) {
	return reads{s: s, q: s.Store}.ListUsers(ctx, ws)
}

func (q *queries) ListUsers(ctx context.Context, ws string) ([]*store.User, error) {
	return q.reads.ListUsers(ctx, ws)
}

func (s *Store) ListTeams(ctx context.Context, ws string) ([]*store.Team, error) {
	return reads{s: s, q: s.Store}.ListTeams(ctx, ws)
}

func (q *queries) ListTeams(ctx context.Context, ws string) ([]*store.Team, error) {
	return q.reads.ListTeams(ctx, ws)
}

func (s *Store) ListAIAgents(ctx context.Context, ws string) ([]*store.AIAgent, error) {
	return reads{s: s, q: s.Store}.ListAIAgents(ctx, ws)
}

func (q *queries) ListAIAgents(ctx context.Context, ws string) ([]*store.AIAgent, error) {
	return q.reads.ListAIAgents(ctx, ws)
}

func (s *Store) GetAIAgent(ctx context.Context, ws, id string) (*store.AIAgent, error) {
	return reads{s: s, q: s.Store}.GetAIAgent(ctx, ws, id)
}

func (q *queries) GetAIAgent(ctx context.Context, ws, id string) (*store.AIAgent, error) {
	return q.reads.GetAIAgent(ctx, ws, id)
}

func (s *Store) ListContactFields(ctx context.Context, ws string) ([]*store.ContactField, error) {
	return reads{s: s, q: s.Store}.ListContactFields(ctx, ws)
}

func (q *queries) ListContactFields(ctx context.Context, ws string) ([]*store.ContactField, error) {
	return q.reads.ListContactFields(ctx, ws)
}

func (s *Store) ListLifecycleStages(ctx context.Context, ws string) ([]*store.LifecycleStage, error) {
	return reads{s: s, q: s.Store}.ListLifecycleStages(ctx, ws)
}

func (q *queries) ListLifecycleStages(ctx context.Context, ws string) ([]*store.LifecycleStage, error) {
	return q.reads.ListLifecycleStages(ctx, ws)
}

func (s *Store) ListLabels(ctx context.Context, ws string, kind store.LabelKind) ([]*store.Label, error) {
	return reads{s: s, q: s.Store}.ListLabels(ctx, ws, kind)
}

func (q *queries) ListLabels(ctx context.Context, ws string, kind store.LabelKind) ([]*store.Label, error) {
	return q.reads.ListLabels(ctx, ws, kind)
}

func (s *Store) ListKnowledgeBases(ctx context.Context, ws string) ([]*store.KnowledgeBase, error) {
	return reads{s: s, q: s.Store}.ListKnowledgeBases(ctx, ws)
}

func (q *queries) ListKnowledgeBases(ctx context.Context, ws string) ([]*store.KnowledgeBase, error) {
	return q.reads.ListKnowledgeBases(ctx, ws)
}

func (s *Store) ListFlows(ctx context.Context, ws string, f store.FlowFilter) ([]*store.Flow, error) {
	return reads{s: s, q: s.Store}.ListFlows(ctx, ws, f)
}

func (q *queries) ListFlows(ctx context.Context, ws string, f store.FlowFilter) ([]*store.Flow, error) {
	return q.reads.ListFlows(ctx, ws, f)
}

func (s *Store) ListResponseRules(ctx context.Context, ws string) ([]*store.ResponseRule, error) {
	return reads{s: s, q: s.Store}.ListResponseRules(ctx, ws)
}

func (q *queries) ListResponseRules(ctx context.Context, ws string) ([]*store.ResponseRule, error) {
	return q.reads.ListResponseRules(ctx, ws)
}

func (s *Store) LockConversation(ctx context.Context, ws, id string) (*store.Conversation, error) {
	return reads{s: s, q: s.Store}.LockConversation(ctx, ws, id)
}

func (q *queries) LockConversation(ctx context.Context, ws, id string) (*store.Conversation, error) {
	return q.reads.LockConversation(ctx, ws, id)
}

func (s *Store) LockContact(ctx context.Context, ws, id string) (*store.Contact, error) {
	return reads{s: s, q: s.Store}.LockContact(ctx, ws, id)
}

func (q *queries) LockContact(ctx context.Context, ws, id string) (*store.Contact, error) {
	return q.reads.LockContact(ctx, ws, id)
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Queries = (*queries)(nil)
)
