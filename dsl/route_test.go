package dsl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
)

var salonFlows = []string{booking, relance}

// An active run first; else the enabled flow of highest priority whose
// trigger matches; else the first response rule; else the AI agent.
func TestRoutingOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		t.Run("priority", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: salonFlows})
			// Both triggers match; the booking flow has the higher priority.
			h.expect("Rappelez-moi pour un rendez-vous", "Quel service")
			if r := h.run(); r.FlowID != h.flows["prise-de-rendez-vous"].ID {
				t.Errorf("run of flow %s, want the booking flow", r.FlowID)
			}
			// A run in progress takes the next message, even one that
			// matches another trigger or a rule.
			h.expect("relance, horaires", "Je n'ai pas compris votre choix")
		})

		t.Run("disabled flow", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: salonFlows})
			if _, err := dsl.SetEnabled(ctx, s, h.ws.ID, "prise-de-rendez-vous", false); err != nil {
				t.Fatal(err)
			}
			h.expect("Rappelez-moi pour un rendez-vous", "À quel numéro")
			if r := h.run(); r.FlowID != h.flows["relance"].ID {
				t.Errorf("run of flow %s, want relance", r.FlowID)
			}
		})

		t.Run("response rules", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: salonFlows})
			out, err := h.a.Handle(ctx, conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: "Vous êtes ouverts le samedi ?"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Via != "rule:Horaires" || len(out.Replies) != 1 || !strings.Contains(out.Replies[0].Text, "du mardi au samedi") {
				t.Errorf("outcome: via %q, replies %v", out.Via, out.Replies)
			}
			h.expect("Où se trouve le salon ?", "12 rue des Lilas")
			h.expect("Vous vendez des cartes cadeaux ?", "Nos cartes cadeaux")
			if tasks := h.tasks(); len(tasks) != 1 || tasks[0].Title != "Carte cadeau pour Camille Petit" || tasks[0].Priority != store.PriorityLow ||
				tasks[0].Assignee != (store.Assignee{Type: store.AssigneeTeam, ID: h.teamID("Commercial")}) {
				t.Errorf("the rule's action did not create the task: %+v", tasks)
			}
			ev := h.events()
			if count(ev, "rule.matched") != 3 || count(ev, "flow.started") != 0 {
				t.Errorf("events = %v", ev)
			}
		})

		t.Run("nothing matches: the AI agent", func(t *testing.T) {
			model := agenttest.New(t, agenttest.Step{Reply: "Bonjour ! Que puis-je pour vous ?"})
			h := newHarness(t, s, setup{workspace: salon, flows: salonFlows,
				model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model.URL, Timeout: 2 * time.Second, MaxRetries: 1, Backoff: time.Millisecond})})
			out, err := h.a.Handle(ctx, conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: "Bonjour"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Via != "" || out.Reply == nil || out.Reply.Text != "Bonjour ! Que puis-je pour vous ?" {
				t.Errorf("outcome: via %q, reply %+v", out.Via, out.Reply)
			}
			runs, _ := s.ListFlowRuns(ctx, h.ws.ID, store.FlowRunFilter{ConversationID: h.conv.ID})
			if len(runs) != 0 {
				t.Errorf("a run started: %+v", runs)
			}
		})

		t.Run("a human handles the conversation", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: salonFlows})
			conv := h.conversation()
			conv.Assignee = store.Assignee{Type: store.AssigneeTeam, ID: h.teamID("Commercial")}
			if err := s.UpdateConversation(ctx, conv); err != nil {
				t.Fatal(err)
			}
			if replies := h.say("Je voudrais un rendez-vous, vous êtes ouverts ?"); len(replies) != 0 {
				t.Errorf("replies %q while a team handles the conversation", replies)
			}
		})
	})
}

// Exit words leave a run (seed 001: always give an exit); the next
// trigger starts a new one.
func TestExitWords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, setup{workspace: salon, flows: salonFlows})
		h.say("rendez-vous")
		h.expect("Annuler !", "on s'arrête là")
		if r := h.run(); r.Status != store.FlowRunExited || r.NodeID != "service" {
			t.Errorf("run = %+v, want exited at service", r)
		}
		if ev := h.events(); ev[len(ev)-1] != "flow.exited" {
			t.Errorf("events = %v", ev)
		}
		h.expect("rendez-vous", "Quel service")
		runs, _ := s.ListFlowRuns(ctx, h.ws.ID, store.FlowRunFilter{ConversationID: h.conv.ID})
		if len(runs) != 2 || runs[1].Status != store.FlowRunActive {
			t.Errorf("runs = %+v", runs)
		}
	})
	t.Run("a flow's own exit words", func(t *testing.T) {
		s := storetest.OpenSQLite(t)
		h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}, edit: func(f *dsl.Flow) {
			f.ExitWords, f.ExitMessage = []string{"laisse tomber"}, "Très bien, à bientôt !"
		}})
		h.say("rendez-vous")
		h.expect("stop", "Je n'ai pas compris votre choix") // not this flow's exit word
		h.expect("Laisse tomber", "Très bien, à bientôt !")
		if r := h.run(); r.Status != store.FlowRunExited {
			t.Errorf("run status = %q", r.Status)
		}
	})
}

