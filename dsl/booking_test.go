package dsl_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

const (
	salon   = "../examples/salon/workspace.yaml"
	booking = "../examples/salon/flows/prise-de-rendez-vous.json"
)

// Seed 001's appointment booking, every path: Coupe and Coloration, the
// e-mail to the team sent or not (then a task), and a date never given
// (then the planning team).
func TestBookingFlowEveryPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		var walked [][]string
		var prog = newHarness(t, s, setup{workspace: salon, flows: []string{booking}}).progs["prise-de-rendez-vous"]

		t.Run("Coupe, e-mail sent", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}, mailer: true})
			h.expect("Bonjour, je voudrais prendre un rendez-vous", "Bonjour Camille Petit", "Quel service souhaitez-vous ?\n1. Coupe\n2. Coloration")
			h.expect("une coupe s'il vous plaît", "quelle est la longueur de vos cheveux")
			h.expect("mi-longs", "Quel jour vous conviendrait ?")
			h.expect("05/12/2026", "À quelle heure ?")
			h.expect("vers midi", "Indiquez une heure comme 14h30") // retried
			h.expect("14h30", "Quel numéro de téléphone")
			h.expect("06 12 34 56 78", "Merci pour ta réservation. Nous sommes impatients de te voir le 2026-12-05 à 14h30.")
			walked = append(walked, h.finished(store.FlowRunCompleted))

			c := h.contact()
			for k, want := range map[string]any{"service": "Coupe", "bookingdate": "2026-12-05", "bookingtime": "14h30", "telephone": "+33612345678"} {
				if c.Fields[k] != want {
					t.Errorf("contact field %s = %v, want %v", k, c.Fields[k], want)
				}
			}
			if len(c.Tags) != 0 {
				t.Errorf("tags = %v, want none on the Coupe path", c.Tags)
			}
			mails := h.mail.all()
			if len(mails) != 1 || mails[0].Subject != "Nouveau rendez-vous : Coupe le 2026-12-05 à 14h30" ||
				!strings.Contains(mails[0].Body, "Camille Petit (+33612345678) a réservé") {
				t.Errorf("e-mails = %+v", mails)
			}
			if n := len(h.tasks()); n != 0 {
				t.Errorf("%d tasks, want none when the e-mail went", n)
			}
			ev := h.events()
			if ev[1] != "flow.started" || ev[len(ev)-1] != "flow.completed" {
				t.Errorf("events = %v", ev)
			}
			if n := count(ev, "action.executed"); n != 3 { // the phone field, the booking, the e-mail
				t.Errorf("%d actions audited, want 3: %v", n, ev)
			}
			if r := h.run(); r.Vars["details"] != "mi-longs" || r.Vars["service"] != "Coupe" {
				t.Errorf("run variables = %v", r.Vars)
			}
		})

		t.Run("Coloration, no e-mail: a task", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}})
			h.expect("Je veux réserver", "Quel service")
			h.expect("2", "Quelle couleur")
			h.expect("Blond vénitien", "Quel jour")
			h.expect("2026-12-06", "À quelle heure")
			h.expect("9h", "Quel numéro")
			h.expect("+33 6 98 76 54 32", "te voir le 2026-12-06 à 9h")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			c := h.contact()
			if c.Fields["service"] != "Coloration" || !slices.Contains(c.Tags, "coloration") {
				t.Errorf("contact = %+v", c)
			}
			tasks := h.tasks()
			if len(tasks) != 1 || tasks[0].Priority != store.PriorityHigh || tasks[0].Title != "Confirmer le rendez-vous de Camille Petit" ||
				tasks[0].Assignee != (store.Assignee{Type: store.AssigneeTeam, ID: h.teamID("Équipe de Planification")}) ||
				tasks[0].ContactID != c.ID {
				t.Errorf("tasks = %+v", tasks)
			}
		})

		t.Run("Coloration, e-mail sent", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}, mailer: true})
			h.say("Une réservation pour une coloration")
			h.expect("coloration", "Quelle couleur")
			h.expect("châtain", "Quel jour")
			h.say("2026-12-07")
			h.say("10h15")
			h.expect("06 55 44 33 22", "te voir le 2026-12-07 à 10h15")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			if mails := h.mail.all(); len(mails) != 1 || !strings.HasPrefix(mails[0].Subject, "Nouveau rendez-vous : Coloration") {
				t.Errorf("e-mails = %+v", mails)
			}
			if c := h.contact(); !slices.Contains(c.Tags, "coloration") || c.Fields["service"] != "Coloration" {
				t.Errorf("contact = %+v", c)
			}
		})

		t.Run("Coupe, no e-mail: a task", func(t *testing.T) {
			h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}})
			h.say("rdv")
			h.say("Coupe")
			h.say("courts")
			h.say("01/02/2027")
			h.say("18:00")
			h.expect("0611223344", "te voir le 2027-02-01 à 18:00")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			if n := len(h.tasks()); n != 1 {
				t.Errorf("%d tasks, want 1", n)
			}
		})

		for _, svc := range []string{"Coupe", "Coloration"} {
			t.Run(svc+", no valid date: the planning team", func(t *testing.T) {
				h := newHarness(t, s, setup{workspace: salon, flows: []string{booking}, mailer: true})
				h.say("Je voudrais planifier une visite")
				h.say(svc)
				h.say("longs")
				h.expect("demain", "Écrivez-la comme 05/12/2026")
				h.expect("la semaine prochaine", "Écrivez-la comme 05/12/2026")
				h.expect("je ne sais pas", "Je vous mets en relation avec notre équipe de planification.")
				walked = append(walked, h.finished(store.FlowRunCompleted))
				conv := h.conversation()
				if conv.Assignee.Type != store.AssigneeUser || conv.TeamID != h.teamID("Équipe de Planification") {
					t.Errorf("conversation after the handoff: %+v", conv)
				}
				if c := h.contact(); c.Fields["bookingdate"] != nil {
					t.Errorf("a booking date was saved: %v", c.Fields)
				}
				// The conversation is the team's now: the AI agent stays
				// silent and no flow starts again.
				if replies := h.say("rendez-vous ?"); len(replies) != 0 {
					t.Errorf("after the handoff, replies %q", replies)
				}
			})
		}
		coverage(t, prog, walked, nil)
	})
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
