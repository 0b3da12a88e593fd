package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/causerie/causerie/store"
)

// ReservedFieldIDs are the contact's own attributes, as templates and
// update_contact_fields name them; a custom contact field may not use one.
var ReservedFieldIDs = []string{"id", "name", "email", "phone", "lifecycle_stage"}

// Built-in contact attributes that update_contact_fields also accepts.
var builtinFields = []*store.ContactField{
	{Key: "name", Name: "Name", Type: store.FieldText},
	{Key: "email", Name: "Email", Type: store.FieldEmail},
	{Key: "phone", Name: "Phone", Type: store.FieldPhone},
}

type fieldUpdate struct {
	Field string `json:"field" jsonschema:"required" jsonschema_description:"Exact field id or name, e.g. \"budget\"."`
	Value any    `json:"value" jsonschema:"required"`
}

// JSONSchemaExtend says what a value may be: text, a number, a boolean,
// or null to clear the field.
func (fieldUpdate) JSONSchemaExtend(s *jsonschema.Schema) {
	if v, ok := s.Properties.Get("value"); ok {
		v.AnyOf = []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}, {Type: "null"}}
	}
}

// fieldArgs are update_contact_fields' arguments.
type fieldArgs struct {
	Fields []fieldUpdate `json:"fields" jsonschema:"required,minItems=1" param:"fields"`
}

type stageArgs struct {
	Stage string `json:"stage" ref:"stage" jsonschema:"required" jsonschema_description:"Exact name of an existing lifecycle stage."`
}

type tagArgs struct {
	Tag    string `json:"tag" ref:"tag" jsonschema:"required" jsonschema_description:"Exact name of an existing tag."`
	Remove bool   `json:"remove" jsonschema:"default=false"`
}

func updateContactFields() *Action {
	return &Action{
		Name: UpdateContactFields,
		Description: "Save information the contact gave into contact fields. Name each field by its exact id or name " +
			"(custom fields included; also name, email, phone). Values are checked by the field's type: numbers, " +
			"emails, phone numbers (international format), dates (YYYY-MM-DD), or one of a select field's options. " +
			"A null value clears the field.",
		Args:         fieldArgs{},
		NeedsContact: true,
		ContactOnly:  true,
		Run:          runUpdateContactFields,
	}
}

func runUpdateContactFields(ctx context.Context, x *Exec) Result {
	var args fieldArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "update_contact_fields: %v", err)
	}
	custom, err := x.Q.ListContactFields(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading contact fields", err)
	}
	all := append(slices.Clone(custom), builtinFields...)
	entities := make([]named, len(all))
	for i, f := range all {
		entities[i] = named{id: f.Key, keys: []string{f.Key, f.Name, f.ID}, name: f.Key}
	}
	c := x.Contact
	var problems []string
	var unknownRef string
	type change struct {
		key      string
		old, new any
	}
	var changes []change
	for _, u := range args.Fields {
		e, ok := match(u.Field, entities)
		if !ok {
			problems = append(problems, fmt.Sprintf("there is no contact field %q", u.Field))
			if unknownRef == "" {
				unknownRef = u.Field
			}
			continue
		}
		f := all[slices.IndexFunc(all, func(f *store.ContactField) bool { return f.Key == e.id })]
		var v any
		if u.Value != nil {
			v, err = NormalizeValue(f, u.Value, x.Workspace.Settings.DefaultCountry)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", f.Key, err))
				continue
			}
		}
		changes = append(changes, change{key: f.Key, old: fieldValue(c, f.Key), new: v})
	}
	if unknownRef != "" {
		r := unknown(CodeUnknownField, "contact field", unknownRef, entities)
		r.Message = strings.Join(problems, "; ") + ". Nothing was saved. Valid field ids are in error.valid, nearest first."
		return r
	}
	if len(problems) > 0 {
		return Failf(CodeInvalidValue, nil, "%s. Nothing was saved.", strings.Join(problems, "; "))
	}
	saved := map[string]any{}
	for _, ch := range changes {
		setFieldValue(c, ch.key, ch.new)
		saved[ch.key] = ch.new
	}
	if err := x.Q.UpdateContact(ctx, c); err != nil {
		return internal("saving the contact", err)
	}
	var parts []string
	for _, ch := range changes {
		x.Emit("contact.field_updated", map[string]any{"contact_id": c.ID, "field": ch.key, "old": ch.old, "new": ch.new})
		parts = append(parts, fmt.Sprintf("%s = %s", ch.key, Format(ch.new)))
	}
	return Ok("saved "+strings.Join(parts, ", "), map[string]any{"fields": saved})
}

