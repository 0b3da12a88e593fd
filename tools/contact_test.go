package tools_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

func TestUpdateContactFields(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Seed 002: "save the budget into the Budget field", several at once, by id or by name.
		r := fx.call("update_contact_fields", `{"fields": [
			{"field": "Budget", "value": "1 500,50 €"},
			{"field": "bookingdate", "value": "05/12/2026"},
			{"field": "Heure de réservation", "value": "14h30"},
			{"field": "service", "value": "coloration"},
			{"field": "telephone", "value": "06 12 34 56 78"},
			{"field": "email", "value": "Camille.Petit@Example.FR"}
		]}`)
		wantOK(t, r)
		c := fx.contact()
		want := map[string]any{"budget": 1500.5, "bookingdate": "2026-12-05", "bookingtime": "14h30",
			"service": "Coloration", "telephone": "+33612345678"}
		if d := cmp.Diff(want, c.Fields); d != "" {
			t.Errorf("fields (-want +got):\n%s", d)
		}
		if c.Email != "camille.petit@example.fr" {
			t.Errorf("email = %q", c.Email)
		}
		if n := len(fx.events("contact.field_updated")); n != 6 {
			t.Errorf("%d contact.field_updated events, want 6", n)
		}

		// An unknown field fails with the existing fields, nearest first,
		// and nothing of the call is saved.
		r = fx.call("update_contact_fields", `{"fields": [{"field": "budget", "value": 99}, {"field": "budjet", "value": 10}]}`)
		wantFail(t, r, tools.CodeUnknownField)
		if r.Error.Valid[0] != "budget" || !slices.Contains(r.Error.Valid, "countryCode") || !slices.Contains(r.Error.Valid, "phone") {
			t.Errorf("valid fields: %v", r.Error.Valid)
		}
		if fx.contact().Fields["budget"] != 1500.5 {
			t.Error("a failed call saved part of its fields")
		}

		for _, tc := range []struct{ field, value string }{
			{"budget", `"beaucoup"`},
			{"bookingdate", `"demain"`},
			{"service", `"Brushing"`},
			{"telephone", `"12"`},
			{"email", `"pas-un-email"`},
		} {
			r := fx.call("update_contact_fields", `{"fields": [{"field": "`+tc.field+`", "value": `+tc.value+`}]}`)
			wantFail(t, r, tools.CodeInvalidValue)
		}

		// null clears a field.
		wantOK(t, fx.call("update_contact_fields", `{"fields": [{"field": "bookingtime", "value": null}]}`))
		if _, ok := fx.contact().Fields["bookingtime"]; ok {
			t.Error("null did not clear the field")
		}
	})
}

func TestUpdateLifecycleStage(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		r := fx.call("update_lifecycle_stage", `{"stage": "Lead Qualifié"}`)
		wantOK(t, r)
		if fx.contact().LifecycleStageID != fx.stages["Lead Qualifié"] {
			t.Error("stage not saved")
		}
		events := fx.events("contact.lifecycle_updated")
		var p map[string]any
		json.Unmarshal(events[0].Payload, &p)
		if len(events) != 1 || p["to"] != "Lead Qualifié" {
			t.Errorf("events: %v", p)
		}
		// Seed 002's "move to stage Qualifié" — the stage must exist exactly.
		r = fx.call("update_lifecycle_stage", `{"stage": "Qualifié"}`)
		wantFail(t, r, tools.CodeUnknownStage)
		if r.Error.Valid[0] != "Lead Qualifié" {
			t.Errorf("valid stages: %v", r.Error.Valid)
		}
		r = fx.call("update_lifecycle_stage", `{"stage": "Lead Qualifié"}`)
		if !r.OK || len(fx.events("contact.lifecycle_updated")) != 1 {
			t.Errorf("same stage again: %s", r.JSON())
		}
	})
}

