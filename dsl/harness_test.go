package dsl_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

var ctx = context.Background()

// harness is an example workspace on a real store with flows applied, the
// agent with the flow router in front, and one conversation.
type harness struct {
	t      testing.TB
	s      store.Store
	ws     *store.Workspace
	a      *conversation.Runtime
	router *dsl.Router
	conv   *store.Conversation
	flows  map[string]*store.Flow
	progs  map[string]*dsl.Program
	mail   *mailbox
}

type setup struct {
	workspace string   // path of the workspace file
	flows     []string // paths of flow files
	model     agent.Model
	mailer    bool              // a working mailer (else send_email is not configured)
	allow     []string          // http_allowlist
	edit      func(f *dsl.Flow) // changes a flow before it is applied
	opts      func(o *conversation.Options)
}

func newHarness(t testing.TB, s store.Store, su setup) *harness {
	t.Helper()
	wf, err := workspace.Load(su.workspace)
	if err != nil {
		t.Fatal(err)
	}
	wf.Workspace.Slug = storetest.Name(wf.Workspace.Slug)
	wf.Workspace.Settings.HTTPAllowlist = su.allow
	res, err := workspace.Apply(ctx, s, wf, workspace.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, s: s, ws: res.Workspace, flows: map[string]*store.Flow{}, progs: map[string]*dsl.Program{}}
	opts := conversation.Options{Model: su.model}
	if su.mailer {
		h.mail = &mailbox{}
		opts.Mailer = h.mail
	}
	if su.opts != nil {
		su.opts(&opts)
	}
	h.a = conversation.New(s, opts)
	h.router = h.a.Router()
	for _, path := range su.flows {
		f, err := dsl.Load(path, dsl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if su.edit != nil {
			su.edit(f)
		}
		sf, _, err := dsl.Apply(ctx, s, h.ws.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		h.flows[f.ID] = sf
		if h.progs[f.ID], err = h.router.Program(sf); err != nil {
			t.Fatal(err)
		}
	}
	h.conv = h.newConversation("")
	return h
}

// newConversation opens a conversation of a new contact with the
// workspace's first AI agent.
func (h *harness) newConversation(email string) *store.Conversation {
	h.t.Helper()
	agents, err := h.s.ListAIAgents(ctx, h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	conv, err := h.a.Start(ctx, h.ws, &store.Contact{Name: "Camille Petit", Email: email}, "web", agents[0].ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return conv
}

// say sends a visitor message and returns the replies' texts.
func (h *harness) say(text string) []string {
	h.t.Helper()
	out, err := h.a.Handle(ctx, conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: text})
	if err != nil {
		h.t.Fatalf("HandleMessage(%q): %v", text, err)
	}
	var replies []string
	for _, m := range out.Replies {
		replies = append(replies, m.Text)
	}
	return replies
}

// expect sends text and checks that the replies contain each of want.
func (h *harness) expect(text string, want ...string) []string {
	h.t.Helper()
	replies := h.say(text)
	all := strings.Join(replies, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			h.t.Errorf("after %q: replies %q lack %q", text, replies, w)
		}
	}
	return replies
}

func (h *harness) contact() *store.Contact {
	h.t.Helper()
	conv := h.conversation()
	c, err := h.s.GetContact(ctx, h.ws.ID, conv.ContactID)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) conversation() *store.Conversation {
	h.t.Helper()
	c, err := h.s.GetConversation(ctx, h.ws.ID, h.conv.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// run returns the conversation's last flow run.
func (h *harness) run() *store.FlowRun {
	h.t.Helper()
	runs, err := h.s.ListFlowRuns(ctx, h.ws.ID, store.FlowRunFilter{ConversationID: h.conv.ID})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(runs) == 0 {
		h.t.Fatal("no flow run in the conversation")
	}
	return runs[len(runs)-1]
}

// events lists the conversation's event types, in order.
func (h *harness) events() []string {
	h.t.Helper()
	es, err := h.s.ListEvents(ctx, h.ws.ID, store.EventFilter{ConversationID: h.conv.ID})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

func (h *harness) tasks() []*store.Task {
	h.t.Helper()
	ts, err := h.s.ListTasks(ctx, h.ws.ID, store.TaskFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

// teamID returns the id of the team called name.
func (h *harness) teamID(name string) string {
	teams, _ := h.s.ListTeams(ctx, h.ws.ID)
	for _, t := range teams {
		if t.Name == name {
			return t.ID
		}
	}
	h.t.Fatalf("no team %q", name)
	return ""
}

func (h *harness) stageID(name string) string {
	stages, _ := h.s.ListLifecycleStages(ctx, h.ws.ID)
	for _, st := range stages {
		if st.Name == name {
			return st.ID
		}
	}
	h.t.Fatalf("no stage %q", name)
	return ""
}

// finished checks that the conversation's run ended with status, along
// want (a path's trail), and returns the trail.
func (h *harness) finished(status store.FlowRunStatus) []string {
	h.t.Helper()
	r := h.run()
	if r.Status != status {
		h.t.Errorf("run status = %q, want %q (trail %v)", r.Status, status, r.Trail)
	}
	return r.Trail
}

// mailbox is a Mailer that keeps what it is given: the e-mail server of
// these tests (tools' own tests use a real SMTP server).
type mailbox struct {
	mu   sync.Mutex
	sent []tools.Email
}

func (m *mailbox) Send(_ context.Context, e tools.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return nil
}

func (m *mailbox) all() []tools.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

// coverage checks that the walked trails are exactly the flow's paths,
// less those listed as infeasible (with why).
func coverage(t *testing.T, prog *dsl.Program, walked [][]string, infeasible map[string]string) {
	t.Helper()
	want := map[string]bool{}
	for _, p := range prog.Paths(2) {
		key := strings.Join(p.Trail(), " → ")
		if _, skip := infeasible[key]; !skip {
			want[key] = true
		}
	}
	got := map[string]bool{}
	for _, w := range walked {
		key := strings.Join(w, " → ")
		got[key] = true
		if !want[key] {
			t.Errorf("walked a path that Paths does not list (or lists as infeasible): %s", key)
		}
	}
	for key := range want {
		if !got[key] {
			t.Errorf("path not walked: %s", key)
		}
	}
	for key := range infeasible {
		found := false
		for _, p := range prog.Paths(2) {
			if strings.Join(p.Trail(), " → ") == key {
				found = true
			}
		}
		if !found {
			t.Errorf("listed as infeasible but not a path of the flow: %s", key)
		}
	}
}