// A run lives in the store: a new process (a new store handle, router and
// agent) goes on where the last one stopped.
func TestRunSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "causerie.db")
	s1, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, s1, setup{workspace: salon, flows: []string{booking}, mailer: true})
	h.say("rendez-vous")
	h.say("Coupe")
	h.expect("courts", "Quel jour")
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	h.s = s2
	h.a = conversation.New(s2, conversation.Options{Mailer: &mailbox{}})
	h.router = h.a.Router()
	h.expect("05/12/2026", "À quelle heure")
	h.say("10h")
	h.expect("06 12 34 56 78", "te voir le 2026-12-05 à 10h")
	r := h.run()
	if r.Status != store.FlowRunCompleted || r.Vars["details"] != "courts" {
		t.Errorf("run after the restart = %+v", r)
	}
}

// A run that stopped between two steps (a crash after an action) goes on
// from there with the next message; the action already done is not done
// again: its idempotency key (run, visit) is recorded.
func TestResumeAfterCrashDoesNotRepeatActions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}}) // no mailer: the task path
		for _, m := range []string{"rendez-vous", "Coupe", "courts", "05/12/2026", "10h", "06 12 34 56 78"} {
			h.say(m)
		}
		if n := len(h.tasks()); n != 1 {
			t.Fatalf("%d tasks, want 1", n)
		}
		// Find the task's visit in the audit log and put the run back
		// there, as if the process had died right after the action.
		events, err := s.ListEvents(ctx, h.ws.ID, store.EventFilter{ConversationID: h.conv.ID, Type: "action.executed"})
		if err != nil {
			t.Fatal(err)
		}
		var key string
		for _, e := range events {
			var a tools.AuditEvent
			if json.Unmarshal(e.Payload, &a) == nil && a.Action == tools.CreateTask {
				key = a.Key
			}
		}
		parts := strings.Split(key, "/") // flow/<run>/<step>/<node>/<digest of the arguments>
		if len(parts) != 5 || parts[3] != "tache-confirmation" {
			t.Fatalf("key of the task = %q", key)
		}
		step, _ := strconv.ParseInt(parts[2], 10, 64)
		r := h.run()
		r.Status, r.NodeID, r.Steps = store.FlowRunActive, "tache-confirmation", step
		r.Trail = r.Trail[:slices.Index(r.Trail, "tache-confirmation")+1]
		if err := s.UpdateFlowRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		out, err := h.a.Handle(context.Background(), conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: "allô ?"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Actions) != 1 || !out.Actions[0].Result.Replayed {
			t.Errorf("actions after the crash = %+v, want the task replayed", out.Actions)
		}
		if n := len(h.tasks()); n != 1 {
			t.Errorf("%d tasks after the resumed run, want still 1", n)
		}
		if r := h.run(); r.Status != store.FlowRunCompleted || count(r.Trail, "tache-confirmation") != 1 {
			t.Errorf("run = %+v", r)
		}
	})
}

// A flow updated during a run: the run goes on in the new version.
func TestFlowUpdatedDuringARun(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}})
	h.say("rendez-vous")
	f, err := dsl.Load(booking, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Nodes {
		if f.Nodes[i].ID == "details" {
			f.Nodes[i].Data.Parameters["text"] = "Cheveux courts, mi-longs ou longs ?"
		}
	}
	if _, op, err := dsl.Apply(ctx, s, h.ws.ID, f); err != nil || op != dsl.Updated {
		t.Fatalf("Apply = %v, %v", op, err)
	}
	h.expect("Coupe", "Cheveux courts, mi-longs ou longs ?")
	if _, op, _ := dsl.Apply(ctx, s, h.ws.ID, f); op != dsl.Unchanged {
		t.Errorf("applying the same flow again: %s", op)
	}
}

// Two processes (two agents with their own routers) get messages of one
// conversation at once: the turn lease puts them one after the other,
// and the run takes both answers, neither lost nor clobbered.
func TestConcurrentMessagesOneRun(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}})
		other := conversation.New(s, conversation.Options{})
		h.say("rendez-vous")
		errs := make(chan error, 2)
		for _, a := range []*conversation.Runtime{h.a, other} {
			go func() {
				_, err := a.Handle(ctx, conversation.Inbound{WorkspaceID: h.ws.ID, ConversationID: h.conv.ID, Text: "Coupe"})
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		// The first "Coupe" chose the service, the second answered the
		// length question.
		r := h.run()
		if r.NodeID != "date" || r.Vars["service"] != "Coupe" || r.Vars["details"] != "Coupe" || r.Version != 4 {
			t.Errorf("run = %+v", r)
		}
	})
}
