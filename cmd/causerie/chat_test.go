package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
)

func runChat(t *testing.T, dir, input string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(&out, &out)
	root.SetIn(strings.NewReader(input))
	root.SetArgs([]string{"--data-dir", dir, "chat"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("chat: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestChatShowsActionsAndStreamsReplies(t *testing.T) {
	srv := agenttest.New(t,
		agenttest.Step{ToolCalls: []agenttest.ToolCall{{Name: "update_contact_fields", Args: `{"fields":[{"field":"budget","value":"80"}]}`}}},
		agenttest.Step{Reply: "C'est noté : budget de $contact.budget €."},
		agenttest.Step{Reply: "Je vous passe l'équipe.", ToolCalls: []agenttest.ToolCall{{Name: "assign", Args: `{"team":"Équipe de Planification"}`}}},
	)
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	out := runChat(t, dir, "Mon budget est de 80 €\n/contact\nJe veux changer mon rendez-vous\nVous êtes là ?\n")
	for _, want := range []string{
		"Chatting with Assistante Salon (Salon Élégance) in conversation conv_",
		"  update_contact_fields → saved budget = 80\n",
		"Assistante Salon: C'est noté : budget de 80 €.\n",
		"  budget: 80\n",
		"  lifecycle stage: Nouveau Lead\n",
		"Assistante Salon: Je vous passe l'équipe.\n  assign → @Équipe de Planification (round robin) → Marie Dubois\n",
		"(the conversation is with the team now; the AI agent does not reply)",
		"bye",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// A stream that breaks after its first words: the fragment stays on the
// screen, marked, and the fallback follows it — as in the store.
func TestChatShowsFallbackAfterBrokenStream(t *testing.T) {
	srv := agenttest.New(t, agenttest.Step{Reply: "Bonjour, je regarde cela tout de suite pour vous", StreamError: "upstream crashed"})
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	out := runChat(t, dir, "Pouvez-vous m'aider ?\n")
	want := "Assistante Salon: Bonjour, je regarde cela tout de suite pour vous\n  (the answer was cut off)\n" +
		"Assistante Salon: Désolé, je rencontre un problème technique."
	if !strings.Contains(out, want) {
		t.Errorf("chat output lacks %q:\n%s", want, out)
	}
}

func TestChatWithoutModelExplains(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	out := runChat(t, dir, "Bonjour\n")
	if strings.Count(out, "set OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL") != 2 || !strings.Contains(out, "bye") {
		t.Errorf("want the explanation at start and instead of the reply:\n%s", out)
	}
}

func TestChatNeedsAnAgentChoice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/support/workspace.yaml")
	_, err := run(t, "--data-dir", dir, "chat")
	if err == nil || !strings.Contains(err.Error(), "choose one with --agent (Acme Assistant, Billing Bot)") {
		t.Errorf("err = %v", err)
	}
}

func TestChatCitesKnowledge(t *testing.T) {
	srv := agenttest.New(t,
		agenttest.Step{ToolCalls: []agenttest.ToolCall{{Name: "search_knowledge", Args: `{"query":"prix d'une coloration complète"}`}}},
		agenttest.Step{Reply: "Une coloration complète coûte 60 € [1]."},
	)
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	mustRun(t, "--data-dir", dir, "kb", "ingest", "../../examples/salon/knowledge")
	out := runChat(t, dir, "Combien coûte une coloration complète ?\n")
	for _, want := range []string{
		"Assistante Salon: Un instant, je consulte nos informations…\n",
		"  search_knowledge → found 4 passages in Salon\n",
		"Assistante Salon: Une coloration complète coûte 60 € [1].\n",
		"  [1] Tarifs du Salon Élégance › Tarifs > Coloration — https://salon-elegance.example/tarifs\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// A line longer than the message limit is refused with the limit, and the
// chat goes on (it used to end: "token too long").
func TestChatSurvivesALongLine(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	out := runChat(t, dir, strings.Repeat("horaires ", 300_000)+"\nQuels sont vos horaires ?\n")
	for _, want := range []string{"error: the message is 2699999 bytes long; the limit is 32768 bytes", "Le Salon Élégance est ouvert", "bye"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%.2000s", want, out)
		}
	}
}

// A conversation is listed with its id, contact, status and assignee, and
// chat --conversation resumes it where it was.
func TestConversationsListAndResume(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	runChat(t, dir, "Quels sont vos horaires ?\n")
	out := mustRun(t, "--data-dir", dir, "conversations", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "Visiteur (terminal)") || !strings.Contains(lines[1], "open") ||
		!strings.Contains(lines[1], "Assistante Salon (AI)") || !strings.Contains(lines[1], " 2 ") {
		t.Fatalf("conversations list:\n%s", out)
	}
	id := strings.Fields(lines[1])[0]
	var buf bytes.Buffer
	root := newRoot(&buf, &buf)
	root.SetIn(strings.NewReader("Et votre adresse ?\n"))
	root.SetArgs([]string{"--data-dir", dir, "chat", "--conversation", id})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	resumed := buf.String()
	for _, want := range []string{"  you: Quels sont vos horaires ?", "in conversation " + id, "12 rue des Lilas"} {
		if !strings.Contains(resumed, want) {
			t.Errorf("resumed chat lacks %q:\n%s", want, resumed)
		}
	}
	if out := mustRun(t, "--data-dir", dir, "conversations", "list"); !strings.Contains(out, " 4 ") {
		t.Errorf("the resumed conversation should have 4 messages:\n%s", out)
	}
	if _, err := run(t, "--data-dir", dir, "chat", "--conversation", "conv_nope"); err == nil || !strings.Contains(err.Error(), "has no conversation \"conv_nope\"") {
		t.Errorf("unknown conversation: %v", err)
	}
	if _, err := run(t, "--data-dir", dir, "kb", "ingestt"); err == nil || !strings.Contains(err.Error(), "Did you mean this?\n\tingest") {
		t.Errorf("unknown subcommand: %v", err)
	}
	if out, err := run(t, "--data-dir", filepath.Join(t.TempDir(), "new", "dir"), "migrate"); err != nil || !strings.Contains(out, "applied") {
		t.Errorf("migrate into a new directory: %v\n%s", err, out)
	}
}

// When the model fails, the visitor reads the fallback and the operator
// reads why on stderr; the conversation is handed over, as promised.
func TestChatTellsTheOperatorWhyTheFallbackWasSent(t *testing.T) {
	srv := agenttest.New(t, agenttest.Step{Status: 401, Error: "Incorrect API key provided: sk-abcdefgh12345678"})
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	var stdout, stderr bytes.Buffer
	root := newRoot(&stdout, &stderr)
	root.SetIn(strings.NewReader("Bonjour\n"))
	root.SetArgs([]string{"--data-dir", dir, "chat"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("chat: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "Désolé, je rencontre un problème technique.") ||
		!strings.Contains(stdout.String(), "(the conversation was handed over to the team)") {
		t.Errorf("stdout lacks the fallback and the hand-over:\n%s", stdout.String())
	}
	errs := stderr.String()
	if !strings.Contains(errs, "the visitor got the fallback message because") || !strings.Contains(errs, "401") {
		t.Errorf("stderr does not give the cause:\n%s", errs)
	}
	if strings.Contains(errs, "sk-abcdefgh12345678") || strings.Contains(stdout.String(), "sk-abcdefgh12345678") {
		t.Errorf("the API key reached the screen:\n%s\n%s", stdout.String(), errs)
	}
}

// eval capture end to end: a conversation the booking flow handled alone,
// found with conversations list, becomes a suite with the flow written
// next to it, and replays with no cassette and no model.
func TestEvalCaptureFlowOnlyConversation(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	mustRun(t, "--data-dir", dir, "flow", "apply", "../../examples/salon/flows/prise-de-rendez-vous.json")
	runChat(t, dir, "réservation\nCoupe\ncourts\ndemain\nla semaine prochaine\nun jour\n")
	lines := strings.Split(strings.TrimSpace(mustRun(t, "--data-dir", dir, "conversations", "list")), "\n")
	if len(lines) != 2 {
		t.Fatalf("conversations list: %v", lines)
	}
	id := strings.Fields(lines[1])[0]

	suiteDir := t.TempDir()
	ws, _ := os.ReadFile("../../examples/salon/workspace.yaml")
	os.WriteFile(filepath.Join(suiteDir, "workspace.yaml"), ws, 0o644)
	suite := filepath.Join(suiteDir, "captured.yaml")
	out := mustRun(t, "--data-dir", dir, "eval", "capture", "--conversation", id, "-o", suite)
	if !strings.Contains(out, filepath.Join(suiteDir, "flows", "prise-de-rendez-vous.json")) {
		t.Fatalf("capture did not write the flow:\n%s", out)
	}
	data, _ := os.ReadFile(suite)
	if !strings.Contains(string(data), "flows/prise-de-rendez-vous.json") || !strings.Contains(string(data), "team: Équipe de Planification") {
		t.Errorf("captured suite:\n%s", data)
	}
	out, err := run(t, "eval", suite)
	if err != nil || !strings.Contains(out, "1 cases, 0 failed") {
		t.Fatalf("the captured flow-only case does not replay without a cassette: %v\n%s\n%s", err, out, data)
	}
}

// A flow run the visitor abandoned expires after the idle time, and the
// next message goes on as if no run were active; flow runs list shows
// runs, flow runs cancel ends one.
func TestFlowRunsExpireListAndCancel(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	mustRun(t, "--data-dir", dir, "flow", "apply", "../../examples/salon/flows/prise-de-rendez-vous.json")
	runChat(t, dir, "réservation\n")
	out := mustRun(t, "--data-dir", dir, "flow", "runs", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "prise-de-rendez-vous") || !strings.Contains(lines[1], "active") ||
		!strings.Contains(lines[1], "service") {
		t.Fatalf("flow runs list:\n%s", out)
	}
	runID := strings.Fields(lines[1])[0]
	conv := strings.Fields(lines[1])[2]

	// The visitor comes back after the idle time: the run expired, and the
	// message goes to the rules (the opening hours).
	t.Setenv("CAUSERIE_FLOW_RUN_IDLE", "1ms")
	time.Sleep(5 * time.Millisecond)
	var buf bytes.Buffer
	root := newRoot(&buf, &buf)
	root.SetIn(strings.NewReader("Quels sont vos horaires ?\n"))
	root.SetArgs([]string{"--data-dir", dir, "chat", "--conversation", conv})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(answered by rule Horaires)") {
		t.Errorf("after the idle time the message should reach the rules:\n%s", buf.String())
	}
	if out := mustRun(t, "--data-dir", dir, "flow", "runs", "list", "--status", "expired"); !strings.Contains(out, runID) {
		t.Errorf("the run is not listed as expired:\n%s", out)
	}
	t.Setenv("CAUSERIE_FLOW_RUN_IDLE", "")

	runChat(t, dir, "réservation\n")
	lines = strings.Split(strings.TrimSpace(mustRun(t, "--data-dir", dir, "flow", "runs", "list")), "\n")
	second := strings.Fields(lines[1])[0]
	if out := mustRun(t, "--data-dir", dir, "flow", "runs", "cancel", second); !strings.Contains(out, "cancelled") {
		t.Errorf("cancel: %s", out)
	}
	if _, err := run(t, "--data-dir", dir, "flow", "runs", "cancel", second); err == nil || !strings.Contains(err.Error(), "is cancelled already") {
		t.Errorf("cancelling twice: %v", err)
	}
	if _, err := run(t, "--data-dir", dir, "flow", "runs", "list", "--status", "done"); err == nil || !strings.Contains(err.Error(), "use one of active, completed") {
		t.Errorf("bad status: %v", err)
	}
	if _, err := run(t, "--data-dir", dir, "flow", "runs", "cancell"); err == nil || !strings.Contains(err.Error(), "Did you mean this?\n\tcancel") {
		t.Errorf("unknown subcommand: %v", err)
	}
}
