package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// assigned opens a conversation of a new contact assigned to a.
func (h *harness) assigned(a store.Assignee, teamID string) *store.Conversation {
	h.t.Helper()
	c := h.fx.NewConversation("")
	c.Assignee, c.TeamID = a, teamID
	if err := h.s.UpdateConversation(ctx, c); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) team(name string) *store.Team {
	h.t.Helper()
	teams, err := h.s.ListTeams(ctx, h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, t := range teams {
		if t.Name == name {
			return t
		}
	}
	h.t.Fatalf("no team %q", name)
	return nil
}

func (h *harness) user(email string) *store.User {
	h.t.Helper()
	users, _ := h.s.ListUsers(ctx, h.ws.ID)
	for _, u := range users {
		if u.Email == email {
			return u
		}
	}
	h.t.Fatalf("no user %q", email)
	return nil
}

func ids(page server.ConversationPage) []string {
	var out []string
	for _, c := range page.Conversations {
		out = append(out, c.ID)
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string { sort.Strings(s); return s }

// TestInboxScope: an agent key sees its user's conversations, its user's
// teams', the unassigned ones and the AI agents' — another user's or
// team's answer 404 on every inbox route.
func TestInboxScope(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		luc, ventes, commercial := h.user("luc@salon-elegance.fr"), h.team("Équipe des Ventes"), h.team("Commercial")
		mine := h.assigned(store.Assignee{Type: store.AssigneeUser, ID: h.marie.ID}, "")
		lucs := h.assigned(store.Assignee{Type: store.AssigneeUser, ID: luc.ID}, "")
		lucViaVentes := h.assigned(store.Assignee{Type: store.AssigneeUser, ID: luc.ID}, ventes.ID)
		ventesConv := h.assigned(store.Assignee{Type: store.AssigneeTeam, ID: ventes.ID}, "")
		commercialConv := h.assigned(store.Assignee{Type: store.AssigneeTeam, ID: commercial.ID}, "")
		unassigned := h.assigned(store.Assignee{}, "")
		ai := h.fx.NewConversation(h.fx.FirstAgent().ID)

		list := func(query string) []string {
			var page server.ConversationPage
			h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations" + query, token: h.agentKey}).json(t, &page)
			return ids(page)
		}
		if got, want := list(""), sorted(mine.ID, lucViaVentes.ID, ventesConv.ID, unassigned.ID, ai.ID); !slices.Equal(got, want) {
			t.Fatalf("visible = %v, want %v", got, want)
		}
		if got := list("?assigned=me"); !slices.Equal(got, []string{mine.ID}) {
			t.Fatalf("me = %v", got)
		}
		if got, want := list("?assigned=teams"), sorted(lucViaVentes.ID, ventesConv.ID); !slices.Equal(got, want) {
			t.Fatalf("teams = %v, want %v", got, want)
		}
		if got := list("?assigned=unassigned"); !slices.Equal(got, []string{unassigned.ID}) {
			t.Fatalf("unassigned = %v", got)
		}
		if got := list("?assigned=ai_agent"); !slices.Equal(got, []string{ai.ID}) {
			t.Fatalf("ai_agent = %v", got)
		}
		// An admin key sees them all.
		var all server.ConversationPage
		h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations", token: h.adminKey}).json(t, &all)
		if len(all.Conversations) != 7 {
			t.Fatalf("admin sees %d conversations, want 7", len(all.Conversations))
		}
		// Pages of 2 walk the visible list with nothing lost or repeated.
		var walked []string
		cursor := ""
		for range 10 {
			var page server.ConversationPage
			h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations?limit=2&cursor=" + cursor, token: h.agentKey}).json(t, &page)
			walked = append(walked, ids(page)...)
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		sort.Strings(walked)
		if want := sorted(mine.ID, lucViaVentes.ID, ventesConv.ID, unassigned.ID, ai.ID); !slices.Equal(walked, want) {
			t.Fatalf("pages = %v, want %v", walked, want)
		}
		for _, hidden := range []*store.Conversation{lucs, commercialConv} {
			base := "/v1/inbox/conversations/" + hidden.ID
			for _, req := range []request{
				{method: "GET", path: base},
				{method: "GET", path: base + "/messages"},
				{method: "POST", path: base + "/messages", body: map[string]string{"text": "hello"}},
				{method: "POST", path: base + "/actions", body: map[string]any{"action": "unassign"}},
			} {
				req.token = h.agentKey
				if r := h.do(req); r.status != http.StatusNotFound {
					t.Errorf("%s %s of a hidden conversation: %d", req.method, req.path, r.status)
				}
			}
			if got := h.fx.Conversation(hidden.ID).Assignee; got != hidden.Assignee {
				t.Errorf("a hidden conversation was changed: %+v", got)
			}
		}
		if len(h.fx.Messages(lucs.ID)) != 0 {
			t.Error("a reply was stored in a hidden conversation")
		}
	})
}

// TestInboxActions: a human agent assigns, unassigns, closes with a note,
// reopens, tags and updates fields through the catalogue; the audit log
// names her; the visitor's stream shows the status changes.
func TestInboxActions(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{}, agenttest.Step{Reply: "Bonjour !"})
		v := h.newVisitor(nil)
		v.say("Bonjour")
		st := h.openStream(v.base+"/events", v.token, "2") // after the visitor's message and the reply
		act := func(action string, args any) server.ActionResult {
			t.Helper()
			var res server.ActionResult
			h.must(http.StatusOK, request{method: "POST", path: "/v1/inbox/conversations/" + v.conv + "/actions", token: h.agentKey,
				body: map[string]any{"action": action, "args": args}}).json(t, &res)
			return res
		}
		if r := act("assign", map[string]string{"team": "Équipe des Ventes", "method": "round_robin"}); r.Conversation.Assignee == nil || r.Conversation.TeamID != h.team("Équipe des Ventes").ID {
			t.Fatalf("assign: %+v", r)
		}
		if r := act("unassign", map[string]string{}); r.Conversation.Assignee != nil {
			t.Fatalf("unassign: %+v", r)
		}
		if r := act("tag_contact", map[string]string{"tag": "relance_envoyee"}); !r.OK {
			t.Fatalf("tag: %+v", r)
		}
		if r := act("update_contact_fields", map[string]any{"fields": []map[string]any{{"field": "service", "value": "Coupe"}}}); !r.OK {
			t.Fatalf("fields: %+v", r)
		}
		if r := act("close_conversation", map[string]any{"closing_note": "Problème Résolu", "summary": false}); r.Conversation.Status != store.StatusClosed {
			t.Fatalf("close: %+v", r)
		}
		if r := act("reopen_conversation", map[string]any{}); r.Conversation.Status != store.StatusOpen {
			t.Fatalf("reopen: %+v", r)
		}
		// An unknown closing note: a problem with the valid names.
		r := h.do(request{method: "POST", path: "/v1/inbox/conversations/" + v.conv + "/actions", token: h.agentKey,
			body: map[string]any{"action": "close_conversation", "args": map[string]any{"closing_note": "Resolu"}}})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || !slices.Contains(p.Errors[0].Valid, "Problème Résolu") {
			t.Fatalf("unknown note: %d %+v", r.status, p)
		}
		contact := h.fx.Contact(h.fx.Conversation(v.conv).ContactID)
		if !slices.Contains(contact.Tags, "relance_envoyee") || contact.Fields["service"] != "Coupe" {
			t.Fatalf("contact = %+v", contact)
		}
		actor := "user:" + h.marie.ID
		for _, typ := range []string{"conversation.assigned", "conversation.unassigned", "contact.tagged", "conversation.closed", "conversation.reopened"} {
			evs := h.fx.Events(v.conv, typ)
			if len(evs) != 1 || evs[0].Actor != actor {
				t.Errorf("%s: %d events, actor %v; want one by %s", typ, len(evs), evs, actor)
			}
		}
		var changes []string
		for len(changes) < 4 {
			ev := st.next(t, "status")
			var sc struct{ Change string }
			_ = json.Unmarshal([]byte(ev.data), &sc)
			changes = append(changes, sc.Change)
		}
		if !slices.Equal(changes, []string{"assigned", "unassigned", "closed", "reopened"}) {
			t.Fatalf("status events = %v", changes)
		}
		// An admin key is no human: it cannot act or reply in the inbox.
		if r := h.do(request{method: "POST", path: "/v1/inbox/conversations/" + v.conv + "/messages", token: h.adminKey, body: map[string]string{"text": "x"}}); r.status != http.StatusForbidden {
			t.Fatalf("admin reply: %d", r.status)
		}
	})
}

