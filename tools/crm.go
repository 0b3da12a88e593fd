package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/causerie/causerie/store"
)

// crmTimeout bounds the push to an external CRM.
const crmTimeout = 10 * time.Second

type crmArgs struct {
	ChampEmail     string `json:"crm_champ_email" param:"text" jsonschema_description:"Name of the email field in the external CRM (default \"email\")."`
	ChampTelephone string `json:"crm_champ_telephone" param:"text" jsonschema_description:"Name of the phone field in the external CRM (default \"phone\")."`
	Email          string `json:"email"`
	Phone          string `json:"phone" jsonschema_description:"International format, e.g. +33612345678."`
	Name           string `json:"name"`
}

func crmUpsert() *Action {
	return &Action{
		Name: CRMUpsert,
		Description: "Create or update the contact in the CRM, deduplicated on email and phone number. Uses the " +
			"contact's email and phone unless given. If another contact already has that email or phone, the two " +
			"are merged. When the workspace has an external CRM, the contact is also sent there, with the email " +
			"and phone under the field names crm_champ_email and crm_champ_telephone.",
		Args:  crmArgs{},
		Run:   runCRMUpsert,
		After: pushToCRM,
	}
}

// contactPhoneEmail finds the contact's email and phone: its own, else
// the first custom field of type email / phone that has a value.
func contactPhoneEmail(c *store.Contact, fields []*store.ContactField) (email, phone string) {
	email, phone = c.Email, c.Phone
	for _, f := range fields {
		v, ok := c.Fields[f.Key].(string)
		if !ok || v == "" {
			continue
		}
		if email == "" && f.Type == store.FieldEmail {
			email = v
		}
		if phone == "" && f.Type == store.FieldPhone {
			phone = v
		}
	}
	return email, phone
}

func runCRMUpsert(ctx context.Context, x *Exec) Result {
	var args crmArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "crm_upsert: %v", err)
	}
	ws := x.Workspace
	email, phone, name := args.Email, args.Phone, args.Name
	if c := x.Contact; c != nil {
		fields, err := x.Q.ListContactFields(ctx, ws.ID)
		if err != nil {
			return internal("reading contact fields", err)
		}
		ce, cp := contactPhoneEmail(c, fields)
		email, phone, name = firstNonEmpty(email, ce), firstNonEmpty(phone, cp), firstNonEmpty(name, c.Name)
	}
	var err error
	if email != "" {
		if email, err = NormalizeEmail(email); err != nil {
			return Fail(CodeInvalidValue, err.Error())
		}
	}
	if phone != "" {
		if phone, err = NormalizePhone(phone, ws.Settings.DefaultCountry); err != nil {
			return Fail(CodeInvalidValue, err.Error())
		}
	}
	if email == "" && phone == "" {
		return Fail(CodeInvalidArguments, "crm_upsert needs an email or a phone number: the contact has neither; collect one first (update_contact_fields) or pass email / phone")
	}

	// Contacts that already have this email or phone, other than ours.
	var dups []*store.Contact
	for _, f := range []store.ContactFilter{{Email: email}, {Phone: phone}} {
		if f.Email == "" && f.Phone == "" {
			continue
		}
		found, err := x.Q.ListContacts(ctx, ws.ID, f)
		if err != nil {
			return internal("searching contacts", err)
		}
		for _, d := range found {
			if (x.Contact == nil || d.ID != x.Contact.ID) && !slices.ContainsFunc(dups, func(c *store.Contact) bool { return c.ID == d.ID }) {
				dups = append(dups, d)
			}
		}
	}
	data := map[string]any{"email": email, "phone": phone}
	merged := len(dups) > 0 && x.Contact != nil
	switch {
	case len(dups) > 0:
		// The oldest contact with this email or phone is the person; fold
		// ours into it.
		into, err := x.Q.LockContact(ctx, ws.ID, dups[0].ID)
		if err != nil {
			return internal("locking the existing contact", err)
		}
		if x.Contact != nil {
			if err := mergeContact(ctx, x.Q, x.Contact, into); err != nil {
				return internal("merging contacts", err)
			}
			x.Emit("contact.merged", map[string]any{"from": x.Contact.ID, "into": into.ID})
			data["merged_from"] = x.Contact.ID
		}
		into.Email, into.Phone, into.Name = firstNonEmpty(email, into.Email), firstNonEmpty(phone, into.Phone), firstNonEmpty(into.Name, name)
		if err := x.Q.UpdateContact(ctx, into); err != nil {
			return internal("saving the contact", err)
		}
		x.Contact = into
		data["contact_id"], data["created"], data["merged"] = into.ID, false, merged
	case x.Contact != nil:
		x.Contact.Email, x.Contact.Phone = email, phone
		if err := x.Q.UpdateContact(ctx, x.Contact); err != nil {
			return internal("saving the contact", err)
		}
		data["contact_id"], data["created"] = x.Contact.ID, false
	default:
		c := &store.Contact{WorkspaceID: ws.ID, Name: name, Email: email, Phone: phone, LifecycleStageID: ws.Settings.DefaultLifecycleStageID}
		if err := x.Q.CreateContact(ctx, c); err != nil {
			return internal("creating the contact", err)
		}
		x.Contact = c
		data["contact_id"], data["created"] = c.ID, true
	}
	x.Emit("contact.upserted", data)
	msg := fmt.Sprintf("contact %s saved (%s)", data["contact_id"], firstNonEmpty(email, phone))
	if data["created"] == true {
		msg = fmt.Sprintf("contact %s created (%s)", data["contact_id"], firstNonEmpty(email, phone))
	}
	if _, merged := data["merged_from"]; merged {
		msg = fmt.Sprintf("contact merged into the existing contact %s with the same email or phone", data["contact_id"])
	}
	return Ok(msg, data)
}

