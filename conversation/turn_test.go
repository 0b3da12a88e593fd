package conversation_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
	"github.com/causerie/causerie/workspace/workspacetest"
)

var ctx = context.Background()

// env is the salon workspace on a fresh store, a scripted model, and one
// conversation of a new contact handled by the salon's AI agent.
type env struct {
	*workspacetest.Fixture
	t     testing.TB
	s     store.Store
	srv   *agenttest.Server
	a     *conversation.Runtime
	ws    *store.Workspace
	conv  *store.Conversation
	agent *store.AIAgent
}

func newEnv(t *testing.T, s store.Store, steps ...agenttest.Step) *env {
	t.Helper()
	return newEnvOn(t, s, agenttest.New(t, steps...))
}

// newBenchEnv is newEnv for benchmarks, on a given scripted server.
func newBenchEnv(b *testing.B, s store.Store, srv *agenttest.Server) *env { return newEnvOn(b, s, srv) }

func newEnvOn(t testing.TB, s store.Store, srv *agenttest.Server) *env {
	t.Helper()
	return newEnvEdited(t, s, srv, nil)
}

// newEnvEdited is newEnvOn on the salon workspace as edit changed it.
func newEnvEdited(t testing.TB, s store.Store, srv *agenttest.Server, edit func(f *workspace.File)) *env {
	t.Helper()
	fx := workspacetest.Apply(t, s, workspacetest.Example("salon", "workspace.yaml"), edit)
	m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, Timeout: 2 * time.Second, MaxRetries: 2, Backoff: time.Millisecond})
	e := &env{Fixture: fx, t: t, s: s, srv: srv, ws: fx.Workspace,
		a: conversation.New(s, conversation.Options{Model: m, Now: func() time.Time { return time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC) }})}
	e.agent = fx.FirstAgent()
	e.conv = e.newConversation()
	return e
}

func (e *env) newConversation() *store.Conversation { return e.NewConversation(e.agent.ID) }

// watch subscribes to the conversation, runs send and returns the events
// published until a turn ended.
func (e *env) watch(send func()) []conversation.Event {
	e.t.Helper()
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := e.a.Subscribe(sub, e.ws.ID, e.conv.ID)
	send()
	var out []conversation.Event
	for ev := range ch {
		out = append(out, ev)
		if ev.Kind == conversation.EventTurnEnded {
			return out
		}
	}
	e.t.Fatal("the subscription ended before the turn")
	return nil
}

func (e *env) send(text string) *conversation.Outcome {
	e.t.Helper()
	out, err := e.a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID, Text: text})
	if err != nil {
		e.t.Fatalf("HandleMessage(%q): %v", text, err)
	}
	return out
}

