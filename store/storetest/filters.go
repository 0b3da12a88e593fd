package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/store"
)

func conversationIDs(cs []*store.Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// sortedIDs returns the IDs of cs sorted, newest first when desc.
func sortedIDs(desc bool, cs ...*store.Conversation) []string {
	ids := conversationIDs(cs)
	slices.Sort(ids)
	if desc {
		slices.Reverse(ids)
	}
	return ids
}

func testConversationFilters(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	mk := func(a store.Assignee, teamID string) *store.Conversation {
		t.Helper()
		c := NewConversation(t, s, w)
		c.Assignee, c.TeamID = a, teamID
		must(t, s.UpdateConversation(ctx, c))
		return c
	}
	u1 := store.Assignee{Type: store.AssigneeUser, ID: "usr_1"}
	u2 := store.Assignee{Type: store.AssigneeUser, ID: "usr_2"}
	team := store.Assignee{Type: store.AssigneeTeam, ID: "team_1"}
	bot := store.Assignee{Type: store.AssigneeAIAgent, ID: "ai_1"}
	mine := mk(u1, "")
	toTeam := mk(team, "")
	pickedFromTeam := mk(u2, "team_1") // a user picked from the team
	unassigned := mk(store.Assignee{}, "")
	byBot := mk(bot, "")
	u2Alone := mk(u2, "")
	// An assignee whose ID looks like another's "type:id" matches only itself.
	tricky := mk(store.Assignee{Type: store.AssigneeUser, ID: "team:team_1"}, "")
	all := []*store.Conversation{mine, toTeam, pickedFromTeam, unassigned, byBot, u2Alone, tricky}

	list := func(f store.ConversationFilter) []string {
		t.Helper()
		cs, err := s.ListConversations(ctx, w.ID, f)
		must(t, err)
		return conversationIDs(cs)
	}
	anyOf := func(as ...store.Assignee) store.ConversationFilter { return store.ConversationFilter{AssigneeAny: as} }
	diff(t, "any of user 1", list(anyOf(u1)), sortedIDs(false, mine))
	diff(t, "any of the team", list(anyOf(team)), sortedIDs(false, toTeam, pickedFromTeam))
	diff(t, "any of user 1, the team", list(anyOf(u1, team)), sortedIDs(false, mine, toTeam, pickedFromTeam))
	diff(t, "any of user 2", list(anyOf(u2)), sortedIDs(false, pickedFromTeam, u2Alone))
	diff(t, "any of the AI agent, nobody", list(anyOf(bot, store.Assignee{})), sortedIDs(false, byBot, unassigned))
	diff(t, "any of an unknown user", list(anyOf(store.Assignee{Type: store.AssigneeUser, ID: "usr_none"})), []string{})
	diff(t, "AssigneeAny empty", list(store.ConversationFilter{}), sortedIDs(false, all...))

	// With the other fields.
	pickedFromTeam.Status = store.StatusClosed
	must(t, s.UpdateConversation(ctx, pickedFromTeam))
	diff(t, "the team's open ones", list(store.ConversationFilter{Status: store.StatusOpen, AssigneeAny: []store.Assignee{team}}),
		sortedIDs(false, toTeam))
	diff(t, "the team's and Assignee", list(store.ConversationFilter{Assignee: &u2, AssigneeAny: []store.Assignee{team}}),
		sortedIDs(false, pickedFromTeam))

	// UpdatedSince: at or after.
	time.Sleep(2 * time.Millisecond)
	u2Alone.Summary = "touched"
	must(t, s.UpdateConversation(ctx, u2Alone))
	diff(t, "updated since its update", list(store.ConversationFilter{UpdatedSince: u2Alone.UpdatedAt}), sortedIDs(false, u2Alone))
	diff(t, "updated after its update", list(store.ConversationFilter{UpdatedSince: u2Alone.UpdatedAt.Add(time.Microsecond)}), []string{})
	diff(t, "updated since before all", list(store.ConversationFilter{UpdatedSince: mine.CreatedAt.Add(-time.Second)}), sortedIDs(false, all...))
	diff(t, "updated since, in another zone", list(store.ConversationFilter{UpdatedSince: u2Alone.UpdatedAt.In(time.FixedZone("Paris", 3600))}),
		sortedIDs(false, u2Alone))

	// Order: oldest first, or newest first.
	diff(t, "newest first", list(store.ConversationFilter{NewestFirst: true}), sortedIDs(true, all...))
	diff(t, "newest first, limit 2", list(store.ConversationFilter{NewestFirst: true, Limit: 2}), sortedIDs(true, all...)[:2])
	diff(t, "oldest first, limit 2", list(store.ConversationFilter{Limit: 2}), sortedIDs(false, all...)[:2])

	// BeforeID pages newest first, losing and repeating nothing: the
	// first page asks for NewestFirst, the next ones start before the
	// last ID seen.
	page := func(f store.ConversationFilter, size int) [][]string {
		t.Helper()
		var pages [][]string
		f.Limit, f.NewestFirst = size, true
		for range 20 {
			ids := list(f)
			if len(ids) == 0 {
				return pages
			}
			pages = append(pages, ids)
			f.BeforeID, f.NewestFirst = ids[len(ids)-1], false // BeforeID alone orders newest first
		}
		t.Fatal("paging does not end")
		return nil
	}
	pages := page(store.ConversationFilter{}, 3)
	if len(pages) != 3 || len(pages[0]) != 3 || len(pages[2]) != 1 {
		t.Errorf("pages of 3: %v", pages)
	}
	diff(t, "all pages", slices.Concat(pages...), sortedIDs(true, all...))
	pages = page(store.ConversationFilter{AssigneeAny: []store.Assignee{u1, team, u2}}, 2)
	diff(t, "all pages of a filtered list", slices.Concat(pages...), sortedIDs(true, mine, toTeam, pickedFromTeam, u2Alone))
	newest := sortedIDs(true, all...)
	diff(t, "before the oldest", list(store.ConversationFilter{BeforeID: newest[len(newest)-1]}), []string{})
	diff(t, "before the newest", list(store.ConversationFilter{BeforeID: newest[0], Limit: 1}), newest[1:2])

	// Another workspace's conversations never show.
	other := NewWorkspace(t, s)
	cs, err := s.ListConversations(ctx, other.ID, store.ConversationFilter{AssigneeAny: []store.Assignee{u1, team}, NewestFirst: true})
	must(t, err)
	diff(t, "another workspace", conversationIDs(cs), []string{})
}

func testContactFilters(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	mk := func(name, email, phone string) *store.Contact {
		t.Helper()
		c := &store.Contact{WorkspaceID: w.ID, Name: name, Email: email, Phone: phone}
		must(t, s.CreateContact(ctx, c))
		return c
	}
	lea := mk("Léa Martin", "lea@example.fr", "+33612345678")
	bob := mk("Bob 100%_sure", "bob@x.com", "")
	alice := mk("ALICE", "alice_w@EXAMPLE.org", "")
	back := mk(`back\slash`, "", "0700000000")
	plain := mk("Zoé", "zoe@ex.fr", "")
	all := []*store.Contact{lea, bob, alice, back, plain}
	names := func(f store.ContactFilter) []string {
		t.Helper()
		cs, err := s.ListContacts(ctx, w.ID, f)
		must(t, err)
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	byID := func(cs ...*store.Contact) []string {
		cs = slices.Clone(cs)
		slices.SortFunc(cs, func(a, b *store.Contact) int { return strings.Compare(a.ID, b.ID) })
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []*store.Contact
	}{
		{"lea", []*store.Contact{lea}},            // the e-mail (the name has é)
		{"MARTIN", []*store.Contact{lea}},         // name
		{"example", []*store.Contact{lea, alice}}, // e-mails, any case
		{"3361234", []*store.Contact{lea}},        // phone
		{"0700", []*store.Contact{back}},          // phone
		{"%", []*store.Contact{bob}},              // a literal %, not "anything"
		{"_", []*store.Contact{bob, alice}},       // a literal _, not "any character"
		{"0%_", []*store.Contact{bob}},            //
		{`\`, []*store.Contact{back}},             // the escape character itself
		{`k\s`, []*store.Contact{back}},           //
		{"e_w@e", []*store.Contact{alice}},        //
		{"nobody", nil},                           //
		{"Léa", []*store.Contact{lea}},            // as written
		{"x.com", []*store.Contact{bob}},          // "." is no wildcard either
		{"ALICE_W@example.ORG", []*store.Contact{alice}},
	} {
		diff(t, fmt.Sprintf("query %q", tc.query), names(store.ContactFilter{Query: tc.query}), byID(tc.want...))
	}
	diff(t, "query and e-mail", names(store.ContactFilter{Query: "example", Email: "lea@example.fr"}), byID(lea))

	// AfterID pages, oldest first, losing and repeating nothing.
	var paged []string
	f := store.ContactFilter{Limit: 2}
	for range 10 {
		cs, err := s.ListContacts(ctx, w.ID, f)
		must(t, err)
		if len(cs) == 0 {
			break
		}
		if len(cs) > 2 {
			t.Fatalf("page of %d contacts, limit 2", len(cs))
		}
		for _, c := range cs {
			paged = append(paged, c.Name)
		}
		f.AfterID = cs[len(cs)-1].ID
	}
	diff(t, "contacts paged by 2", paged, byID(all...))
	diff(t, "query, after an ID", names(store.ContactFilter{Query: "example", AfterID: minID(lea, alice)}), byID(maxContact(lea, alice)))

	other := NewWorkspace(t, s)
	cs, err := s.ListContacts(ctx, other.ID, store.ContactFilter{Query: "a"})
	must(t, err)
	if len(cs) != 0 {
		t.Errorf("another workspace finds %d contacts", len(cs))
	}
}

func minID(a, b *store.Contact) string { return min(a.ID, b.ID) }

func maxContact(a, b *store.Contact) *store.Contact {
	if a.ID > b.ID {
		return a
	}
	return b
}

func testMessageFilters(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	for i := range 10 {
		must(t, s.AppendMessage(ctx, &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleVisitor, Text: fmt.Sprint(i + 1)}))
	}
	msgSeqs := func(f store.MessageFilter) []int64 {
		t.Helper()
		ms, err := s.ListMessages(ctx, w.ID, conv.ID, f)
		must(t, err)
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.Seq)
		}
		return out
	}
	diff(t, "after 3", msgSeqs(store.MessageFilter{AfterSeq: 3}), seqRange(4, 10))
	diff(t, "after 3, limit 2", msgSeqs(store.MessageFilter{AfterSeq: 3, Limit: 2}), []int64{4, 5})
	diff(t, "limit 3", msgSeqs(store.MessageFilter{Limit: 3}), []int64{1, 2, 3})
	diff(t, "after 3, before 6", msgSeqs(store.MessageFilter{AfterSeq: 3, BeforeSeq: 6}), []int64{4, 5})
	diff(t, "after 10", msgSeqs(store.MessageFilter{AfterSeq: 10, Limit: 5}), []int64{})
	diff(t, "last 2 after 3", msgSeqs(store.MessageFilter{Last: 2, AfterSeq: 3}), []int64{9, 10})
	diff(t, "last 5 after 7", msgSeqs(store.MessageFilter{Last: 5, AfterSeq: 7}), []int64{8, 9, 10})
	diff(t, "first 2 of the last 4", msgSeqs(store.MessageFilter{Last: 4, Limit: 2}), []int64{7, 8})
	diff(t, "last 3 before 9", msgSeqs(store.MessageFilter{Last: 3, BeforeSeq: 9}), []int64{6, 7, 8})

	// Paging forward by AfterSeq reads each message once.
	var paged []int64
	f := store.MessageFilter{Limit: 3}
	for range 10 {
		page := msgSeqs(f)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		f.AfterSeq = page[len(page)-1]
	}
	diff(t, "messages paged by 3", paged, seqRange(1, 10))
}

func testEventFilters(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	var events []*store.Event
	for i := range 3 {
		if i > 0 {
			time.Sleep(2 * time.Millisecond) // distinct timestamps
		}
		e := &store.Event{WorkspaceID: w.ID, Type: fmt.Sprint("test.e", i), Actor: "system"}
		must(t, s.AppendEvent(ctx, e))
		events = append(events, e)
	}
	types := func(f store.EventFilter) []string {
		t.Helper()
		es, err := s.ListEvents(ctx, w.ID, f)
		must(t, err)
		out := []string{}
		for _, e := range es {
			out = append(out, e.Type)
		}
		return out
	}
	at := func(i int) time.Time { return events[i].CreatedAt }
	diff(t, "since e1 (inclusive)", types(store.EventFilter{Since: at(1)}), []string{"test.e1", "test.e2"})
	diff(t, "until e1 (exclusive)", types(store.EventFilter{Until: at(1)}), []string{"test.e0"})
	diff(t, "since e1, until e2", types(store.EventFilter{Since: at(1), Until: at(2)}), []string{"test.e1"})
	diff(t, "since just after e2", types(store.EventFilter{Since: at(2).Add(time.Microsecond)}), []string{})
	diff(t, "until just after e2, limit 2", types(store.EventFilter{Until: at(2).Add(time.Microsecond), Limit: 2}), []string{"test.e0", "test.e1"})
	diff(t, "since e0, after e0's ID", types(store.EventFilter{Since: at(0), AfterID: events[0].ID}), []string{"test.e1", "test.e2"})
	diff(t, "since e1, in another zone", types(store.EventFilter{Since: at(1).In(time.FixedZone("Paris", 3600))}), []string{"test.e1", "test.e2"})
}
