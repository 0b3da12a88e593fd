package prompts_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/prompts"
)

func TestRenderSystem(t *testing.T) {
	t.Parallel()
	out, err := prompts.RenderSystem(prompts.System{
		Now: "Saturday 21 November 2026, 10:30 UTC", Language: "fr", Workspace: "Salon Élégance", Agent: "Assistante Salon",
		Instructions: "Si le contact n'a plus de questions, ferme la conversation.",
		Teams:        []prompts.Team{{Name: "Équipe de Planification", Members: []string{"Marie Dubois", "Luc Martin"}}},
		Fields:       []prompts.Field{{ID: "service", Name: "Service", Type: "select", Options: []string{"Coupe", "Coloration"}}},
		Stages:       []string{"Nouveau Lead", "Lead Qualifié", "Client"},
		ClosingNotes: []prompts.Note{{Name: "Problème Résolu", Description: "Traité."}},
		Contact:      prompts.Contact{Name: "Camille", Fields: []prompts.FieldValue{{ID: "budget", Name: "Budget", Value: "150"}}},
		Knowledge:    []prompts.Passage{{Title: "Tarifs", Text: "Coupe : 35 €"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"You are Assistante Salon, an AI agent of Salon Élégance",
		"BEFORE you write your reply",
		"- Équipe de Planification — members: Marie Dubois, Luc Martin",
		"- service — Service — select (one of: Coupe, Coloration)",
		"Lifecycle stages, in order: Nouveau Lead → Lead Qualifié → Client",
		"- Problème Résolu: Traité.",
		"- email: (unknown)",
		"- budget (Budget): 150",
		"[1] Tarifs\nCoupe : 35 €",
		"# Instructions from the admin\nSi le contact n'a plus de questions, ferme la conversation.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, out)
		}
	}
	// The turn's part comes last, so that the static part is a prefix the
	// endpoint can cache.
	if i, j := strings.Index(out, "# Instructions from the admin"), strings.Index(out, "10:30 UTC"); i < 0 || j < i {
		t.Errorf("the time comes before the instructions:\n%s", out)
	}
}

func TestRenderSummary(t *testing.T) {
	t.Parallel()
	out, err := prompts.RenderSummary(prompts.Summary{Language: "fr", ClosingNotes: []string{"Problème Résolu", "Sans Suite"}})
	if err != nil || !strings.Contains(out, "among exactly these: Problème Résolu, Sans Suite") {
		t.Errorf("%v\n%s", err, out)
	}
	out, _ = prompts.RenderSummary(prompts.Summary{})
	if strings.Contains(out, "closing_note") {
		t.Errorf("no notes offered, but the prompt asks for one:\n%s", out)
	}
}

func TestTokensAndFit(t *testing.T) {
	t.Parallel()
	if n := prompts.Tokens("Bonjour, je voudrais prendre rendez-vous pour une coupe."); n < 8 || n > 20 {
		t.Errorf("Tokens = %d", n)
	}
	texts := []string{strings.Repeat("mot ", 100), strings.Repeat("mot ", 100), "court"}
	if n := prompts.Fit(texts, 120); n != 2 {
		t.Errorf("Fit = %d, want the 2 newest", n)
	}
	if n := prompts.Fit([]string{strings.Repeat("mot ", 500)}, 10); n != 1 {
		t.Errorf("Fit = %d, want the newest kept even over budget", n)
	}
}

func TestFragments(t *testing.T) {
	t.Parallel()
	if got := prompts.RepeatedCall(`{"ok":true}`); !strings.Contains(got, `Its result was: {"ok":true}. Do not call it again`) {
		t.Errorf("RepeatedCall = %q", got)
	}
	if got := prompts.HumanWrote("Bonjour"); got != "(a human agent of the team wrote:) Bonjour" {
		t.Errorf("HumanWrote = %q", got)
	}
	if got := prompts.WriteNext(); got != "(Write the next message to the contact now.)" {
		t.Errorf("WriteNext = %q", got)
	}
}
