package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/causerie/causerie/store"
)

func testContacts(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	c := &store.Contact{
		WorkspaceID: w.ID, Name: "Léa", Email: "lea@example.fr", Phone: "+33612345678",
		Fields: map[string]any{"budget": 120.0, "service": "Coupe"}, Tags: []string{"vip"},
	}
	must(t, s.CreateContact(ctx, c))
	if c.Version != 1 {
		t.Errorf("new contact version = %d, want 1", c.Version)
	}
	got, err := s.GetContact(ctx, w.ID, c.ID)
	must(t, err)
	diff(t, "contact", got, c, timeless(store.Contact{}))

	other := NewContact(t, s, w)
	byEmail, err := s.ListContacts(ctx, w.ID, store.ContactFilter{Email: "lea@example.fr"})
	must(t, err)
	diff(t, "contacts by email", byEmail, []*store.Contact{c}, timeless(store.Contact{}))
	byPhone, err := s.ListContacts(ctx, w.ID, store.ContactFilter{Phone: "+33612345678"})
	must(t, err)
	diff(t, "contacts by phone", byPhone, []*store.Contact{c}, timeless(store.Contact{}))
	all, err := s.ListContacts(ctx, w.ID, store.ContactFilter{})
	must(t, err)
	if len(all) != 2 {
		t.Errorf("ListContacts = %d contacts, want 2", len(all))
	}
	one, err := s.ListContacts(ctx, w.ID, store.ContactFilter{Limit: 1})
	must(t, err)
	if len(one) != 1 {
		t.Errorf("ListContacts with limit 1 = %d contacts", len(one))
	}

	updated, err := s.SetContactFields(ctx, w.ID, c.ID, map[string]any{"budget": 150.0, "service": nil, "bookingdate": "2026-12-01"})
	must(t, err)
	diff(t, "fields after SetContactFields", updated.Fields, map[string]any{"budget": 150.0, "bookingdate": "2026-12-01"})
	if updated.Version != 2 {
		t.Errorf("version after SetContactFields = %d, want 2", updated.Version)
	}
	_, err = s.SetContactFields(ctx, w.ID, "ct_missing", map[string]any{"x": 1})
	wantErr(t, err, store.ErrNotFound)

	must(t, s.DeleteContact(ctx, w.ID, other.ID))
	_, err = s.GetContact(ctx, w.ID, other.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testContactOptimisticConflict(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	c := NewContact(t, s, w)
	stale := *c
	c.Name = "First writer"
	must(t, s.UpdateContact(ctx, c))
	stale.Name = "Second writer"
	wantErr(t, s.UpdateContact(ctx, &stale), store.ErrConflict)
	got, err := s.GetContact(ctx, w.ID, c.ID)
	must(t, err)
	if got.Name != "First writer" || got.Version != 2 {
		t.Errorf("after conflict: name %q version %d, want First writer, 2", got.Name, got.Version)
	}
	missing := *c
	missing.ID = "ct_missing"
	wantErr(t, s.UpdateContact(ctx, &missing), store.ErrNotFound)
}

// 50 goroutines each set their own field on one contact: row locking
// (or SQLite's single writer) must keep all 50.
func testContactConcurrentFieldUpdates(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	c := NewContact(t, s, w)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.SetContactFields(ctx, w.ID, c.ID, map[string]any{fmt.Sprintf("f%02d", i): float64(i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetContact(ctx, w.ID, c.ID)
	must(t, err)
	if len(got.Fields) != n {
		t.Errorf("contact has %d fields after %d concurrent updates, want %d", len(got.Fields), n, n)
	}
	if got.Version != n+1 {
		t.Errorf("version = %d, want %d", got.Version, n+1)
	}
}

// 50 goroutines increment one counter field with optimistic
// read-modify-write and retry on conflict: none may be lost.
func testContactConcurrentReadModifyWrite(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	c := NewContact(t, s, w)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			for {
				cur, err := s.GetContact(ctx, w.ID, c.ID)
				if err != nil {
					errs <- err
					return
				}
				count, _ := cur.Fields["count"].(float64)
				cur.Fields["count"] = count + 1
				err = s.UpdateContact(ctx, cur)
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				errs <- err
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetContact(ctx, w.ID, c.ID)
	must(t, err)
	if got.Fields["count"] != float64(n) {
		t.Errorf("count = %v after %d increments", got.Fields["count"], n)
	}
}

func testConversations(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	if conv.Status != store.StatusOpen {
		t.Errorf("new conversation status = %q", conv.Status)
	}
	got, err := s.GetConversation(ctx, w.ID, conv.ID)
	must(t, err)
	diff(t, "conversation", got, conv, timeless(store.Conversation{}))

	note := &store.Label{WorkspaceID: w.ID, Kind: store.ClosingNote, Name: "Problème Résolu"}
	must(t, s.CreateLabel(ctx, note))
	closed := time.Now().UTC().Truncate(time.Microsecond)
	conv.Status = store.StatusClosed
	conv.Assignee = store.Assignee{Type: store.AssigneeUser, ID: "usr_1"}
	conv.TeamID = "team_1"
	conv.ClosingNoteID = note.ID
	conv.Summary = "La cliente a réservé une coupe."
	conv.ClosedAt = &closed
	must(t, s.UpdateConversation(ctx, conv))
	got, err = s.GetConversation(ctx, w.ID, conv.ID)
	must(t, err)
	diff(t, "closed conversation", got, conv, timeless(store.Conversation{}))

	open := NewConversation(t, s, w)
	list := func(f store.ConversationFilter) []*store.Conversation {
		t.Helper()
		cs, err := s.ListConversations(ctx, w.ID, f)
		must(t, err)
		return cs
	}
	ignore := timeless(store.Conversation{})
	diff(t, "open conversations", list(store.ConversationFilter{Status: store.StatusOpen}), []*store.Conversation{open}, ignore)
	diff(t, "by assignee", list(store.ConversationFilter{Assignee: &conv.Assignee}), []*store.Conversation{conv}, ignore)
	diff(t, "by contact", list(store.ConversationFilter{ContactID: open.ContactID}), []*store.Conversation{open}, ignore)
	diff(t, "unassigned", list(store.ConversationFilter{Assignee: &store.Assignee{}}), []*store.Conversation{open}, ignore)
	if n := len(list(store.ConversationFilter{})); n != 2 {
		t.Errorf("all conversations = %d, want 2", n)
	}

	// A conversation needs a contact of its own workspace.
	other := NewWorkspace(t, s)
	foreign := NewContact(t, s, other)
	err = s.CreateConversation(ctx, &store.Conversation{WorkspaceID: w.ID, ContactID: foreign.ID})
	wantErr(t, err, store.ErrNotFound)

	// Moving a conversation to another contact (a merge) stays within the workspace.
	moved := NewContact(t, s, w)
	open.ContactID = moved.ID
	must(t, s.UpdateConversation(ctx, open))
	got, err = s.GetConversation(ctx, w.ID, open.ID)
	must(t, err)
	if got.ContactID != moved.ID {
		t.Errorf("conversation not moved to contact %s", moved.ID)
	}
	open.ContactID = foreign.ID
	wantErr(t, s.UpdateConversation(ctx, open), store.ErrNotFound)

	must(t, s.DeleteConversation(ctx, w.ID, open.ID))
	_, err = s.GetConversation(ctx, w.ID, open.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testMessageOrdering(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	var want []*store.Message
	for i := range 5 {
		m := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleVisitor, Text: fmt.Sprintf("message %d", i)}
		if i%2 == 1 {
			m.Role, m.AuthorID = store.RoleAIAgent, "agent_1"
			m.Metadata = map[string]any{"citations": []any{map[string]any{"title": "Tarifs"}}}
		}
		if i == 4 {
			m.Attachments = []store.Attachment{{Name: "note.ogg", ContentType: "audio/ogg", URL: "file:///tmp/note.ogg", Size: 2048}}
		}
		must(t, s.AppendMessage(ctx, m))
		if m.Seq != int64(i+1) {
			t.Errorf("message %d got seq %d", i, m.Seq)
		}
		want = append(want, m)
	}
	ignore := cmpopts.IgnoreFields(store.Message{}, "CreatedAt")
	got, err := s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{})
	must(t, err)
	diff(t, "messages", got, want, ignore)
	got, err = s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{Last: 2})
	must(t, err)
	diff(t, "last 2 messages, oldest first", got, want[3:], ignore)
	got, err = s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{Last: 2, BeforeSeq: 4})
	must(t, err)
	diff(t, "2 messages before seq 4", got, want[1:3], ignore)

	err = s.AppendMessage(ctx, &store.Message{WorkspaceID: w.ID, ConversationID: "conv_missing", Role: store.RoleVisitor})
	wantErr(t, err, store.ErrNotFound)
}

func testConcurrentMessageAppends(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.AppendMessage(ctx, &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleVisitor, Text: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{})
	must(t, err)
	if len(got) != n {
		t.Fatalf("%d messages stored, want %d", len(got), n)
	}
	for i, m := range got {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d: sequence numbers must be 1..%d without gaps", i, m.Seq, n)
		}
	}
}

func testEvents(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	e1 := &store.Event{WorkspaceID: w.ID, ConversationID: conv.ID, Type: "conversation.assigned", Actor: "ai_agent:a1",
		Payload: json.RawMessage(`{"team": "Ventes", "user": "marie"}`), ModelCallID: "call_1"}
	e2 := &store.Event{WorkspaceID: w.ID, Type: "contact.tagged", Actor: "system"}
	must(t, s.AppendEvent(ctx, e1))
	must(t, s.AppendEvent(ctx, e2))
	if e2.ID <= e1.ID {
		t.Errorf("event ids not increasing: %d then %d", e1.ID, e2.ID)
	}
	all, err := s.ListEvents(ctx, w.ID, store.EventFilter{})
	must(t, err)
	if len(all) != 2 || all[0].ID != e1.ID || all[1].ID != e2.ID {
		t.Fatalf("ListEvents = %+v", all)
	}
	var payload map[string]string
	must(t, json.Unmarshal(all[0].Payload, &payload))
	diff(t, "payload", payload, map[string]string{"team": "Ventes", "user": "marie"})
	if all[0].ModelCallID != "call_1" || all[0].Actor != "ai_agent:a1" || all[1].Type != "contact.tagged" {
		t.Errorf("event fields lost: %+v %+v", all[0], all[1])
	}
	if string(all[1].Payload) != "{}" {
		t.Errorf("empty payload stored as %q, want {}", all[1].Payload)
	}
	byConv, err := s.ListEvents(ctx, w.ID, store.EventFilter{ConversationID: conv.ID})
	must(t, err)
	byType, err := s.ListEvents(ctx, w.ID, store.EventFilter{Type: "contact.tagged"})
	must(t, err)
	after, err := s.ListEvents(ctx, w.ID, store.EventFilter{AfterID: e1.ID})
	must(t, err)
	if len(byConv) != 1 || byConv[0].ID != e1.ID || len(byType) != 1 || byType[0].ID != e2.ID || len(after) != 1 || after[0].ID != e2.ID {
		t.Errorf("filters: by conversation %v, by type %v, after %v", byConv, byType, after)
	}
}

func testTasks(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	c := NewContact(t, s, w)
	task := &store.Task{WorkspaceID: w.ID, ContactID: c.ID, Title: "Rappeler la cliente",
		Assignee: store.Assignee{Type: store.AssigneeTeam, ID: "team_x"}, Priority: store.PriorityHigh}
	must(t, s.CreateTask(ctx, task))
	if task.Status != store.TaskOpen {
		t.Errorf("new task status = %q", task.Status)
	}
	plain := &store.Task{WorkspaceID: w.ID, Title: "Relancer"}
	must(t, s.CreateTask(ctx, plain))
	if plain.Priority != store.PriorityNormal {
		t.Errorf("default priority = %q, want normale", plain.Priority)
	}
	got, err := s.GetTask(ctx, w.ID, task.ID)
	must(t, err)
	diff(t, "task", got, task, timeless(store.Task{}))

	task.Status = store.TaskDone
	task.Description = "Fait"
	must(t, s.UpdateTask(ctx, task))
	ignore := timeless(store.Task{})
	open, err := s.ListTasks(ctx, w.ID, store.TaskFilter{Status: store.TaskOpen})
	must(t, err)
	diff(t, "open tasks", open, []*store.Task{plain}, ignore)
	byAssignee, err := s.ListTasks(ctx, w.ID, store.TaskFilter{Assignee: &task.Assignee})
	must(t, err)
	diff(t, "tasks by assignee", byAssignee, []*store.Task{task}, ignore)
	byContact, err := s.ListTasks(ctx, w.ID, store.TaskFilter{ContactID: c.ID})
	must(t, err)
	diff(t, "tasks by contact", byContact, []*store.Task{task}, ignore)
	must(t, s.DeleteTask(ctx, w.ID, task.ID))
	_, err = s.GetTask(ctx, w.ID, task.ID)
	wantErr(t, err, store.ErrNotFound)
}

// Visitor messages whose turn never ended are listed, oldest first, until
// they are marked handled; other roles never are.
func testUnhandledMessages(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	var visitors []*store.Message
	for i, role := range []store.Role{store.RoleVisitor, store.RoleAIAgent, store.RoleVisitor, store.RoleHuman, store.RoleVisitor} {
		m := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: role, Text: fmt.Sprint("m", i)}
		must(t, s.AppendMessage(ctx, m))
		if role == store.RoleVisitor {
			visitors = append(visitors, m)
		}
	}
	mine := func(before time.Time) []string {
		t.Helper()
		ms, err := s.ListUnhandledMessages(ctx, before, 1000)
		must(t, err)
		var out []string
		for _, m := range ms {
			if m.ConversationID == conv.ID { // other tests' messages share the store
				out = append(out, m.Text)
			}
		}
		return out
	}
	if got := mine(time.Now().Add(time.Minute)); !slices.Equal(got, []string{"m0", "m2", "m4"}) {
		t.Errorf("unhandled = %v, want the three visitor messages in order", got)
	}
	if got := mine(visitors[0].CreatedAt); len(got) != 0 {
		t.Errorf("unhandled before the first message = %v", got)
	}
	must(t, s.MarkMessageHandled(ctx, w.ID, visitors[1].ID))
	if got := mine(time.Now().Add(time.Minute)); !slices.Equal(got, []string{"m0", "m4"}) {
		t.Errorf("after marking m2 handled: %v", got)
	}
	wantErr(t, s.MarkMessageHandled(ctx, NewWorkspace(t, s).ID, visitors[0].ID), store.ErrNotFound)
}