func (e *env) conversation() *store.Conversation {
	c, err := e.s.GetConversation(ctx, e.ws.ID, e.conv.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) contact() *store.Contact {
	c, err := e.s.GetContact(ctx, e.ws.ID, e.conversation().ContactID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) messages() []*store.Message {
	ms, err := e.s.ListMessages(ctx, e.ws.ID, e.conv.ID, store.MessageFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func (e *env) events(typ string) []*store.Event {
	es, err := e.s.ListEvents(ctx, e.ws.ID, store.EventFilter{Type: typ, ConversationID: e.conv.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// toolResult finds the tool message answering a call in a model request.
func toolResult(t *testing.T, req agenttest.Request, callID string) map[string]any {
	t.Helper()
	for _, m := range req.Messages() {
		if m["role"] == "tool" && m["tool_call_id"] == callID {
			var r map[string]any
			if err := json.Unmarshal([]byte(m["content"].(string)), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("no tool result for %s in %s", callID, req.Raw)
	return nil
}

func names(actions []tools.ActionTaken) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Name)
	}
	return out
}

func call(id, name, args string) agenttest.ToolCall {
	return agenttest.ToolCall{ID: id, Name: name, Args: args}
}

// Seed 002: "Si le contact n'a plus de questions, ferme la conversation et
// sélectionne la note de clôture « Problème Résolu »" — close first, then
// the thank-you note.
func TestSeedCloseWithClosingNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("c1", "close_conversation", `{"closing_note":"Problème Résolu"}`)}},
		agenttest.Step{Reply: `{"summary":"La cliente a obtenu ses réponses sur les tarifs.","closing_note":""}`}, // the summarizer
		agenttest.Step{Reply: "Merci, belle journée ! N'hésitez pas à nous recontacter."},
	)
	out := e.send("Non merci, je n'ai plus de questions.")
	conv := e.conversation()
	if conv.Status != store.StatusClosed || conv.Summary != "La cliente a obtenu ses réponses sur les tarifs." {
		t.Errorf("conversation: %+v", conv)
	}
	notes, _ := e.s.ListLabels(ctx, e.ws.ID, store.ClosingNote)
	if conv.ClosingNoteID != notes[0].ID || notes[0].Name != "Problème Résolu" {
		t.Errorf("closing note %q", conv.ClosingNoteID)
	}
	if out.Reply == nil || out.Reply.Text != "Merci, belle journée ! N'hésitez pas à nous recontacter." {
		t.Fatalf("reply: %+v", out.Reply)
	}
	// The action ran before the reply: the model saw its result first.
	reqs := e.srv.Requests()
	if r := toolResult(t, reqs[2], "c1"); r["ok"] != true {
		t.Errorf("close result fed back: %v", r)
	}
	// The summary covered the conversation's messages.
	if !strings.Contains(string(reqs[1].Raw), "Non merci") {
		t.Errorf("summary request: %s", reqs[1].Raw)
	}
	closed := e.events("conversation.closed")
	if len(closed) != 1 || closed[0].ModelCallID != "c1" || closed[0].Actor != "ai_agent:"+e.agent.ID {
		t.Errorf("closed events: %+v", closed)
	}
	if !closed[0].CreatedAt.Before(out.Reply.CreatedAt) && !closed[0].CreatedAt.Equal(out.Reply.CreatedAt) {
		t.Errorf("closed at %v, replied at %v", closed[0].CreatedAt, out.Reply.CreatedAt)
	}
	// The reply records the actions taken.
	stored := e.messages()[1]
	if acts, _ := stored.Metadata["actions"].([]any); len(acts) != 1 || stored.Metadata["model_call_id"] != "chatcmpl-2" {
		t.Errorf("reply metadata: %v", stored.Metadata)
	}
}

// Seed 002: "assigne à @Équipe de Planification par round robin" — then the
// AI agent sends nothing more; what it wrote anyway is dropped and recorded.
func TestSeedAssignRoundRobinStopsReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{Reply: "Je vous mets en relation avec l'équipe.",
			ToolCalls: []agenttest.ToolCall{call("a1", "assign", `{"team":"@Équipe de Planification","method":"round_robin"}`)}},
	)
	out := e.send("Je voudrais déplacer mon rendez-vous de mardi.")
	conv := e.conversation()
	users, _ := e.s.ListUsers(ctx, e.ws.ID)
	var marie string
	for _, u := range users {
		if u.Name == "Marie Dubois" {
			marie = u.ID
		}
	}
	if conv.Assignee != (store.Assignee{Type: store.AssigneeUser, ID: marie}) {
		t.Errorf("assignee = %+v, want Marie (first in round robin)", conv.Assignee)
	}
	// The text that came with the assignment was streamed, so it is
	// stored, before the action ran; the model is not asked again.
	if out.Reply == nil || out.Reply.Text != "Je vous mets en relation avec l'équipe." || out.Reply.Metadata["before_actions"] != true || out.Dropped != "" {
		t.Errorf("reply %+v, dropped %q", out.Reply, out.Dropped)
	}
	if ms := e.messages(); len(ms) != 2 || ms[1].Seq != 2 || len(e.events("reply.dropped")) != 0 || len(e.srv.Requests()) != 1 {
		t.Errorf("%d messages, %d dropped events, %d model calls", len(ms), len(e.events("reply.dropped")), len(e.srv.Requests()))
	}

	// The next visitor message waits for the human: no model call.
	out = e.send("Vous êtes là ?")
	if !out.Waiting || out.Reply != nil {
		t.Errorf("after assignment to a human: %+v", out)
	}
}

// Seed 002: "Si le Contact a fourni son budget, enregistre-le comme champ
// Budget", and reply variables rendered after the actions ran.
func TestSeedSaveBudgetAndReplyVariables(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("f1", "update_contact_fields",
			`{"fields":[{"field":"Budget","value":"150"},{"field":"bookingdate","value":"2026-12-05"},{"field":"bookingtime","value":"14h30"}]}`)}},
		agenttest.Step{Reply: "Merci pour ta réservation. Nous sommes impatients de te voir le $contact.bookingdate à {{contact.bookingtime}} (budget : $contact.budget €)."},
	)
	var deltas strings.Builder
	var out *conversation.Outcome
	events := e.watch(func() {
		var err error
		out, err = e.a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID,
			Text: "Une coupe le 5 décembre à 14h30, budget 150 €"})
		if err != nil {
			t.Fatal(err)
		}
	})
	var kinds []conversation.EventKind
	var typing []bool
	for _, ev := range events {
		switch ev.Kind {
		case conversation.EventDelta:
			deltas.WriteString(ev.Text)
		case conversation.EventTyping:
			typing = append(typing, ev.Typing)
			kinds = append(kinds, ev.Kind)
		default:
			kinds = append(kinds, ev.Kind)
		}
	}
	// Subscribers see the turn in order: the visitor's message, the AI
	// agent typing, the action, the reply, typing over, the end of the
	// turn.
	if !slices.Equal(typing, []bool{true, false}) {
		t.Errorf("typing events %v, want on then off", typing)
	}
	if want := []conversation.EventKind{conversation.EventMessage, conversation.EventTyping, conversation.EventAction, conversation.EventMessage,
		conversation.EventTyping, conversation.EventTurnEnded}; !slices.Equal(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	want := "Merci pour ta réservation. Nous sommes impatients de te voir le 2026-12-05 à 14h30 (budget : 150 €)."
	if out.Reply == nil || out.Reply.Text != want {
		t.Fatalf("reply = %+v", out.Reply)
	}
	if deltas.String() != want {
		t.Errorf("streamed %q, want the rendered reply", deltas.String())
	}
	if c := e.contact(); c.Fields["budget"] != 150.0 {
		t.Errorf("budget = %v", c.Fields["budget"])
	}
	if !slices.Equal(names(out.Actions), []string{"update_contact_fields"}) || !out.Actions[0].Result.OK {
		t.Errorf("actions: %+v", out.Actions)
	}
}