func TestTagContact(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Seed 004's block parameters, verbatim.
		wantOK(t, fx.call("tag_contact", `{"action_type": "tag_contact", "tag": "relance_envoyee"}`))
		wantOK(t, fx.call("tag_contact", `{"tag": "Coloration"}`))
		if got := fx.contact().Tags; !slices.Equal(got, []string{"relance_envoyee", "coloration"}) {
			t.Errorf("tags = %v", got)
		}
		wantOK(t, fx.call("tag_contact", `{"tag": "coloration"}`)) // already there
		wantOK(t, fx.call("tag_contact", `{"tag": "coloration", "remove": true}`))
		if got := fx.contact().Tags; !slices.Equal(got, []string{"relance_envoyee"}) {
			t.Errorf("tags after remove = %v", got)
		}
		if len(fx.events("contact.tagged")) != 2 || len(fx.events("contact.untagged")) != 1 {
			t.Error("tag events missing")
		}
		wantFail(t, fx.call("tag_contact", `{"tag": "vip"}`), tools.CodeUnknownTag)
		wantFail(t, fx.call("tag_contact", `{"action_type": "http_request", "tag": "vip"}`), tools.CodeInvalidArguments)
	})
}

func TestCreateTask(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Seed 004's create-sales-task parameters, verbatim.
		r := fx.call("create_task", `{"assignation": "commercial", "priorite": "haute"}`)
		wantOK(t, r)
		tasks, err := fx.s.ListTasks(ctx, fx.ws.ID, store.TaskFilter{})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks: %v %v", tasks, err)
		}
		task := tasks[0]
		if task.Priority != store.PriorityHigh || task.Assignee != (store.Assignee{Type: store.AssigneeTeam, ID: fx.teams["Commercial"]}) ||
			task.ContactID != fx.conv.ContactID || task.ConversationID != fx.conv.ID || task.Title != "Suivi de Camille Petit" {
			t.Errorf("task = %+v", task)
		}
		r = fx.call("create_task", `{"title": "Rappeler {{contact.name}}", "assignation": "Marie Dubois"}`)
		wantOK(t, r)
		got, _ := fx.s.GetTask(ctx, fx.ws.ID, r.Data["task_id"].(string))
		if got.Title != "Rappeler Camille Petit" || got.Priority != store.PriorityNormal || got.Assignee.Type != store.AssigneeUser {
			t.Errorf("task = %+v", got)
		}
		if len(fx.events("task.created")) != 2 {
			t.Error("task.created events missing")
		}
		wantFail(t, fx.call("create_task", `{"priorite": "urgente"}`), tools.CodeInvalidArguments)
		r = fx.call("create_task", `{"assignation": "Direction"}`)
		wantFail(t, r, tools.CodeUnknownUser)
		if !slices.Contains(r.Error.Valid, "Commercial") || !slices.Contains(r.Error.Valid, "Marie Dubois") {
			t.Errorf("valid assignees: %v", r.Error.Valid)
		}
	})
}

