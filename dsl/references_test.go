package dsl_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// The examples name only what their workspaces have; a flow that names a
// tag, team, stage or field the workspace lacks gets one problem each,
// with the nearest valid names.
func TestCheckWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		for ws, flows := range map[string][]string{salon: {booking, relance}, support: {leads, triage}} {
			h := newHarness(t, s, setup{workspace: ws})
			for _, path := range flows {
				f, err := dsl.Load(path, dsl.Options{})
				if err != nil {
					t.Fatal(err)
				}
				ps, err := dsl.CheckWorkspace(ctx, s, h.ws.ID, f)
				if err != nil || len(ps) > 0 {
					t.Errorf("%s against its workspace: %v %v", path, err, ps)
				}
			}
		}

		h := newHarness(t, s, setup{workspace: salon})
		src := `{"id": "t", "name": "T", "nodes": [
 {"id": "ask", "type": "question", "data": {"parameters": {"text": "Date ?", "variable": "d", "field": "bookingdat"}}},
 {"id": "tag", "type": "action", "data": {"parameters": {"action_type": "tag_contact", "tag": "relance_envoye"}}},
 {"id": "stage", "type": "action", "data": {"parameters": {"action_type": "update_lifecycle_stage", "stage": "lead qualifié"}}},
 {"id": "save", "type": "action", "data": {"parameters": {"action_type": "update_contact_fields", "fields": {"servise": "{{d}}", "budget": "{{d}}"}}}},
 {"id": "task", "type": "action", "data": {"parameters": {"assignation": "Ventes", "priorite": "haute", "title": "Rappeler {{contact.telephon}} ($contact.name)"}}},
 {"id": "human", "type": "handoff", "data": {"parameters": {"team": "@équipe de planification"}}},
 {"id": "end", "type": "end"}],
 "edges": [{"id": "1", "source": "ask", "target": "tag"}, {"id": "2", "source": "tag", "target": "stage"},
 {"id": "3", "source": "stage", "target": "save"}, {"id": "4", "source": "save", "target": "task"},
 {"id": "5", "source": "task", "target": "human"}, {"id": "6", "source": "human", "target": "end"}]}`
		f, err := dsl.Check("t.json", []byte(src), dsl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := dsl.CheckWorkspace(ctx, s, h.ws.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`node "ask": nodes[0].data.parameters.field: there is no contact field "bookingdat" in workspace "` + h.ws.Slug + `" (did you mean "bookingdate"?)`,
			`node "tag": nodes[1].data.parameters.tag: there is no tag "relance_envoye" in workspace "` + h.ws.Slug + `" (did you mean "relance_envoyee"?)`,
			`node "save": nodes[3].data.parameters.fields.servise: there is no contact field "servise" in workspace "` + h.ws.Slug + `" (did you mean "service"?)`,
			`node "task": nodes[4].data.parameters.assignation: there is no user or team "Ventes" in workspace "` + h.ws.Slug + `"`,
			`node "task": nodes[4].data.parameters.title: "contact.telephon" names no contact field of workspace "` + h.ws.Slug + `" (did you mean "telephone"?)`,
		}
		if len(ps) != len(want) {
			t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
		}
		for i, w := range want {
			if !strings.Contains(ps[i].String(), w) || ps[i].Line == 0 {
				t.Errorf("problem %d:\n got %s\nwant …%s…", i, ps[i], w)
			}
		}
	})
}