// Seed 002: "mets à jour le stage de vie à Qualifié" — with the stage's
// exact name it works; a wrong name fails with the valid ones, and the
// model can correct itself.
func TestSeedLifecycleStageWithCorrection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("s1", "update_lifecycle_stage", `{"stage":"Qualifié"}`)}},
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("s2", "update_lifecycle_stage", `{"stage":"Lead Qualifié"}`)}},
		agenttest.Step{Reply: "Parfait, je note votre intérêt pour une démonstration."},
	)
	out := e.send("Oui, je veux bien une démonstration.")
	reqs := e.srv.Requests()
	r := toolResult(t, reqs[1], "s1")
	valid, _ := r["error"].(map[string]any)["valid"].([]any)
	if r["ok"] != false || len(valid) == 0 || valid[0] != "Lead Qualifié" {
		t.Errorf("failed stage result: %v", r)
	}
	stages, _ := e.s.ListLifecycleStages(ctx, e.ws.ID)
	if e.contact().LifecycleStageID != stages[1].ID || out.Reply == nil {
		t.Errorf("stage %q, reply %+v", e.contact().LifecycleStageID, out.Reply)
	}
}

// Seed 002's chained examples: "Collecter et sauvegarder le numéro de
// téléphone, puis assigner la conversation à une @Équipe de Ventes par round
// robin" and "Mettre à jour le stage de vie à « Problème Résolu », et fermer
// la conversation en résumant".
func TestSeedChainedActions(t *testing.T) {
	t.Parallel()
	t.Run("phone then assign", func(t *testing.T) {
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{ToolCalls: []agenttest.ToolCall{
				call("p1", "update_contact_fields", `{"fields":[{"field":"telephone","value":"06 12 34 56 78"}]}`),
				call("p2", "assign", `{"team":"Équipe des Ventes"}`),
			}},
		)
		out := e.send("Mon numéro est le 06 12 34 56 78")
		if !slices.Equal(names(out.Actions), []string{"update_contact_fields", "assign"}) {
			t.Fatalf("actions in order: %v", names(out.Actions))
		}
		if e.contact().Fields["telephone"] != "+33612345678" || e.conversation().Assignee.Type != store.AssigneeUser {
			t.Errorf("contact %v, assignee %+v", e.contact().Fields, e.conversation().Assignee)
		}
		// Actions ran in the order issued: the field event precedes the assignment.
		evs, _ := e.s.ListEvents(ctx, e.ws.ID, store.EventFilter{ConversationID: e.conv.ID})
		var order []string
		for _, ev := range evs {
			if ev.Type != "action.executed" {
				order = append(order, ev.Type)
			}
		}
		if !slices.Equal(order, []string{"contact.field_updated", "conversation.assigned"}) {
			t.Errorf("event order: %v", order)
		}
	})
	t.Run("stage then close", func(t *testing.T) {
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{ToolCalls: []agenttest.ToolCall{
				call("q1", "update_lifecycle_stage", `{"stage":"Problème Résolu"}`),
				call("q2", "close_conversation", `{}`),
			}},
			agenttest.Step{Reply: `{"summary":"Problème de réservation résolu.","closing_note":"Problème Résolu"}`},
			agenttest.Step{Reply: "C'est réglé, merci !"},
		)
		out := e.send("Tout est bon, merci.")
		if out.Actions[0].Result.OK || out.Actions[0].Result.Error.Code != "unknown_stage" || !out.Actions[1].Result.OK {
			t.Errorf("results: %+v", out.Actions)
		}
		conv := e.conversation()
		if conv.Status != store.StatusClosed || conv.Summary != "Problème de réservation résolu." || conv.ClosingNoteID == "" {
			t.Errorf("conversation: %+v", conv)
		}
		if out.Reply == nil || out.Reply.Text != "C'est réglé, merci !" {
			t.Errorf("reply %+v", out.Reply)
		}
	})
}

