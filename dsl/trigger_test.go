package dsl_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/causerie/causerie/dsl"
)

func TestMatcher(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode     string
		keywords []string
		text     string
		want     bool
	}{
		{"", []string{"rendez-vous"}, "Je voudrais un RENDEZ VOUS svp", true},
		{"contains", []string{"réserver"}, "je veux reserver", true},
		{"contains", []string{"reserver"}, "Réservez-moi une place", false}, // another ending than up to two letters
		{"contains", []string{"ouvert"}, "Vous êtes ouverts ?", true},
		{"contains", []string{"aide"}, "il faut plaider", false},
		{"contains", []string{"help"}, "that was helpful", false},
		{"contains", []string{"not working"}, "My site is NOT working!", true},
		{"contains", []string{"être rappelé"}, "je voudrais etre rappele demain", true},
		{"exact", []string{"stop"}, " Stop ! ", true},
		{"exact", []string{"stop"}, "stop the music", false},
		{"exact", []string{"arrêter"}, "ARRETER", true},
		{"regex", []string{`^(bonjour|salut)\b`}, "Salut la compagnie", true},
		{"regex", []string{`\bprix\b.*\bcoupe\b`}, "Quel est le PRIX d'une coupe ?", true},
		{"regex", []string{`\bcoute\b`}, "ça coûte combien ?", true},
		{"regex", []string{`^prix$`}, "les prix", false},
	} {
		m, err := dsl.NewMatcher(tc.keywords, tc.mode)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Match(tc.text); got != tc.want {
			t.Errorf("%s %q on %q = %t, want %t", tc.mode, tc.keywords, tc.text, got, tc.want)
		}
	}
}

func TestChoiceMatching(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "nodes": [
 {"id": "c", "type": "choice", "data": {"parameters": {"text": "Service ?", "options": ["Coupe", "Coloration", "Coupe et coloration"], "variable": "s"}}},
 {"id": "end", "type": "end", "data": {"parameters": {"text": "{{s}}"}}}],
 "edges": [{"id": "1", "source": "c", "sourceHandle": "1", "target": "end"}, {"id": "2", "source": "c", "sourceHandle": "option-2", "target": "end"},
 {"id": "3", "source": "c", "sourceHandle": "coupe et coloration", "target": "end"}]}`
	for _, tc := range []struct{ answer, want string }{
		{"2", "Coloration"},
		{"3.", "Coupe et coloration"},
		{"option 1", "Coupe"},
		{"COLORATION", "Coloration"},
		{"une coloration s'il vous plaît", "Coloration"},
		{"colloration", "Coloration"},
		{"je veux une colloration", "Coloration"},
		{"coupe et coloration", "Coupe et coloration"},
		{"4", ""},                           // no such option
		{"une coupe ou une coloration", ""}, // two options named
		{"brushing", ""},
	} {
		s := newSim(t, src)
		s.answer(tc.answer)
		got := ""
		if !s.st.Waiting() {
			got = s.last()
		}
		if got != tc.want {
			t.Errorf("answer %q picked %q, want %q", tc.answer, got, tc.want)
		}
	}
}

// Matchers are built and used from many conversations at once (the
// accent folding once shared a transformer, which is not safe to share).
func TestMatchersAreSafeConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			m, err := dsl.NewMatcher([]string{"Réserver", "rendez-vous", "carte cadeau"}, dsl.MatchContains)
			if err != nil {
				t.Error(err)
				return
			}
			if !m.Match("Je voudrais RESERVER une coupe") || m.Match("bonjour") {
				t.Error("wrong match")
			}
		})
	}
	wg.Wait()
}

// « je veux annuler ma réservation » must not start the booking flow: a
// keyword after a negation or a cancel word, in the same clause, is a
// refusal — tested on real phrases, French and English.
func TestTriggerUnderstandsRefusals(t *testing.T) {
	t.Parallel()
	m, err := dsl.NewMatcher([]string{"rendez-vous", "rdv", "réserver", "réservation", "planifier", "appointment", "book"}, dsl.MatchContains)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"Je veux annuler ma réservation",
		"je voudrais annuler mon rendez-vous de mardi",
		"Je ne veux pas de rendez-vous, merci",
		"Je n'ai plus besoin de réserver",
		"Pas de rdv pour moi",
		"Annulation de la réservation au nom de Petit",
		"Please cancel my appointment",
		"I don't want to book anything",
		"I do not need an appointment",
		"No appointment needed, just a question",
	} {
		if m.Match(text) {
			t.Errorf("%q started the flow: it refuses", text)
		}
	}
	for _, text := range []string{
		"Je voudrais un rendez-vous",
		"Bonjour, je souhaite réserver une coupe",
		"Pas de souci, je veux un rendez-vous samedi",
		"Je ne peux pas venir mardi mais je veux réserver pour jeudi",
		"Je n'ai jamais coloré mes cheveux ; je voudrais planifier une coloration",
		"I'd like to book a haircut",
		"No rush, but can I get an appointment next week?",
	} {
		if !m.Match(text) {
			t.Errorf("%q did not start the flow", text)
		}
	}
}

// A trigger's except words stop it whatever its keywords: a booking flow
// does not start for a visitor who wants to move an appointment.
func TestTriggerExceptWords(t *testing.T) {
	t.Parallel()
	f, err := dsl.Check("t.json", []byte(`{"id": "t", "name": "T",
  "triggers": [{"keywords": ["rendez-vous", "réserver"], "except": ["déplacer", "modifier"]}],
  "nodes": [{"id": "hi", "type": "message", "data": {"parameters": {"text": "Bonjour"}}}, {"id": "end", "type": "end"}],
  "edges": [{"id": "e", "source": "hi", "target": "end"}]}`), dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Triggered("Je voudrais déplacer mon rendez-vous de mardi") || p.Triggered("Puis-je MODIFIER mon rendez-vous ?") {
		t.Error("an except word did not stop the trigger")
	}
	if !p.Triggered("Je voudrais un rendez-vous") {
		t.Error("the trigger no longer starts without an except word")
	}
	_, err = dsl.Check("t.json", []byte(`{"id": "t", "name": "T", "triggers": [{"keywords": ["rdv"], "except": [" "]}],
  "nodes": [{"id": "end", "type": "end"}], "edges": []}`), dsl.Options{})
	if err == nil || !strings.Contains(err.Error(), "triggers[0].except[0]: an empty except word") {
		t.Errorf("an empty except word: %v", err)
	}
}