func TestCRMUpsertDeduplicates(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// Seed 004's parameters, verbatim: the contact's email is saved.
		r := fx.call("crm_upsert", `{"action_type": "crm_upsert", "crm_champ_email": "email", "crm_champ_telephone": "phone"}`)
		wantOK(t, r)
		if r.Data["contact_id"] != fx.conv.ContactID || r.Data["created"] != false {
			t.Errorf("upsert of the conversation's contact: %s", r.JSON())
		}

		// A second conversation from the same person, by another address case:
		// merged into the first contact.
		conv2 := fx.newConversation()
		other, _ := fx.s.GetContact(ctx, fx.ws.ID, conv2.ContactID)
		other.Email = "CAMILLE@example.fr"
		other.Fields = map[string]any{"budget": 80.0}
		other.Tags = []string{"coloration"}
		if err := fx.s.UpdateContact(ctx, other); err != nil {
			t.Fatal(err)
		}
		r = fx.callOn(conv2, "crm_upsert", `{}`, "")
		wantOK(t, r)
		if r.Data["contact_id"] != fx.conv.ContactID || r.Data["merged"] != true {
			t.Fatalf("duplicate not merged: %s", r.JSON())
		}
		if c := fx.conversation(conv2.ID); c.ContactID != fx.conv.ContactID {
			t.Errorf("conversation not moved to the existing contact")
		}
		if _, err := fx.s.GetContact(ctx, fx.ws.ID, other.ID); err == nil {
			t.Error("the duplicate contact still exists")
		}
		merged := fx.contact()
		if merged.Fields["budget"] != 80.0 || !slices.Contains(merged.Tags, "coloration") {
			t.Errorf("merged contact lost data: %+v", merged)
		}

		// Phone numbers dedupe once normalised: "06 12 34 56 78" (FR) is +33612345678.
		wantOK(t, fx.call("crm_upsert", `{"phone": "+33 6 12 34 56 78"}`))
		conv3 := fx.newConversation()
		c3, _ := fx.s.GetContact(ctx, fx.ws.ID, conv3.ContactID)
		c3.Email = ""
		c3.Fields = map[string]any{"telephone": "06 12 34 56 78"}
		fx.s.UpdateContact(ctx, c3)
		r = fx.callOn(conv3, "crm_upsert", `{}`, "")
		wantOK(t, r)
		if r.Data["contact_id"] != fx.conv.ContactID {
			t.Errorf("phone duplicate not merged: %s", r.JSON())
		}

		// Without a conversation, a new email creates a contact.
		res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, Action: "crm_upsert",
			Args: json.RawMessage(`{"email": "nouveau@example.fr", "name": "Nouveau"}`), Actor: "flow:test"})
		if err != nil {
			t.Fatal(err)
		}
		wantOK(t, res)
		created, _ := fx.s.GetContact(ctx, fx.ws.ID, res.Data["contact_id"].(string))
		if res.Data["created"] != true || created.Email != "nouveau@example.fr" || created.LifecycleStageID != fx.stages["Nouveau Lead"] {
			t.Errorf("created contact %+v from %s", created, res.JSON())
		}

		wantFail(t, fx.call("crm_upsert", `{"phone": "12"}`), tools.CodeInvalidValue)
	})
}

// crm_upsert also posts the contact to the workspace's external CRM, under
// the field names crm_champ_email / crm_champ_telephone.
func TestCRMUpsertPushesToExternalCRM(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		crm := newServer(t, nil)
		fx.allowHTTP("127.0.0.1")
		ws, _ := fx.s.GetWorkspace(ctx, fx.ws.ID)
		ws.Settings.CRM = &store.CRMEndpoint{URL: crm.URL + "/contacts", Headers: map[string]string{"Authorization": "Bearer crm-secret"}}
		if err := fx.s.UpdateWorkspace(ctx, ws); err != nil {
			t.Fatal(err)
		}
		r := fx.call("crm_upsert", `{"crm_champ_email": "Email", "crm_champ_telephone": "Mobile", "phone": "06 12 34 56 78"}`)
		wantOK(t, r)
		reqs := crm.requests()
		if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/contacts" || reqs[0].Header.Get("Authorization") != "Bearer crm-secret" {
			t.Fatalf("CRM requests: %+v", reqs)
		}
		var body map[string]any
		json.Unmarshal([]byte(reqs[0].Body), &body)
		if body["Email"] != "camille@example.fr" || body["Mobile"] != "+33612345678" || body["external_id"] != fx.conv.ContactID {
			t.Errorf("CRM body: %s", reqs[0].Body)
		}
		if len(fx.events("crm.pushed")) != 1 || !strings.Contains(r.Message, "sent to the CRM (HTTP 200)") {
			t.Errorf("result %s", r.JSON())
		}

		// The CRM failing: the contact is saved, the result says the push failed.
		failing := newServer(t, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
		ws.Settings.CRM.URL = failing.URL
		fx.s.UpdateWorkspace(ctx, ws)
		r = fx.call("crm_upsert", `{"email": "camille.petit@example.fr"}`)
		if r.OK || !strings.Contains(r.Message, "saved in Causerie, but sending it to the CRM failed") {
			t.Errorf("result %s", r.JSON())
		}
		if fx.contact().Email != "camille.petit@example.fr" || len(fx.events("crm.push_failed")) != 1 {
			t.Errorf("contact %+v", fx.contact())
		}
	})
}