// Seed 002 FAQ: "désassigner puis répondre" — the reply fails after the
// conversation is unassigned.
func TestSeedUnassignThenReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("u1", "unassign", `{}`)}},
	)
	out := e.send("Je préfère parler à quelqu'un.")
	if !e.conversation().Assignee.IsZero() || out.Reply != nil {
		t.Fatalf("assignee %+v reply %+v", e.conversation().Assignee, out.Reply)
	}
	// The model was not asked for a reply after the unassign.
	if len(e.srv.Requests()) != 1 {
		t.Errorf("%d model calls", len(e.srv.Requests()))
	}
	e2 := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{Reply: "Très bien, je vous laisse avec l'équipe.", ToolCalls: []agenttest.ToolCall{call("u1", "unassign", `{}`)}},
	)
	out = e2.send("Je préfère parler à quelqu'un.")
	// Said (and shown) before the unassign: kept; nothing comes after it.
	if out.Reply == nil || out.Reply.Text != "Très bien, je vous laisse avec l'équipe." || out.Dropped != "" || len(e2.srv.Requests()) != 1 {
		t.Errorf("reply %+v dropped %q, %d model calls", out.Reply, out.Dropped, len(e2.srv.Requests()))
	}
}

// A new visitor message reopens a closed conversation (the AI agent never
// does), and the reopening is an event.
func TestVisitorReopensClosedConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Reply: "Re-bonjour !"})
	conv := e.conversation()
	now := time.Now()
	conv.Status, conv.ClosedAt = store.StatusClosed, &now
	if err := e.s.UpdateConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	out := e.send("Bonjour, c'est encore moi")
	if e.conversation().Status != store.StatusOpen || len(e.events("conversation.reopened")) != 1 || out.Reply == nil {
		t.Errorf("status %s, reopened events %d, reply %+v", e.conversation().Status, len(e.events("conversation.reopened")), out.Reply)
	}
}