func fieldValue(c *store.Contact, key string) any {
	switch key {
	case "name":
		return c.Name
	case "email":
		return c.Email
	case "phone":
		return c.Phone
	}
	return c.Fields[key]
}

func setFieldValue(c *store.Contact, key string, v any) {
	s, _ := v.(string)
	switch key {
	case "name":
		c.Name = s
	case "email":
		c.Email = s
	case "phone":
		c.Phone = s
	default:
		if v == nil {
			delete(c.Fields, key)
		} else {
			c.Fields[key] = v
		}
	}
}

func updateLifecycleStage() *Action {
	return &Action{
		Name: UpdateLifecycleStage,
		Description: "Move the contact to another lifecycle stage, named exactly as one of the workspace's stages " +
			"(e.g. from \"Nouveau Lead\" to \"Lead Qualifié\").",
		Args:         stageArgs{},
		NeedsContact: true,
		ContactOnly:  true,
		Run: func(ctx context.Context, x *Exec) Result {
			var args stageArgs
			if err := x.Args(&args); err != nil {
				return Failf(CodeInvalidArguments, nil, "update_lifecycle_stage: %v", err)
			}
			stages, err := x.Q.ListLifecycleStages(ctx, x.Workspace.ID)
			if err != nil {
				return internal("reading lifecycle stages", err)
			}
			entities := make([]named, len(stages))
			from := ""
			for i, s := range stages {
				entities[i] = named{id: s.ID, keys: []string{s.Name, s.ID}, name: s.Name}
				if s.ID == x.Contact.LifecycleStageID {
					from = s.Name
				}
			}
			st, ok := match(args.Stage, entities)
			if !ok {
				return unknown(CodeUnknownStage, "lifecycle stage", args.Stage, entities)
			}
			if st.id == x.Contact.LifecycleStageID {
				return Ok(fmt.Sprintf("the contact is already at stage %q; nothing changed", st.name), map[string]any{"stage": st.name})
			}
			x.Contact.LifecycleStageID = st.id
			if err := x.Q.UpdateContact(ctx, x.Contact); err != nil {
				return internal("saving the contact", err)
			}
			x.Emit("contact.lifecycle_updated", map[string]any{"contact_id": x.Contact.ID, "from": from, "to": st.name})
			return Ok(fmt.Sprintf("lifecycle stage set to %q", st.name), map[string]any{"stage": st.name, "from": from})
		},
	}
}

func tagContact() *Action {
	return &Action{
		Name:         TagContact,
		Description:  "Put one of the workspace's tags on the contact (or take it off with remove: true). Use the tag's exact name.",
		Args:         tagArgs{},
		NeedsContact: true,
		ContactOnly:  true,
		Run: func(ctx context.Context, x *Exec) Result {
			var args tagArgs
			if err := x.Args(&args); err != nil {
				return Failf(CodeInvalidArguments, nil, "tag_contact: %v", err)
			}
			tags, err := x.Q.ListLabels(ctx, x.Workspace.ID, store.Tag)
			if err != nil {
				return internal("reading tags", err)
			}
			entities := make([]named, len(tags))
			for i, t := range tags {
				entities[i] = named{id: t.ID, keys: []string{t.Name, t.ID}, name: t.Name}
			}
			t, ok := match(args.Tag, entities)
			if !ok {
				return unknown(CodeUnknownTag, "tag", args.Tag, entities)
			}
			c := x.Contact
			has := slices.Contains(c.Tags, t.name)
			switch {
			case args.Remove && !has:
				return Ok(fmt.Sprintf("the contact does not have tag %q; nothing changed", t.name), nil)
			case !args.Remove && has:
				return Ok(fmt.Sprintf("the contact already has tag %q; nothing changed", t.name), nil)
			case args.Remove:
				c.Tags = slices.DeleteFunc(c.Tags, func(s string) bool { return s == t.name })
			default:
				c.Tags = append(c.Tags, t.name)
			}
			if err := x.Q.UpdateContact(ctx, c); err != nil {
				return internal("saving the contact", err)
			}
			if args.Remove {
				x.Emit("contact.untagged", map[string]any{"contact_id": c.ID, "tag": t.name})
				return Ok(fmt.Sprintf("tag %q removed", t.name), map[string]any{"tags": c.Tags})
			}
			x.Emit("contact.tagged", map[string]any{"contact_id": c.ID, "tag": t.name})
			return Ok(fmt.Sprintf("tagged %q", t.name), map[string]any{"tags": c.Tags})
		},
	}
}
