package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVisitorConversation: the agent updates the contact and tags it, then
// replies; next it closes and replies; a visitor message reopens the closed
// conversation. The stream shows each step once, in order.
func TestVisitorConversation(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{
				agenttest.Call("update_contact_fields", `{"fields":[{"field":"budget","value":150}]}`),
				agenttest.Call("tag_contact", `{"tag":"nouveau-client"}`)}},
			agenttest.Step{Reply: "C'est noté, 150 € pour une coupe."},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("close_conversation", `{"closing_note":"Problème Résolu","summary":false}`)}},
			agenttest.Step{Reply: "Merci et à bientôt !"},
			agenttest.Step{Reply: "Re-bonjour ! Que puis-je faire ?"},
		)
		v := h.newVisitor(map[string]any{"contact": map[string]any{"name": "Camille"}})
		st := h.openStream(v.base+"/events", v.token, "")

		res := v.say("Bonjour, je voudrais une coupe, budget 150 euros")
		if len(res.Replies) != 1 || res.Replies[0].Text != "C'est noté, 150 € pour une coupe." || res.Replies[0].Role != store.RoleAIAgent {
			t.Fatalf("replies = %+v", res.Replies)
		}
		if names := actionNames(res.Actions); !slices.Equal(names, []string{"update_contact_fields", "tag_contact"}) {
			t.Fatalf("actions = %v", names)
		}
		for _, a := range res.Actions {
			if !a.OK || a.Summary == "" || strings.Contains(a.Summary, "150") {
				t.Errorf("action %+v: want ok with a public summary that quotes no argument", a)
			}
		}
		contact := h.fx.Contact(h.fx.Conversation(v.conv).ContactID)
		if contact.Fields["budget"] != float64(150) || !slices.Contains(contact.Tags, "nouveau-client") || contact.Name != "Camille" {
			t.Fatalf("contact = %+v", contact)
		}

		res = v.say("Parfait, c'est tout")
		if res.Status != store.StatusClosed || len(res.Replies) != 1 {
			t.Fatalf("after close: %+v", res)
		}
		res = v.say("Ah, une dernière question")
		if res.Status != store.StatusOpen || len(res.Replies) != 1 || res.Replies[0].Text != "Re-bonjour ! Que puis-je faire ?" {
			t.Fatalf("a visitor message did not reopen the conversation: %+v", res)
		}

		// The stream: every stored event once, ids 1, 2, 3… in order.
		want := []string{"message", "action", "action", "message", "message", "action", "status", "message", "status", "message", "message"}
		var got []string
		var statuses []string
		for i := range want {
			ev := st.next(t, "message", "action", "status")
			if ev.id != strconv.Itoa(i+1) {
				t.Fatalf("event %d (%s %s) has id %q, want %d", i, ev.event, ev.data, ev.id, i+1)
			}
			got = append(got, ev.event)
			if ev.event == "status" {
				var sc conversation.PublicStatus
				_ = json.Unmarshal([]byte(ev.data), &sc)
				statuses = append(statuses, sc.Change+":"+string(sc.Status))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("stream = %v, want %v", got, want)
		}
		if !slices.Equal(statuses, []string{"closed:closed", "reopened:open"}) {
			t.Fatalf("status events = %v", statuses)
		}
		// Events of the reopened conversation are in the audit log too.
		if len(h.fx.Events(v.conv, "conversation.reopened")) != 1 {
			t.Fatal("no conversation.reopened event")
		}
	})
}

func actionNames(as []conversation.PublicAction) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