func TestTurnFailurePaths(t *testing.T) {
	t.Parallel()
	t.Run("unknown tool", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{ToolCalls: []agenttest.ToolCall{call("x1", "delete_contact", `{}`)}},
			agenttest.Step{Reply: "Je ne peux pas faire cela."})
		out := e.send("Supprimez mes données")
		r := toolResult(t, e.srv.Requests()[1], "x1")
		if r["ok"] != false || r["error"].(map[string]any)["code"] != "unknown_action" || out.Reply == nil {
			t.Errorf("result %v reply %+v", r, out.Reply)
		}
	})
	t.Run("arguments that are not JSON or break the schema", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{ToolCalls: []agenttest.ToolCall{
				call("j1", "update_contact_fields", `{"fields": [{"field": "budget"`),
				call("j2", "assign", `{"team": 42}`),
			}},
			agenttest.Step{Reply: "Pouvez-vous préciser ?"})
		e.send("budget 100")
		req := e.srv.Requests()[1]
		for _, id := range []string{"j1", "j2"} {
			if r := toolResult(t, req, id); r["error"].(map[string]any)["code"] != "invalid_arguments" {
				t.Errorf("%s: %v", id, r)
			}
		}
	})
	t.Run("a tool loop is stopped", func(t *testing.T) {
		t.Parallel()
		same := agenttest.Step{ToolCalls: []agenttest.ToolCall{call("", "tag_contact", `{"tag":"coloration"}`)}}
		var steps []agenttest.Step
		for range 8 {
			steps = append(steps, same)
		}
		e := newEnv(t, storetest.OpenSQLite(t), steps...)
		out := e.send("Je veux une coloration")
		if !out.Fallback || out.Reply == nil || !strings.Contains(out.Reply.Text, "problème technique") {
			t.Errorf("outcome: %+v", out)
		}
		// The tag was put once; the repeats were refused and told to the model.
		if len(e.events("contact.tagged")) != 1 {
			t.Errorf("%d tagged events", len(e.events("contact.tagged")))
		}
		if r := toolResult(t, e.srv.Requests()[2], "call_1_0"); r["error"].(map[string]any)["code"] != "repeated_call" {
			t.Errorf("repeat result: %v", r)
		}
		if len(e.events("turn.too_many_tool_rounds")) != 1 {
			t.Error("no event for the tool loop")
		}
	})
	t.Run("500 then success", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Status: 500, Error: "overloaded"}, agenttest.Step{Reply: "Bonjour !"})
		if out := e.send("Bonjour"); out.Reply == nil || out.Reply.Text != "Bonjour !" || out.Fallback {
			t.Errorf("outcome %+v", out)
		}
	})
	t.Run("model down: fallback and event", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Status: 503}, agenttest.Step{Status: 503}, agenttest.Step{Status: 503})
		out := e.send("Bonjour")
		if !out.Fallback || out.Reply.Text != prompts.Message("fr", prompts.FallbackAgent) || len(e.events("model.failed")) != 1 {
			t.Errorf("outcome %+v, events %d", out, len(e.events("model.failed")))
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Delay: 5 * time.Second}, agenttest.Step{Reply: "Me voici."})
		e.a = conversation.New(e.s, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: e.srv.URL, Timeout: 100 * time.Millisecond, Backoff: time.Millisecond})})
		if out := e.send("Bonjour"); out.Reply == nil || out.Reply.Text != "Me voici." {
			t.Errorf("outcome %+v", out)
		}
	})
	t.Run("stream cut mid tool call", func(t *testing.T) {
		t.Parallel()
		c := []agenttest.ToolCall{call("t1", "tag_contact", `{"tag":"nouveau-client"}`)}
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{ToolCalls: c, CutAfter: 3}, agenttest.Step{ToolCalls: c}, agenttest.Step{Reply: "Bienvenue !"})
		out, err := e.a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID, Text: "Première visite"})
		if err != nil || out.Reply == nil || !slices.Contains(e.contact().Tags, "nouveau-client") {
			t.Errorf("%v %+v tags %v", err, out, e.contact().Tags)
		}
	})
}

func TestNoModelConfigured(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	e := newEnv(t, s)
	e.a = conversation.New(s, conversation.Options{})
	out := e.send("Bonjour")
	if out.Reply != nil || out.Notice != conversation.NoModelNotice || !strings.Contains(out.Notice, "OPENAI_API_KEY") {
		t.Errorf("outcome %+v", out)
	}
	if ms := e.messages(); len(ms) != 1 || ms[0].Text != "Bonjour" {
		t.Errorf("the visitor's message was not stored: %v", ms)
	}
	// The stream says it too, for channels that read only the stream.
	evs, err := s.ListStreamEvents(ctx, e.ws.ID, e.conv.ID, 0, 0)
	if err != nil || len(evs) != 2 || evs[1].Kind != conversation.StreamStatus || !strings.Contains(string(evs[1].Data), `"change":"unanswered"`) {
		t.Errorf("stream events %v %v, want the message then an unanswered status", evs, err)
	}
}

