package storetest

import (
	"errors"
	"testing"

	"github.com/causerie/causerie/store"
)

// populate creates one of every entity in w and returns them.
type population struct {
	user    *store.User
	team    *store.Team
	agent   *store.AIAgent
	field   *store.ContactField
	stage   *store.LifecycleStage
	label   *store.Label
	kb      *store.KnowledgeBase
	contact *store.Contact
	conv    *store.Conversation
	task    *store.Task
}

func populate(t *testing.T, s store.Queries, w *store.Workspace) population {
	t.Helper()
	var p population
	p.user = newUsers(t, s, w, "marie@salon.fr")[0]
	p.team = &store.Team{WorkspaceID: w.ID, Name: "Ventes", MemberIDs: []string{p.user.ID}}
	must(t, s.CreateTeam(ctx, p.team))
	p.agent = &store.AIAgent{WorkspaceID: w.ID, Name: "Agent"}
	must(t, s.CreateAIAgent(ctx, p.agent))
	p.field = &store.ContactField{WorkspaceID: w.ID, Key: "budget", Name: "Budget", Type: store.FieldNumber}
	must(t, s.CreateContactField(ctx, p.field))
	p.stage = &store.LifecycleStage{WorkspaceID: w.ID, Name: "Client"}
	must(t, s.CreateLifecycleStage(ctx, p.stage))
	p.label = &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "vip"}
	must(t, s.CreateLabel(ctx, p.label))
	p.kb = &store.KnowledgeBase{WorkspaceID: w.ID, Name: "FAQ"}
	must(t, s.CreateKnowledgeBase(ctx, p.kb))
	p.conv = NewConversation(t, s, w)
	p.contact, _ = s.GetContact(ctx, w.ID, p.conv.ContactID)
	must(t, s.AppendMessage(ctx, &store.Message{WorkspaceID: w.ID, ConversationID: p.conv.ID, Role: store.RoleVisitor, Text: "Bonjour"}))
	must(t, s.AppendEvent(ctx, &store.Event{WorkspaceID: w.ID, ConversationID: p.conv.ID, Type: "conversation.opened"}))
	must(t, s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: p.conv.ID, Kind: "message"}))
	p.task = &store.Task{WorkspaceID: w.ID, Title: "Rappeler"}
	must(t, s.CreateTask(ctx, p.task))
	return p
}

// Nothing of workspace A is visible, changeable or deletable through
// workspace B, even knowing its IDs.
func testWorkspaceIsolation(t *testing.T, s store.Store) {
	a, b := NewWorkspace(t, s), NewWorkspace(t, s)
	p := populate(t, s, a)
	B := b.ID

	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s through workspace B: got %v, want ErrNotFound", what, err)
		}
	}
	_, err := s.GetUser(ctx, B, p.user.ID)
	notFound("GetUser", err)
	_, err = s.GetTeam(ctx, B, p.team.ID)
	notFound("GetTeam", err)
	_, err = s.GetAIAgent(ctx, B, p.agent.ID)
	notFound("GetAIAgent", err)
	_, err = s.GetContact(ctx, B, p.contact.ID)
	notFound("GetContact", err)
	_, err = s.GetConversation(ctx, B, p.conv.ID)
	notFound("GetConversation", err)
	_, err = s.GetTask(ctx, B, p.task.ID)
	notFound("GetTask", err)
	_, err = s.LockTeam(ctx, B, p.team.ID)
	notFound("LockTeam", err)
	_, err = s.LockContact(ctx, B, p.contact.ID)
	notFound("LockContact", err)
	_, err = s.LockConversation(ctx, B, p.conv.ID)
	notFound("LockConversation", err)
	notFound("SetTeamCursor", s.SetTeamCursor(ctx, B, p.team.ID, 3))
	_, err = s.SetContactFields(ctx, B, p.contact.ID, map[string]any{"budget": 1})
	notFound("SetContactFields", err)
	notFound("AppendMessage", s.AppendMessage(ctx, &store.Message{WorkspaceID: B, ConversationID: p.conv.ID, Role: store.RoleVisitor}))
	notFound("AppendStreamEvent", s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: B, ConversationID: p.conv.ID, Kind: "message"}))

	// Updates through B touch nothing.
	u := *p.user
	u.WorkspaceID = B
	notFound("UpdateUser", s.UpdateUser(ctx, &u))
	tm := *p.team
	tm.WorkspaceID = B
	notFound("UpdateTeam", s.UpdateTeam(ctx, &tm))
	ag := *p.agent
	ag.WorkspaceID = B
	notFound("UpdateAIAgent", s.UpdateAIAgent(ctx, &ag))
	f := *p.field
	f.WorkspaceID = B
	notFound("UpdateContactField", s.UpdateContactField(ctx, &f))
	st := *p.stage
	st.WorkspaceID = B
	notFound("UpdateLifecycleStage", s.UpdateLifecycleStage(ctx, &st))
	l := *p.label
	l.WorkspaceID = B
	notFound("UpdateLabel", s.UpdateLabel(ctx, &l))
	kb := *p.kb
	kb.WorkspaceID = B
	notFound("UpdateKnowledgeBase", s.UpdateKnowledgeBase(ctx, &kb))
	c := *p.contact
	c.WorkspaceID = B
	notFound("UpdateContact", s.UpdateContact(ctx, &c))
	cv := *p.conv
	cv.WorkspaceID = B
	notFound("UpdateConversation", s.UpdateConversation(ctx, &cv))
	tk := *p.task
	tk.WorkspaceID = B
	notFound("UpdateTask", s.UpdateTask(ctx, &tk))

	// Deletes through B delete nothing.
	notFound("DeleteUser", s.DeleteUser(ctx, B, p.user.ID))
	notFound("DeleteTeam", s.DeleteTeam(ctx, B, p.team.ID))
	notFound("DeleteAIAgent", s.DeleteAIAgent(ctx, B, p.agent.ID))
	notFound("DeleteContactField", s.DeleteContactField(ctx, B, p.field.ID))
	notFound("DeleteLifecycleStage", s.DeleteLifecycleStage(ctx, B, p.stage.ID))
	notFound("DeleteLabel", s.DeleteLabel(ctx, B, p.label.ID))
	notFound("DeleteKnowledgeBase", s.DeleteKnowledgeBase(ctx, B, p.kb.ID))
	notFound("DeleteContact", s.DeleteContact(ctx, B, p.contact.ID))
	notFound("DeleteConversation", s.DeleteConversation(ctx, B, p.conv.ID))
	notFound("DeleteTask", s.DeleteTask(ctx, B, p.task.ID))

	// Lists through B are empty.
	counts := listAll(t, s, B, p.conv.ID)
	for what, n := range counts {
		if n != 0 {
			t.Errorf("workspace B lists %d %s of workspace A", n, what)
		}
	}
	// And A still has everything.
	for what, n := range listAll(t, s, a.ID, p.conv.ID) {
		if n != 1 {
			t.Errorf("workspace A has %d %s after B's attempts, want 1", n, what)
		}
	}
}

