package dsl_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

const (
	support = "../examples/support/workspace.yaml"
	leads   = "../examples/support/flows/lead-qualification.yaml"
	triage  = "../examples/support/flows/support-triage.json"
)

// Seed 001's lead qualification (a YAML flow), every feasible path: each
// timeline, with each outcome its budget allows.
func TestLeadQualificationFlowEveryPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		var walked [][]string
		prog := newHarness(t, s, setup{workspace: support, flows: []string{leads}}).progs["lead-qualification"]
		for _, tc := range []struct {
			timeline, budget, outcome string
		}{
			{"This month", "$1500", "hot"},
			{"This month", "300", "else"},
			{"This quarter", "2000", "warm"},
			{"2", "99.50", "else"},
			{"later", "1 000", "warm"},
			{"Later", "0", "else"},
		} {
			t.Run(tc.timeline+"/"+tc.outcome, func(t *testing.T) {
				h := newHarness(t, s, setup{workspace: support, flows: []string{leads}})
				h.expect("Hi, I'm interested in your pricing", "Happy to help", "How many people")
				h.expect("about twelve", "I need a number") // retried
				h.expect("12", "What monthly budget")
				h.expect(tc.budget, "When would you like to start?\n1. This month\n2. This quarter\n3. Later")
				h.expect(tc.timeline, "company's name")
				h.expect("Globex", "work email")
				var replies []string
				switch tc.outcome {
				case "hot":
					replies = h.expect("Ada@Globex.example", "connecting you with our sales team")
				case "warm":
					replies = h.expect("ada@globex.example", "Our sales team will email a quote to ada@globex.example")
				default:
					replies = h.expect("ada@globex.example", "Our pricing page has everything")
				}
				if len(replies) != 1 {
					t.Errorf("last replies = %q", replies)
				}
				walked = append(walked, h.finished(store.FlowRunCompleted))

				c := h.contact()
				if c.Email != "ada@globex.example" || c.Fields["company"] != "Globex" || c.Fields["seats"] != 12.0 {
					t.Errorf("contact = %+v", c)
				}
				conv := h.conversation()
				tasks := h.tasks()
				switch tc.outcome {
				case "hot":
					if c.LifecycleStageID != h.stageID("Qualified") || conv.TeamID != h.teamID("Sales") || conv.Assignee.Type != store.AssigneeUser {
						t.Errorf("hot lead: stage %q, conversation %+v", c.LifecycleStageID, conv)
					}
				case "warm":
					if c.LifecycleStageID != h.stageID("Qualified") || len(tasks) != 1 || tasks[0].Title != "Send a quote to Globex" ||
						!strings.HasPrefix(tasks[0].Description, "12 seats, about $") ||
						tasks[0].Assignee != (store.Assignee{Type: store.AssigneeTeam, ID: h.teamID("Sales")}) {
						t.Errorf("warm lead: stage %q, tasks %+v", c.LifecycleStageID, tasks)
					}
					if conv.Assignee.Type != store.AssigneeAIAgent {
						t.Errorf("warm lead handed over: %+v", conv)
					}
				default:
					if c.LifecycleStageID != h.stageID("Lead") || len(tasks) != 0 || conv.Assignee.Type != store.AssigneeAIAgent {
						t.Errorf("cold lead: stage %q, tasks %v, conversation %+v", c.LifecycleStageID, tasks, conv)
					}
				}
				if ev := h.events(); !slices.Contains(ev, "contact.field_updated") || ev[len(ev)-1] != "flow.completed" {
					t.Errorf("events = %v", ev)
				}
			})
		}
		coverage(t, prog, walked, map[string]string{
			path("This month", "warm"):  "with this month's start, a budget over 1000 is hot",
			path("This quarter", "hot"): "hot needs a start this month",
			path("Later", "hot"):        "hot needs a start this month",
		})
	})
}

func path(timeline, outcome string) string {
	head := fmt.Sprintf("welcome → size → budget → timeline[%s] → company → email → crm → score[%s]", timeline, outcome)
	switch outcome {
	case "hot":
		return head + " → qualify-hot → to-sales → end-sales"
	case "warm":
		return head + " → qualify-warm → follow-up → end-later"
	}
	return head + " → end-thanks"
}

// Seed 001's support triage, every path: each product, fixed or not.
func TestSupportTriageFlowEveryPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		var walked [][]string
		prog := newHarness(t, s, setup{workspace: support, flows: []string{triage}}).progs["support-triage"]
		for _, product := range []string{"Cloud Hosting", "Database", "Billing portal"} {
			for _, fixed := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/fixed=%t", product, fixed), func(t *testing.T) {
					h := newHarness(t, s, setup{workspace: support, flows: []string{triage}})
					h.expect("My site is not working!", "Which product is it about?")
					h.expect("the "+strings.ToLower(product)+" one", product+":", "Did that fix it?")
					if fixed {
						h.expect("yes", "Great! Have a good day.")
						walked = append(walked, h.finished(store.FlowRunCompleted))
						conv := h.conversation()
						if conv.Status != store.StatusClosed || conv.ClosingNoteID == "" {
							t.Errorf("conversation = %+v, want closed as Resolved", conv)
						}
						if c := h.contact(); slices.Contains(c.Tags, "incident") {
							t.Errorf("tagged as incident: %v", c.Tags)
						}
						return
					}
					h.expect("2", "describe the problem")
					h.expect("502 errors since this morning", `connecting you with our support team about `+product+`: "502 errors since this morning"`)
					walked = append(walked, h.finished(store.FlowRunCompleted))
					conv := h.conversation()
					if conv.Status != store.StatusOpen || conv.TeamID != h.teamID("Support") || conv.Assignee.Type != store.AssigneeUser {
						t.Errorf("conversation = %+v, want it with Support", conv)
					}
					if c := h.contact(); !slices.Contains(c.Tags, "incident") {
						t.Errorf("tags = %v, want incident", c.Tags)
					}
				})
			}
		}
		coverage(t, prog, walked, nil)
	})
}