// mergeContact moves everything of from onto into and deletes from:
// conversations, tasks, missing fields and tags.
func mergeContact(ctx context.Context, q store.Queries, from, into *store.Contact) error {
	convs, err := q.ListConversations(ctx, from.WorkspaceID, store.ConversationFilter{ContactID: from.ID})
	if err != nil {
		return err
	}
	for _, c := range convs {
		c.ContactID = into.ID
		if err := q.UpdateConversation(ctx, c); err != nil {
			return err
		}
	}
	tasks, err := q.ListTasks(ctx, from.WorkspaceID, store.TaskFilter{ContactID: from.ID})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		t.ContactID = into.ID
		if err := q.UpdateTask(ctx, t); err != nil {
			return err
		}
	}
	if into.Fields == nil {
		into.Fields = map[string]any{}
	}
	for k, v := range from.Fields { // what the conversation just collected is the freshest
		into.Fields[k] = v
	}
	for _, t := range from.Tags {
		if !slices.Contains(into.Tags, t) {
			into.Tags = append(into.Tags, t)
		}
	}
	if into.LifecycleStageID == "" {
		into.LifecycleStageID = from.LifecycleStageID
	}
	if err := q.DeleteContact(ctx, from.WorkspaceID, from.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// pushToCRM sends the upserted contact to the workspace's external CRM,
// when one is configured.
func pushToCRM(ctx context.Context, x *Exec, r Result) Result {
	crm := x.Workspace.Settings.CRM
	if crm == nil || crm.URL == "" {
		return r
	}
	var args crmArgs
	_ = x.Args(&args)
	body := map[string]any{
		firstNonEmpty(args.ChampEmail, "email"):     r.Data["email"],
		firstNonEmpty(args.ChampTelephone, "phone"): r.Data["phone"],
		"name":        x.Contact.Name,
		"external_id": r.Data["contact_id"],
	}
	status, _, fail := x.Catalogue.postJSON(ctx, x.Workspace, crm.URL, crm.Headers, body, crmTimeout)
	if fail != nil {
		f := *fail
		f.Message = "the contact was saved in Causerie, but sending it to the CRM failed: " + f.Message
		f.Data = r.Data
		x.Emit("crm.push_failed", map[string]any{"contact_id": r.Data["contact_id"], "error": fail.Message})
		return f
	}
	r.Data["crm_status"] = status
	r.Message += fmt.Sprintf("; sent to the CRM (HTTP %d)", status)
	x.Emit("crm.pushed", map[string]any{"contact_id": r.Data["contact_id"], "status": status})
	return r
}