// TestHumanTakesOver: the AI agent assigns the conversation to Marie; she
// sees it in her inbox and replies as a human; the visitor's stream gets
// her reply; the AI agent stays silent on the next visitor message.
func TestHumanTakesOver(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("assign", `{"user":"Marie Dubois"}`)}},
			agenttest.Step{Reply: "Je vous passe Marie."},
		)
		v := h.newVisitor(nil)
		st := h.openStream(v.base+"/events", v.token, "")
		res := v.say("Je veux parler à quelqu'un")
		if res.Assignee == nil || res.Assignee.Type != store.AssigneeUser || res.Assignee.ID != h.marie.ID {
			t.Fatalf("assignee = %+v, want Marie", res.Assignee)
		}
		var page server.ConversationPage
		h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations?assigned=me", token: h.agentKey}).json(t, &page)
		if len(page.Conversations) != 1 || page.Conversations[0].ID != v.conv {
			t.Fatalf("Marie's inbox = %+v", page.Conversations)
		}
		var reply conversation.PublicMessage
		h.must(http.StatusCreated, request{method: "POST", path: "/v1/inbox/conversations/" + v.conv + "/messages", token: h.agentKey,
			body: map[string]string{"text": "Bonjour, c'est Marie."}}).json(t, &reply)
		if reply.Role != store.RoleHuman || reply.AuthorID != h.marie.ID {
			t.Fatalf("reply = %+v", reply)
		}
		for {
			ev := st.next(t, "message")
			var m conversation.PublicMessage
			_ = json.Unmarshal([]byte(ev.data), &m)
			if m.Role == store.RoleHuman {
				if m.Text != "Bonjour, c'est Marie." {
					t.Fatalf("streamed human message = %+v", m)
				}
				break
			}
		}
		calls := len(h.model.Requests())
		res = v.say("Merci Marie")
		if !res.Waiting || len(res.Replies) != 0 {
			t.Fatalf("after the hand-off the AI agent answered: %+v", res)
		}
		if n := len(h.model.Requests()); n != calls {
			t.Fatalf("the model was asked %d more times after the hand-off", n-calls)
		}
		// The detail shows the AI agent's action and Marie's reply (the AI
		// agent's text after its hand-off was dropped, not sent).
		var d server.ConversationDetail
		h.must(http.StatusOK, request{method: "GET", path: "/v1/inbox/conversations/" + v.conv, token: h.agentKey}).json(t, &d)
		if len(d.Actions) != 1 || len(d.Messages) != 3 || d.Messages[1].Role != store.RoleHuman {
			t.Fatalf("detail: %d actions, messages %+v", len(d.Actions), d.Messages)
		}
	})
}

// TestIdempotentPost: a retried POST with the same Idempotency-Key gets
// the first answer and the message is processed once; the same key with
// another body is refused.
func TestIdempotentPost(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{}, agenttest.Step{Reply: "Bonjour !"})
		v := h.newVisitor(nil)
		post := func(text string) *response {
			return h.do(request{method: "POST", path: v.base + "/messages?wait=true", token: v.token,
				body: map[string]string{"text": text}, header: map[string]string{"Idempotency-Key": "k-1"}})
		}
		first := post("Bonjour")
		second := post("Bonjour")
		if first.status != http.StatusOK || second.status != http.StatusOK || string(first.body) != string(second.body) {
			t.Fatalf("first %d %s, retry %d %s", first.status, first.body, second.status, second.body)
		}
		if second.header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("the retry is not marked as replayed")
		}
		if n := len(h.fx.Messages(v.conv)); n != 2 {
			t.Fatalf("%d messages stored, want 2 (the visitor's once, one reply)", n)
		}
		if n := len(h.model.Requests()); n != 1 {
			t.Fatalf("the model was asked %d times, want 1", n)
		}
		other := post("Autre chose")
		if p := other.problem(t); other.status != http.StatusUnprocessableEntity || !strings.Contains(p.Detail, "k-1") {
			t.Fatalf("same key, other body: %d %+v", other.status, p)
		}
	})
}

// TestStreamResume: a client that disconnects mid-turn and reconnects
// with Last-Event-ID receives every event exactly once.
func TestStreamResume(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("tag_contact", `{"tag":"coloration"}`)}},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("update_contact_fields", `{"fields":[{"field":"service","value":"Coloration"}]}`)}, Delay: 300 * time.Millisecond},
			agenttest.Step{Reply: "Une coloration, très bien : le tarif commence à 55 €."},
		)
		v := h.newVisitor(nil)
		first := h.openStream(v.base+"/events", v.token, "")
		h.must(http.StatusAccepted, request{method: "POST", path: v.base + "/messages", token: v.token, body: map[string]string{"text": "Une coloration ?"}})
		var seen []sseEvent
		seen = append(seen, first.next(t, "message")) // the visitor's
		seen = append(seen, first.next(t, "action"))  // tag_contact; the model is slow now
		first.cancel()                                // the network drops
		resumed := h.openStream(v.base+"/events", v.token, seen[len(seen)-1].id)
		for {
			ev := resumed.next(t, "message", "action", "status")
			seen = append(seen, ev)
			if ev.event == "message" && strings.Contains(ev.data, "coloration, très bien") {
				break
			}
		}
		var ids []string
		for i, ev := range seen {
			ids = append(ids, ev.id)
			if ev.id != strconv.Itoa(i+1) {
				t.Fatalf("ids = %v: want 1, 2, 3… each once", ids)
			}
		}
		if len(seen) != 4 {
			t.Fatalf("events = %+v, want the visitor's message, 2 actions, the reply", seen)
		}
	})
}

