package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// recordingSummarizer summarises by counting, picks the last closing note
// offered, and keeps what it was given.
type recordingSummarizer struct {
	got       [][]*store.Message
	notes     [][]string
	languages []string
}

func (r *recordingSummarizer) Summarize(_ context.Context, req tools.SummaryRequest) (tools.Summary, error) {
	msgs, notes := req.Messages, req.ClosingNotes
	r.languages = append(r.languages, req.Language)
	r.got = append(r.got, msgs)
	r.notes = append(r.notes, notes)
	s := tools.Summary{Text: fmt.Sprintf("%d messages, from %q to %q", len(msgs), msgs[0].Text, msgs[len(msgs)-1].Text)}
	if len(notes) > 0 {
		s.ClosingNote = notes[len(notes)-1]
	}
	return s, nil
}

func TestCloseConversation(t *testing.T) {
	t.Parallel()
	sum := &recordingSummarizer{}
	each(t, tools.Options{Summarizer: sum}, func(t *testing.T, fx *fixture) {
		for i := 1; i <= 25; i++ {
			if err := fx.s.AppendMessage(ctx, &store.Message{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID,
				Role: store.RoleVisitor, Text: fmt.Sprintf("m%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		r := fx.call("close_conversation", `{"closing_note": "Problème Résolu"}`)
		wantOK(t, r)
		conv := fx.conversation(fx.conv.ID)
		if conv.Status != store.StatusClosed || conv.ClosedAt == nil || conv.ClosingNoteID != fx.notes["Problème Résolu"] {
			t.Errorf("conversation after close: %+v", conv)
		}
		// Seed 002: the summary covers the last 20 messages only.
		if want := `20 messages, from "m6" to "m25"`; conv.Summary != want {
			t.Errorf("summary = %q, want %q", conv.Summary, want)
		}
		// The summary is written in the workspace's language.
		if l := sum.languages[len(sum.languages)-1]; l != fx.ws.Language || l == "" {
			t.Errorf("summarizer asked for language %q, want %q", l, fx.ws.Language)
		}
		closed := fx.events("conversation.closed")
		if len(closed) != 1 {
			t.Fatalf("%d conversation.closed events", len(closed))
		}
		var payload map[string]any
		json.Unmarshal(closed[0].Payload, &payload)
		if payload["closing_note"] != "Problème Résolu" || closed[0].ModelCallID != "call_test" {
			t.Errorf("closed event: %s (model call %q)", closed[0].Payload, closed[0].ModelCallID)
		}

		// The summarizer picks the note when the call names none.
		conv2 := fx.newConversation()
		fx.s.AppendMessage(ctx, &store.Message{WorkspaceID: fx.ws.ID, ConversationID: conv2.ID, Role: store.RoleVisitor, Text: "merci"})
		wantOK(t, fx.callOn(conv2, "close_conversation", `{}`, ""))
		if c := fx.conversation(conv2.ID); c.ClosingNoteID != fx.notes["Sans Suite"] || c.Summary == "" {
			t.Errorf("summarizer's note not applied: %+v", c)
		}

		// Closing again is a no-op that says so.
		r = fx.call("close_conversation", `{}`)
		wantOK(t, r)
		if r.Data["already_closed"] != true || len(fx.events("conversation.closed")) != 2 {
			t.Errorf("second close: %s", r.JSON())
		}
	})
}

func TestCloseConversationFailures(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{Summarizer: &recordingSummarizer{}}, func(t *testing.T, fx *fixture) {
		r := fx.call("close_conversation", `{"closing_note": "Résolu"}`)
		wantFail(t, r, tools.CodeUnknownNote)
		if r.Error.Valid[0] != "Problème Résolu" {
			t.Errorf("valid notes not nearest first: %v", r.Error.Valid)
		}
		if fx.conversation(fx.conv.ID).Status != store.StatusOpen {
			t.Error("a failed close closed the conversation")
		}
		// Case and accents do not matter; the stored note is the exact one.
		wantOK(t, fx.call("close_conversation", `{"closing_note": "probleme resolu", "summary": false}`))
		if c := fx.conversation(fx.conv.ID); c.Summary != "" || c.ClosingNoteID != fx.notes["Problème Résolu"] {
			t.Errorf("summary false still summarised, or note lost: %+v", c)
		}
		wantFail(t, fx.call("close_conversation", `{"note": "x"}`), tools.CodeInvalidArguments)
	})
}

func TestAssignRoundRobinSkipsUnavailable(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Équipe de Planification: marie, luc, karim (unavailable).
		var got []string
		for range 5 {
			conv := fx.newConversation()
			r := fx.callOn(conv, "assign", `{"team": "@Équipe de Planification"}`, "")
			wantOK(t, r)
			got = append(got, r.Data["assignee_name"].(string))
			c := fx.conversation(conv.ID)
			if c.Assignee.Type != store.AssigneeUser || c.TeamID != fx.teams["Équipe de Planification"] {
				t.Errorf("assignee %+v team %q", c.Assignee, c.TeamID)
			}
		}
		want := []string{"Marie Dubois", "Luc Martin", "Marie Dubois", "Luc Martin", "Marie Dubois"}
		if !slices.Equal(got, want) {
			t.Errorf("round robin = %v, want %v", got, want)
		}
		if n := len(fx.events("conversation.assigned")); n != 5 {
			t.Errorf("%d conversation.assigned events, want 5", n)
		}

		// With the workspace option, unavailable users take their turn.
		fx.ws.Settings.AssignUnavailableUsers = true
		if err := fx.s.UpdateWorkspace(ctx, fx.ws); err != nil {
			t.Fatal(err)
		}
		r := fx.callOn(fx.newConversation(), "assign", `{"team": "Équipe de Planification", "method": "round_robin"}`, "")
		wantOK(t, r)
		if r.Data["assignee_name"] != "Luc Martin" {
			// cursor was on Marie (index 0); next is Luc (1), then Karim (2).
			t.Errorf("after marie: %v", r.Data["assignee_name"])
		}
		r = fx.callOn(fx.newConversation(), "assign", `{"team": "Équipe de Planification"}`, "")
		if r.Data["assignee_name"] != "Karim Haddad" {
			t.Errorf("unavailable users allowed: got %v, want Karim Haddad", r.Data["assignee_name"])
		}
	})
}

func TestAssignLeastOpen(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Skew the load: Marie has 3 open conversations, Luc 1, Karim (unavailable) 0.
		load := map[string]int{"marie@salon-elegance.fr": 3, "luc@salon-elegance.fr": 1}
		for email, n := range load {
			for range n {
				c := fx.newConversation()
				c.Assignee = store.Assignee{Type: store.AssigneeUser, ID: fx.users[email]}
				if err := fx.s.UpdateConversation(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
		}
		var got []string
		for range 4 {
			r := fx.callOn(fx.newConversation(), "assign", `{"team": "Équipe de Planification", "method": "least_open"}`, "")
			wantOK(t, r)
			got = append(got, r.Data["assignee_name"].(string))
		}
		// Luc (1) → Luc (2) → tie 3/3 broken by round-robin order after Luc: Marie → Luc.
		want := []string{"Luc Martin", "Luc Martin", "Marie Dubois", "Luc Martin"}
		if !slices.Equal(got, want) {
			t.Errorf("least open = %v, want %v", got, want)
		}
	})
}

func TestAssignFailures(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		for _, tc := range []struct{ args, code string }{
			{`{"team": ["Équipe de Planification", "Équipe des Ventes"]}`, tools.CodeSingleTeam},
			{`{"team": "Équipe de Planification et Équipe des Ventes"}`, tools.CodeSingleTeam},
			{`{"user": "Marie Dubois", "method": "round_robin"}`, tools.CodeSingleTeam},
			{`{"team": "Ventes"}`, tools.CodeUnknownTeam},
			{`{"user": "Marie"}`, tools.CodeUnknownUser},
			{`{"ai_agent": "Robot"}`, tools.CodeUnknownAIAgent},
			{`{}`, tools.CodeInvalidArguments},
			{`{"team": "Commercial", "user": "Marie Dubois"}`, tools.CodeInvalidArguments},
			{`{"team": "Commercial", "method": "random"}`, tools.CodeInvalidArguments},
		} {
			r := fx.call("assign", tc.args)
			wantFail(t, r, tc.code)
			if c := fx.conversation(fx.conv.ID); c.Assignee.Type != store.AssigneeAIAgent {
				t.Errorf("%s: a failed assign changed the assignee to %+v", tc.args, c.Assignee)
			}
		}
		r := fx.call("assign", `{"team": "Ventes"}`)
		if !slices.Contains(r.Error.Valid, "Équipe des Ventes") || r.Error.Valid[0] != "Équipe des Ventes" {
			t.Errorf("valid teams not nearest first: %v", r.Error.Valid)
		}

		// Nobody available: the result says so and nothing changes.
		karim := fx.users["karim@salon-elegance.fr"]
		for _, u := range []string{"sophie@salon-elegance.fr"} {
			user, _ := fx.s.GetUser(ctx, fx.ws.ID, fx.users[u])
			user.Availability = store.Unavailable
			fx.s.UpdateUser(ctx, user)
		}
		r = fx.call("assign", `{"team": "Commercial"}`)
		wantFail(t, r, tools.CodeNobodyAvailable)
		_ = karim

		// Direct assignments.
		r = fx.call("assign", `{"user": "luc@salon-elegance.fr"}`)
		wantOK(t, r)
		if c := fx.conversation(fx.conv.ID); c.Assignee != (store.Assignee{Type: store.AssigneeUser, ID: fx.users["luc@salon-elegance.fr"]}) || c.TeamID != "" {
			t.Errorf("user assignment: %+v", c)
		}
		wantOK(t, fx.call("assign", `{"ai_agent": "Assistante Salon"}`))
		if c := fx.conversation(fx.conv.ID); c.Assignee.Type != store.AssigneeAIAgent {
			t.Errorf("AI agent assignment: %+v", c.Assignee)
		}
	})
}

