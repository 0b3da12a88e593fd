package conversation_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

func handedOver(t *testing.T, e *env) map[string]string {
	t.Helper()
	evs := e.events("conversation.handed_over")
	if len(evs) != 1 {
		t.Fatalf("conversation.handed_over events = %d, want 1", len(evs))
	}
	var p map[string]string
	if err := json.Unmarshal(evs[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// The model fails: the visitor reads the workspace's own fallback text in
// its language, and the conversation really goes to the fallback team,
// with the cause on record.
func TestFallbackHandsOverToTheFallbackTeam(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t, agenttest.Step{Status: 401, Error: "invalid api key"})
	e := newEnvEdited(t, storetest.OpenSQLite(t), srv, func(f *workspace.File) {
		f.Workspace.Settings.FallbackTeam = "Équipe des Ventes"
		f.Workspace.Settings.FallbackMessages = map[string]string{"fr": "Un instant : Sophie reprend la conversation."}
	})
	out := e.send("Bonjour !")
	if !out.Fallback || !strings.Contains(out.FallbackCause, "401") {
		t.Fatalf("outcome: fallback %v, cause %q; want the fallback with the 401 as cause", out.Fallback, out.FallbackCause)
	}
	if len(out.Replies) != 1 || out.Replies[0].Text != "Un instant : Sophie reprend la conversation." {
		t.Errorf("replies = %v, want the workspace's fallback text", out.Replies)
	}
	conv := e.conversation()
	if conv.Assignee.Type != store.AssigneeUser || conv.TeamID != e.Teams["Équipe des Ventes"] {
		t.Errorf("assignee = %+v (team %s), want a member of Équipe des Ventes", conv.Assignee, conv.TeamID)
	}
	if p := handedOver(t, e); p["to"] != "team:Équipe des Ventes" || !strings.Contains(p["cause"], "401") {
		t.Errorf("handed_over = %v", p)
	}
	// The AI agent no longer answers: the next message waits for the team.
	asked := len(srv.Requests())
	if next := e.send("Allô ?"); !next.Waiting || len(srv.Requests()) != asked {
		t.Errorf("after the hand-over: waiting %v, model asked %d more times", next.Waiting, len(srv.Requests())-asked)
	}
}

// Without a fallback team the conversation is unassigned into the inbox
// queue rather than left with an AI agent that cannot answer.
func TestFallbackWithoutTeamGoesToTheInbox(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t, agenttest.Step{Reply: "", ToolCalls: nil})
	e := newEnvEdited(t, storetest.OpenSQLite(t), srv, nil)
	out := e.send("Bonjour !")
	if !out.Fallback || !strings.Contains(out.FallbackCause, "neither text nor a tool call") {
		t.Fatalf("outcome: fallback %v, cause %q", out.Fallback, out.FallbackCause)
	}
	if !strings.HasPrefix(out.Replies[len(out.Replies)-1].Text, "Désolé, je rencontre un problème technique.") {
		t.Errorf("replies = %v, want the default French fallback", out.Replies)
	}
	if conv := e.conversation(); !conv.Assignee.IsZero() {
		t.Errorf("assignee = %+v, want nobody (the inbox queue)", conv.Assignee)
	}
	if p := handedOver(t, e); p["to"] != "inbox" {
		t.Errorf("handed_over = %v", p)
	}
}

// A response rule whose action fails does not send its reply, which would
// claim the action worked: the visitor gets the fallback, and the team the
// conversation.
func TestRuleWithFailingActionDoesNotClaimSuccess(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t)
	e := newEnvEdited(t, storetest.OpenSQLite(t), srv, func(f *workspace.File) {
		f.ResponseRules = append([]workspace.ResponseRule{{
			Name: "Confirmation", Keywords: []string{"confirmation par mail"},
			Reply:   "C'est envoyé : vérifiez votre boîte mail.",
			Actions: []workspace.RuleAction{{Action: "send_email", Args: map[string]any{"to": "{{contact.email}}", "subject": "Confirmation", "body": "Votre rendez-vous est confirmé."}}},
		}}, f.ResponseRules...)
	})
	out := e.send("Je voudrais une confirmation par mail")
	if out.Via != "rule:Confirmation" || !out.Fallback {
		t.Fatalf("via %q, fallback %v; want the rule, fallen back", out.Via, out.Fallback)
	}
	for _, m := range e.messages() {
		if strings.Contains(m.Text, "C'est envoyé") {
			t.Errorf("the rule's reply was sent although its action failed: %q", m.Text)
		}
	}
	if len(e.events("rule.failed")) != 1 {
		t.Errorf("rule.failed events = %d, want 1", len(e.events("rule.failed")))
	}
	if p := handedOver(t, e); !strings.Contains(p["cause"], "send_email failed") {
		t.Errorf("handed_over = %v", p)
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("the model was asked %d times; the rule answered", len(srv.Requests()))
	}
}