// TestVisitorIsolation: a visitor token opens its own conversation and no
// other; another workspace's slug or conversation answers 404.
func TestVisitorIsolation(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		a, b := h.newVisitor(nil), h.newVisitor(nil)
		for _, path := range []string{b.base, b.base + "/messages", b.base + "/events"} {
			r := h.do(request{method: "GET", path: path, token: a.token})
			if p := r.problem(t); r.status != http.StatusNotFound {
				t.Errorf("GET %s with another conversation's token: %d %+v", path, r.status, p)
			}
		}
		r := h.do(request{method: "POST", path: b.base + "/messages", token: a.token, body: map[string]string{"text": "hi"}})
		if r.status != http.StatusNotFound {
			t.Errorf("POST to another conversation: %d", r.status)
		}
		if n := len(h.fx.Messages(b.conv)); n != 0 {
			t.Errorf("%d messages were stored in b's conversation", n)
		}
		// An API key is no visitor token, and a visitor token no API key.
		if r := h.do(request{method: "GET", path: a.base, token: h.adminKey}); r.status != http.StatusUnauthorized {
			t.Errorf("admin key on a visitor route: %d", r.status)
		}
		if r := h.do(request{method: "GET", path: "/v1/inbox/conversations", token: a.token}); r.status != http.StatusUnauthorized {
			t.Errorf("visitor token on the inbox: %d", r.status)
		}
		if r := h.do(request{method: "GET", path: "/v1/workspaces/other/conversations/" + a.conv, token: a.token}); r.status != http.StatusNotFound {
			t.Errorf("the right conversation under another slug: %d", r.status)
		}
	})
}

// TestIdentityVerification: a site vouches for a visitor with the
// HMAC of the identifier; a wrong hash is refused and links nothing.
func TestIdentityVerification(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		known := &store.Contact{WorkspaceID: h.ws.ID, Name: "Alice", Email: "alice@example.com"}
		if err := s.CreateContact(ctx, known); err != nil {
			t.Fatal(err)
		}
		v := h.newVisitor(map[string]any{"identifier": "alice@example.com", "identifier_hash": hmacHex("salon-identity-secret-0123456789", "alice@example.com")})
		if got := h.fx.Conversation(v.conv).ContactID; got != known.ID {
			t.Fatalf("the verified visitor got contact %s, want %s", got, known.ID)
		}
		before, _ := s.ListConversations(ctx, h.ws.ID, store.ConversationFilter{})
		r := h.do(request{method: "POST", path: h.convs,
			body: map[string]any{"identifier": "alice@example.com", "identifier_hash": hmacHex("wrong", "alice@example.com")}})
		p := r.problem(t)
		if r.status != http.StatusForbidden || len(p.Errors) != 1 || p.Errors[0].Field != "body.identifier_hash" {
			t.Fatalf("wrong hash: %d %+v", r.status, p)
		}
		after, _ := s.ListConversations(ctx, h.ws.ID, store.ConversationFilter{})
		if len(after) != len(before) {
			t.Fatal("a refused identity still opened a conversation")
		}
		// An unverified e-mail never links to the existing contact.
		u := h.newVisitor(map[string]any{"contact": map[string]any{"email": "alice@example.com"}})
		if h.fx.Conversation(u.conv).ContactID == known.ID {
			t.Fatal("an unverified e-mail was linked to the existing contact")
		}
	})
}