func TestUnassign(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		wantOK(t, fx.call("unassign", `{}`))
		if c := fx.conversation(fx.conv.ID); !c.Assignee.IsZero() {
			t.Errorf("still assigned: %+v", c.Assignee)
		}
		r := fx.call("unassign", `{}`)
		wantOK(t, r)
		if r.Data["already_unassigned"] != true || len(fx.events("conversation.unassigned")) != 1 {
			t.Errorf("second unassign: %s", r.JSON())
		}
	})
}

// The same idempotency key never acts twice: no double assignment, no
// double close, the recorded result comes back.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		key := tools.IdempotencyKey(fx.conv.ID, 1, 0)
		first := fx.callOn(fx.conv, "assign", `{"team": "Équipe de Planification"}`, key)
		wantOK(t, first)
		second := fx.callOn(fx.conv, "assign", `{"team": "Équipe de Planification"}`, key)
		if !second.Replayed || second.Message != first.Message || second.Data["assignee_id"] != first.Data["assignee_id"] {
			t.Errorf("replay = %s, first = %s", second.JSON(), first.JSON())
		}
		team, _ := fx.s.GetTeam(ctx, fx.ws.ID, fx.teams["Équipe de Planification"])
		if team.RoundRobinCursor != 0 || len(fx.events("conversation.assigned")) != 1 {
			t.Errorf("cursor %d, %d assigned events: the replay assigned again", team.RoundRobinCursor, len(fx.events("conversation.assigned")))
		}
		k2 := tools.IdempotencyKey(fx.conv.ID, 1, 1)
		wantOK(t, fx.callOn(fx.conv, "close_conversation", `{}`, k2))
		wantOK(t, fx.callOn(fx.conv, "close_conversation", `{}`, k2))
		if n := len(fx.events("conversation.closed")); n != 1 {
			t.Errorf("%d close events for one key", n)
		}
		// Concurrent executions of one key: one acts, the others get its result.
		conv := fx.newConversation()
		kc := tools.IdempotencyKey(conv.ID, 1, 0)
		var wg sync.WaitGroup
		results := make(chan tools.Result, 8)
		for range 8 {
			wg.Go(func() {
				r, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: conv.ID, Action: "assign",
					Args: json.RawMessage(`{"team": "Équipe des Ventes"}`), Key: kc})
				if err != nil {
					t.Error(err)
				}
				results <- r
			})
		}
		wg.Wait()
		close(results)
		var assignees []any
		for r := range results {
			if !r.OK {
				t.Errorf("concurrent duplicate: %s", r.JSON())
			}
			assignees = append(assignees, r.Data["assignee_id"])
		}
		events, _ := fx.s.ListEvents(ctx, fx.ws.ID, store.EventFilter{Type: "conversation.assigned", ConversationID: conv.ID})
		if len(events) != 1 || slices.IndexFunc(assignees, func(a any) bool { return a != assignees[0] }) >= 0 {
			t.Errorf("%d assignments for one key; assignees %v", len(events), assignees)
		}

		// A failure is recorded too, and replayed as the same failure.
		k3 := tools.IdempotencyKey(fx.conv.ID, 2, 0)
		wantFail(t, fx.callOn(fx.conv, "update_lifecycle_stage", `{"stage": "Inconnu"}`, k3), tools.CodeUnknownStage)
		r := fx.callOn(fx.conv, "update_lifecycle_stage", `{"stage": "Inconnu"}`, k3)
		if !r.Replayed || r.Error == nil || r.Error.Code != tools.CodeUnknownStage {
			t.Errorf("replayed failure: %s", r.JSON())
		}
	})
}