// listAll counts every list of workspace ws.
func listAll(t *testing.T, s store.Queries, ws, convID string) map[string]int {
	t.Helper()
	n := map[string]int{}
	count := func(what string, l int, err error) {
		t.Helper()
		must(t, err)
		n[what] = l
	}
	users, err := s.ListUsers(ctx, ws)
	count("users", len(users), err)
	teams, err := s.ListTeams(ctx, ws)
	count("teams", len(teams), err)
	agents, err := s.ListAIAgents(ctx, ws)
	count("AI agents", len(agents), err)
	fields, err := s.ListContactFields(ctx, ws)
	count("fields", len(fields), err)
	stages, err := s.ListLifecycleStages(ctx, ws)
	count("stages", len(stages), err)
	labels, err := s.ListLabels(ctx, ws, store.Tag)
	count("tags", len(labels), err)
	kbs, err := s.ListKnowledgeBases(ctx, ws)
	count("knowledge bases", len(kbs), err)
	contacts, err := s.ListContacts(ctx, ws, store.ContactFilter{})
	count("contacts", len(contacts), err)
	convs, err := s.ListConversations(ctx, ws, store.ConversationFilter{})
	count("conversations", len(convs), err)
	msgs, err := s.ListMessages(ctx, ws, convID, store.MessageFilter{})
	count("messages", len(msgs), err)
	events, err := s.ListEvents(ctx, ws, store.EventFilter{})
	count("events", len(events), err)
	stream, err := s.ListStreamEvents(ctx, ws, convID, 0, 0)
	count("stream events", len(stream), err)
	tasks, err := s.ListTasks(ctx, ws, store.TaskFilter{})
	count("tasks", len(tasks), err)
	return n
}

var errAbort = errors.New("abort")

// An error inside InTx rolls back every write made in it.
func testTransactionRollback(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	err := s.InTx(ctx, func(q store.Queries) error {
		populate(t, q, w)
		return errAbort
	})
	wantErr(t, err, errAbort)
	assertEmpty(t, s, w)
}

func assertEmpty(t *testing.T, s store.Store, w *store.Workspace) {
	t.Helper()
	for what, n := range listAll(t, s, w.ID, "") {
		if n != 0 {
			t.Errorf("%d %s survived the rollback", n, what)
		}
	}
}

// A panic inside InTx rolls back and propagates.
func testTransactionPanic(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic to propagate", r)
			}
		}()
		_ = s.InTx(ctx, func(q store.Queries) error {
			populate(t, q, w)
			panic("boom")
		})
	}()
	assertEmpty(t, s, w)
	// The store is still usable afterwards.
	populate(t, s, w)
}

// A failing multi-row write inside a larger transaction fails it whole;
// a successful one commits everything.
func testTransactionCommit(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	err := s.InTx(ctx, func(q store.Queries) error {
		u := newUsers(t, q, w, "a@x.fr")[0]
		return q.CreateTeam(ctx, &store.Team{WorkspaceID: w.ID, Name: "T", MemberIDs: []string{u.ID, "usr_missing"}})
	})
	wantErr(t, err, store.ErrNotFound)
	assertEmpty(t, s, w)

	var p population
	must(t, s.InTx(ctx, func(q store.Queries) error {
		p = populate(t, q, w)
		// Reads inside the transaction see its own writes.
		_, err := q.GetTeam(ctx, w.ID, p.team.ID)
		return err
	}))
	for what, n := range listAll(t, s, w.ID, p.conv.ID) {
		if n != 1 {
			t.Errorf("%d %s after commit, want 1", n, what)
		}
	}
}

func testDeleteWorkspaceCascades(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	p := populate(t, s, w)
	must(t, s.DeleteWorkspace(ctx, w.ID))
	for what, n := range listAll(t, s, w.ID, p.conv.ID) {
		if n != 0 {
			t.Errorf("%d %s survived their workspace", n, what)
		}
	}
}