// TestCORS: the workspace's widget_origins may call the visitor API, other
// origins are refused.
func TestCORS(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{})
	pre := h.do(request{method: "OPTIONS", path: h.convs, header: map[string]string{
		"Origin": "https://salon.example", "Access-Control-Request-Method": "POST"}})
	if pre.status != http.StatusNoContent || pre.header.Get("Access-Control-Allow-Origin") != "https://salon.example" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	r := h.do(request{method: "POST", path: h.convs, body: map[string]any{}, header: map[string]string{"Origin": "https://evil.example"}})
	if p := r.problem(t); r.status != http.StatusForbidden || !strings.Contains(p.Detail, "widget_origins") {
		t.Fatalf("another origin: %d %+v", r.status, p)
	}
	ok := h.do(request{method: "POST", path: h.convs, body: map[string]any{}, header: map[string]string{"Origin": "https://salon.example"}})
	if ok.status != http.StatusCreated || ok.header.Get("Access-Control-Allow-Origin") != "https://salon.example" {
		t.Fatalf("allowed origin: %d %v", ok.status, ok.header)
	}
}

// TestRateLimit: past the burst a visitor gets 429 with Retry-After.
func TestRateLimit(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{server: server.Options{Limits: server.Limits{IPRate: -1, VisitorRate: 0.5, VisitorBurst: 3}}})
	v := h.newVisitor(nil)
	var codes []int
	for range 5 {
		codes = append(codes, h.do(request{method: "GET", path: v.base + "/messages", token: v.token}).status)
	}
	if !slices.Equal(codes, []int{200, 200, 200, 429, 429}) {
		t.Fatalf("statuses = %v", codes)
	}
	r := h.do(request{method: "GET", path: v.base + "/messages", token: v.token})
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); r.status != 429 || ra < 1 || ra > 2 {
		t.Fatalf("429 with Retry-After %q", r.header.Get("Retry-After"))
	}
	// Another visitor has a bucket of its own.
	w := h.newVisitor(nil)
	if r := h.do(request{method: "GET", path: w.base + "/messages", token: w.token}); r.status != 200 {
		t.Fatalf("another visitor: %d", r.status)
	}
}