func TestUnknownAndDisabledActions(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		r := fx.call("close_conversations", `{}`)
		wantFail(t, r, tools.CodeUnknownAction)
		if !slices.Contains(r.Error.Valid, "close_conversation") {
			t.Errorf("valid actions: %v", r.Error.Valid)
		}
		res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "unassign",
			Args: json.RawMessage(`{}`), Enabled: []string{"close_conversation"}})
		if err != nil {
			t.Fatal(err)
		}
		wantFail(t, res, tools.CodeUnknownAction)
		if !slices.Equal(res.Error.Valid, []string{"close_conversation"}) {
			t.Errorf("valid = %v, want only the enabled actions", res.Error.Valid)
		}
		wantFail(t, fx.call("assign", `{"team": `), tools.CodeInvalidArguments)
		r = fx.call("update_contact_fields", `{"fields": [{"field": "budget"}]}`)
		wantFail(t, r, tools.CodeInvalidArguments)
		// Every rejected call is in the audit log, with what the model sent.
		audits := fx.events("action.executed")
		if len(audits) != 4 {
			t.Fatalf("%d audit events, want 4", len(audits))
		}
		var a tools.AuditEvent
		json.Unmarshal(audits[2].Payload, &a)
		if a.Action != "assign" || string(a.Args) != `"{\"team\": "` || a.Result.Error.Code != tools.CodeInvalidArguments {
			t.Errorf("audit of invalid JSON: %s", audits[2].Payload)
		}
	})
}