// TestInboxEvents: the inbox stream carries the events of the
// conversations the key may see, and not the others'.
func TestInboxEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		hidden := h.assigned(store.Assignee{Type: store.AssigneeTeam, ID: h.team("Commercial").ID}, "")
		visible := h.assigned(store.Assignee{Type: store.AssigneeUser, ID: h.marie.ID}, "")
		st := h.openStream("/v1/inbox/events", h.agentKey, "")
		sophie := h.key(store.KeyAgent, h.user("sophie@salon-elegance.fr").ID)
		h.must(http.StatusCreated, request{method: "POST", path: "/v1/inbox/conversations/" + hidden.ID + "/messages", token: sophie, body: map[string]string{"text": "pour Commercial"}})
		h.must(http.StatusCreated, request{method: "POST", path: "/v1/inbox/conversations/" + visible.ID + "/messages", token: h.agentKey, body: map[string]string{"text": "pour Marie"}})
		ev := st.next(t, "message")
		if !strings.Contains(ev.data, visible.ID) || !strings.Contains(ev.data, "pour Marie") || strings.Contains(ev.data, "Commercial") {
			t.Fatalf("first inbox event = %s; want the visible conversation's, not the hidden one's", ev.data)
		}
	})
}

// TestInboxDirectory: the names a human agent picks from, and who they are.
func TestInboxDirectory(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{})
	var d server.Directory
	h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/directory", token: h.agentKey}).json(t, &d)
	if d.Me == nil || d.Me.ID != h.marie.ID || len(d.Users) != 4 || len(d.Teams) != 3 || !slices.Contains(d.ClosingNotes, "Problème Résolu") ||
		!slices.Contains(d.Tags, "coloration") || !slices.Contains(d.LifecycleStages, "Client") || len(d.ContactFields) != 6 {
		t.Fatalf("directory = %+v", d)
	}
}

// TestInboxPage: the inbox page and its script are served from the
// embedded assets, with a content security policy.
func TestInboxPage(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{})
	for path, want := range map[string]string{"/inbox/": "text/html", "/inbox/inbox.js": "javascript", "/inbox/inbox.css": "text/css"} {
		res, err := http.Get(h.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), want) ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, res.Header)
		}
	}
}