// TestBadInput: what a new user gets wrong gets a problem that says what
// and where, and changes nothing.
func TestBadInput(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{server: server.Options{MaxBodyBytes: 4096}})
	v := h.newVisitor(nil)
	cases := []struct {
		name   string
		req    request
		status int
		field  string
		detail string
	}{
		{"malformed JSON", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text": "hi"`}, 400, "body", "ends too early"},
		{"syntax error", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text" "hi"}`}, 400, "body", "at byte"},
		{"unknown field", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text": "hi", "txt": "x"}`}, 400, "body.txt", "unknown field"},
		{"wrong type", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text": 12}`}, 400, "body.text", "expected a string"},
		{"empty text", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text": "  "}`}, 400, "body.text", "empty"},
		{"oversized body", request{method: "POST", path: v.base + "/messages", token: v.token, body: `{"text": "` + strings.Repeat("a", 5000) + `"}`}, 413, "", "limit"},
		{"unknown agent", request{method: "POST", path: h.convs, body: `{"agent": "Assistant Salon"}`}, 400, "body.agent", "did you mean \"Assistante Salon\""},
		{"unknown contact field", request{method: "POST", path: h.convs, body: `{"contact": {"fields": {"budjet": 3}}}`}, 400, "body.contact.fields.budjet", "did you mean \"budget\""},
		{"unknown workspace", request{method: "POST", path: "/v1/workspaces/nope/conversations", body: `{}`}, 404, "", "workspace \"nope\""},
		{"no token", request{method: "GET", path: v.base + "/messages"}, 401, "", "visitor token"},
		{"bad cursor", request{method: "GET", path: v.base + "/messages?after=x", token: v.token}, 400, "query.after", "cursor"},
		{"bad limit", request{method: "GET", path: v.base + "/messages?limit=1000", token: v.token}, 400, "query.limit", "1 to 200"},
		{"no key", request{method: "GET", path: "/v1/inbox/conversations"}, 401, "", "API key"},
		{"unknown key", request{method: "GET", path: "/v1/inbox/conversations", token: "csk_0000"}, 401, "", "unknown or revoked"},
		{"unknown route", request{method: "GET", path: "/v1/nothing"}, 404, "", "no route"},
		{"bad inbox filter", request{method: "GET", path: "/v1/inbox/conversations?assigned=mine", token: h.agentKey}, 400, "query.assigned", "not an assignment filter"},
		{"bad inbox action", request{method: "POST", path: "/v1/inbox/conversations/" + v.conv + "/actions", token: h.agentKey, body: `{"action": "http_request"}`}, 400, "body.action", "not an inbox action"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.req)
			p := r.problem(t)
			if r.status != c.status || p.Status != c.status || !strings.Contains(p.Detail+fmt.Sprint(p.Errors), c.detail) {
				t.Fatalf("%d %+v, want %d mentioning %q", r.status, p, c.status, c.detail)
			}
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Fatalf("errors = %+v, want field %s", p.Errors, c.field)
			}
			if p.Instance != strings.SplitN(c.req.path, "?", 2)[0] || !strings.HasPrefix(p.Type, "https://") {
				t.Fatalf("problem type %q instance %q", p.Type, p.Instance)
			}
		})
	}
	if n := len(h.fx.Messages(v.conv)); n != 0 {
		t.Fatalf("%d messages were stored by refused requests", n)
	}
	// A revoked key is refused.
	keys, _ := h.s.ListAPIKeys(ctx, h.ws.ID)
	for _, k := range keys {
		if k.Role == store.KeyAgent {
			if err := h.s.RevokeAPIKey(ctx, h.ws.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if r := h.do(request{method: "GET", path: "/v1/inbox/conversations", token: h.agentKey}); r.status != 401 {
		t.Fatalf("revoked key: %d", r.status)
	}
}

func hmacHex(secret, s string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// TestAudioMessage: a visitor sends a recording as multipart; it is
// transcribed and answered. A format seed 002 does not list is refused
// with the valid ones, and nothing is stored.
func TestAudioMessage(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{},
		agenttest.Step{Transcript: "je voudrais une coloration"},
		agenttest.Step{Reply: "Une coloration, avec plaisir."})
	v := h.newVisitor(nil)
	send := func(name string) *response {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("audio", name)
		fw.Write([]byte("RIFF....WEBMfake audio bytes"))
		w.Close()
		return h.do(request{method: "POST", path: v.base + "/messages?wait=true", token: v.token, body: buf.Bytes(),
			header: map[string]string{"Content-Type": w.FormDataContentType()}})
	}
	r := send("note.txt")
	if p := r.problem(t); r.status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "body.audio" || !slices.Contains(p.Errors[0].Valid, "webm") {
		t.Fatalf("a .txt recording: %d %+v", r.status, p)
	}
	if n := len(h.fx.Messages(v.conv)); n != 0 {
		t.Fatalf("%d messages stored for a refused recording", n)
	}
	r = send("note.webm")
	var res server.TurnResult
	if r.status != http.StatusOK {
		t.Fatalf("audio: %d %s", r.status, r.body)
	}
	r.json(t, &res)
	if res.Message.Text != "je voudrais une coloration" || len(res.Message.Attachments) != 1 || res.Message.Attachments[0].Name != "note.webm" ||
		len(res.Replies) != 1 {
		t.Fatalf("audio turn: %+v", res)
	}
}

// TestRateLimitCrossOrigin: a page of an allowed origin can read the 429
// (its CORS headers are set before the limit answers).
func TestRateLimitCrossOrigin(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), harnessOptions{server: server.Options{Limits: server.Limits{IPRate: 0.1, IPBurst: 1, VisitorRate: -1}}})
	origin := map[string]string{"Origin": "https://salon.example"}
	h.must(http.StatusCreated, request{method: "POST", path: h.convs, body: map[string]any{}, header: origin})
	r := h.do(request{method: "POST", path: h.convs, body: map[string]any{}, header: origin})
	if r.status != http.StatusTooManyRequests || r.header.Get("Access-Control-Allow-Origin") != "https://salon.example" ||
		!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Fatalf("429 to an allowed origin: %d %v", r.status, r.header)
	}
}