func TestAudioMessageIsTranscribed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t),
		agenttest.Step{Transcript: "Je voudrais prendre rendez-vous pour une coloration samedi."},
		agenttest.Step{ToolCalls: []agenttest.ToolCall{call("s", "update_contact_fields", `{"fields":[{"field":"service","value":"Coloration"}]}`)}},
		agenttest.Step{Reply: "C'est noté !"},
	)
	out, err := e.a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID,
		Audio: []conversation.Audio{{Name: "vocal.ogg", ContentType: "audio/ogg", Data: []byte("OggS fake audio")}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Visitor.Text != "Je voudrais prendre rendez-vous pour une coloration samedi." || len(out.Visitor.Attachments) != 1 {
		t.Errorf("visitor message: %+v", out.Visitor)
	}
	if e.contact().Fields["service"] != "Coloration" || out.Reply == nil {
		t.Errorf("the transcript did not drive the turn: %+v", out)
	}
	_, err = e.a.Handle(ctx, conversation.Inbound{WorkspaceID: e.ws.ID, ConversationID: e.conv.ID,
		Audio: []conversation.Audio{{Name: "note.txt", Data: []byte("x")}}})
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("unsupported format: %v", err)
	}
}

func TestPromptShowsWorkspaceAndTools(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Reply: "Bonjour !"})
	e.send("Bonjour")
	req := e.srv.Requests()[0]
	sys := req.System()
	for _, want := range []string{"Assistante Salon", "Équipe de Planification — members: Marie Dubois, Luc Martin, Karim Haddad",
		"Nouveau Lead → Lead Qualifié → Client", "- Problème Résolu: La demande du contact a été entièrement traitée.",
		"- name: Camille Petit", "Si le contact n'a plus de questions"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	// search_knowledge is enabled, but this runtime has no embedder to
	// search with: it is not offered.
	want := slices.DeleteFunc(slices.Clone(e.agent.Actions), func(a string) bool { return a == "search_knowledge" })
	if !slices.Equal(req.ToolNames(), want) || len(want) != len(e.agent.Actions)-1 {
		t.Errorf("tools %v, want the enabled actions but search_knowledge %v", req.ToolNames(), want)
	}
	if req.Body["temperature"] != 0.2 || req.Body["max_tokens"] != 400.0 {
		t.Errorf("model settings not sent: %s", req.Raw)
	}
}

// What the visitor saw is what the store holds, on the model's odd
// answers (issue: the model wire as real endpoints speak it).
func TestModelWireOddities(t *testing.T) {
	t.Parallel()
	t.Run("an empty completion takes the fallback, recorded", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{})
		out := e.send("Bonjour")
		if !out.Fallback || out.Reply == nil || len(e.events("model.empty_reply")) != 1 {
			t.Errorf("outcome %+v, events %d", out, len(e.events("model.empty_reply")))
		}
	})
	t.Run("a tool call without id is answered with one", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t),
			agenttest.Step{NoID: true, ToolCalls: []agenttest.ToolCall{call("", "tag_contact", `{"tag":"coloration"}`)}},
			agenttest.Step{Reply: "C'est noté."})
		if out := e.send("Je veux une coloration"); out.Reply == nil || len(out.Actions) != 1 || out.Actions[0].ToolCallID == "" {
			t.Fatalf("outcome %+v", out)
		}
		for _, m := range e.srv.Requests()[1].Messages() {
			if m["role"] == "tool" && (m["tool_call_id"] == nil || m["tool_call_id"] == "") {
				t.Errorf("tool message without tool_call_id: %v", m)
			}
		}
	})
	t.Run("a stream broken after its first words: fragment, then fallback", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Reply: "Je regarde les disponibilités du", StreamError: "upstream crashed"})
		out := e.send("Une place samedi ?")
		ms := e.messages()
		if len(ms) != 3 || ms[1].Text != "Je regarde les disponibilités du" || ms[1].Metadata["interrupted"] != true ||
			ms[2].Text != prompts.Message("fr", prompts.FallbackAgent) || !out.Fallback {
			t.Errorf("messages %v, outcome %+v", texts(ms), out)
		}
	})
	t.Run("a stalled stream: fragment, then fallback", func(t *testing.T) {
		e := newEnv(t, storetest.OpenSQLite(t), agenttest.Step{Reply: "Un instant, je vérifie", StallAfter: 2})
		e.a = conversation.New(e.s, conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: e.srv.URL, StreamIdle: 100 * time.Millisecond})})
		out := e.send("Une place samedi ?")
		ms := e.messages()
		if len(ms) != 3 || ms[1].Metadata["interrupted"] != true || !out.Fallback {
			t.Errorf("messages %v, outcome %+v", texts(ms), out)
		}
	})
}

func texts(ms []*store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Role) + ": " + m.Text
	}
	return out
}
