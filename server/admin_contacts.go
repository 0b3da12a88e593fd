package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// AdminContact is a contact with its lifecycle stage's name.
type AdminContact struct {
	ContactView
	// LifecycleStageName is the name of the contact's stage.
	LifecycleStageName string `json:"lifecycle_stage,omitempty"`
}

// ContactPage is a page of contacts, oldest first.
type ContactPage struct {
	Contacts []AdminContact `json:"contacts"`
	// Next is the cursor of the next page (cursor=), absent on the last.
	Next string `json:"next,omitempty"`
}

// stageNames maps the workspace's stage ids to their names.
func (a *admin) stageNames(c *echo.Context) (map[string]string, []*store.LifecycleStage, error) {
	stages, err := a.store.ListLifecycleStages(c.Request().Context(), who(c).ws.ID)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, s := range stages {
		names[s.ID] = s.Name
	}
	return names, stages, nil
}

func adminContact(ct *store.Contact, stages map[string]string) AdminContact {
	return AdminContact{ContactView: contactView(ct), LifecycleStageName: stages[ct.LifecycleStageID]}
}

func (a *admin) listContacts(c *echo.Context) error {
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	stages, _, err := a.stageNames(c)
	if err != nil {
		return err
	}
	found, err := a.store.ListContacts(c.Request().Context(), who(c).ws.ID,
		store.ContactFilter{Query: c.QueryParam("q"), AfterID: c.QueryParam("cursor"), Limit: limit + 1})
	if err != nil {
		return err
	}
	out := ContactPage{Contacts: []AdminContact{}}
	for i, ct := range found {
		if i == limit {
			out.Next = found[i-1].ID
			break
		}
		out.Contacts = append(out.Contacts, adminContact(ct, stages))
	}
	return c.JSON(http.StatusOK, out)
}

// etag is a contact's entity tag: its version.
func etag(version int64) string { return strconv.Quote(strconv.FormatInt(version, 10)) }

func (a *admin) getContact(c *echo.Context) error {
	id, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	ct, err := a.store.GetContact(c.Request().Context(), who(c).ws.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(fmt.Sprintf("contact %q", id))
	}
	if err != nil {
		return err
	}
	stages, _, err := a.stageNames(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(ct.Version))
	return c.JSON(http.StatusOK, adminContact(ct, stages))
}

// ContactPatch changes a contact; absent members are left as they are.
type ContactPatch struct {
	// Name, Email and Phone replace the contact's ("" clears them). The
	// e-mail and the phone number are normalised (E.164, with the
	// workspace's default country).
	Name  *string `json:"name,omitempty"`
	Email *string `json:"email,omitempty"`
	Phone *string `json:"phone,omitempty"`
	// Fields are merged into the contact's field values, by field id; a
	// null value removes the field. Values are checked by the field's
	// type.
	Fields map[string]any `json:"fields,omitempty"`
	// Tags replace the contact's tags: names of the workspace's tags.
	Tags *[]string `json:"tags,omitempty"`
	// LifecycleStage is the name of one of the workspace's lifecycle
	// stages; null (or "") clears it.
	LifecycleStage json.RawMessage `json:"lifecycle_stage,omitempty"`
	// Version, when set, is the version the change was made from (as
	// If-Match): another version answers 409.
	Version *int64 `json:"version,omitempty"`
}

// contactChange is a checked patch, ready to apply.
type contactChange struct {
	name, email, phone *string
	fields             map[string]any
	tags               []string
	setTags            bool
	stage              *string // a stage id, "" to clear
	changed            []string
}

func (a *admin) patchContact(c *echo.Context) error {
	id, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	var req ContactPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	want, err := expectedVersion(c, req.Version)
	if err != nil {
		return err
	}
	ch, err := a.checkPatch(c, req)
	if err != nil {
		return err
	}
	p := who(c)
	ctx := c.Request().Context()
	var saved *store.Contact
	err = a.store.InTx(ctx, func(q store.Queries) error {
		ct, err := q.LockContact(ctx, p.ws.ID, id)
		if err != nil {
			return err
		}
		if want != nil && *want != ct.Version {
			return versionConflict(ct.Version, *want)
		}
		if ch.name != nil {
			ct.Name = *ch.name
		}
		if ch.email != nil {
			ct.Email = *ch.email
		}
		if ch.phone != nil {
			ct.Phone = *ch.phone
		}
		if len(ch.fields) > 0 && ct.Fields == nil {
			ct.Fields = map[string]any{}
		}
		for k, v := range ch.fields {
			if v == nil {
				delete(ct.Fields, k)
			} else {
				ct.Fields[k] = v
			}
		}
		if ch.setTags {
			ct.Tags = ch.tags
		}
		if ch.stage != nil {
			ct.LifecycleStageID = *ch.stage
		}
		if len(ch.changed) > 0 {
			if err := q.UpdateContact(ctx, ct); err != nil {
				return err
			}
			payload, _ := json.Marshal(map[string]any{"contact_id": ct.ID, "changed": ch.changed, "version": ct.Version})
			if err := q.AppendEvent(ctx, &store.Event{WorkspaceID: p.ws.ID, Type: "contact.updated", Actor: "api_key:" + p.key.ID,
				Payload: payload}); err != nil {
				return err
			}
		}
		saved = ct
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(fmt.Sprintf("contact %q", id))
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, "version-conflict", "the contact changed while it was being saved; read it again (GET) and retry")
	case err != nil:
		return err
	}
	stages, _, err := a.stageNames(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(saved.Version))
	return c.JSON(http.StatusOK, adminContact(saved, stages))
}

func versionConflict(have, want int64) *Problem {
	return problem(http.StatusConflict, "version-conflict",
		"the contact is at version %d, and the change was made from version %d: read it again (GET) and apply the change to what it holds now", have, want)
}

// expectedVersion is the version a change was made from: If-Match
// ("3", W/"3") or the body's version, which must agree.
func expectedVersion(c *echo.Context, body *int64) (*int64, error) {
	raw := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if raw == "" || raw == "*" {
		return body, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(raw, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, invalid("header.If-Match", fmt.Sprintf("%q is not a contact version; send the ETag of the contact as read", raw))
	}
	if body != nil && *body != v {
		return nil, invalid("body.version", fmt.Sprintf("version %d and If-Match %s disagree; send one of them", *body, raw))
	}
	return &v, nil
}

// checkPatch checks a patch against the workspace: field ids and values,
// tags and the stage, every problem with its field and the valid values.
func (a *admin) checkPatch(c *echo.Context, req ContactPatch) (*contactChange, error) {
	ctx := c.Request().Context()
	ws := who(c).ws
	country := ws.Settings.DefaultCountry
	ch := &contactChange{name: req.Name, fields: map[string]any{}}
	var errs []FieldError
	if req.Name != nil {
		ch.changed = append(ch.changed, "name")
	}
	if req.Email != nil {
		e := strings.TrimSpace(*req.Email)
		if e != "" {
			n, err := tools.NormalizeEmail(e)
			if err != nil {
				errs = append(errs, FieldError{Field: "body.email", Detail: err.Error()})
			}
			e = n
		}
		ch.email = &e
		ch.changed = append(ch.changed, "email")
	}
	if req.Phone != nil {
		ph := strings.TrimSpace(*req.Phone)
		if ph != "" {
			n, err := tools.NormalizePhone(ph, country)
			if err != nil {
				errs = append(errs, FieldError{Field: "body.phone", Detail: err.Error()})
			}
			ph = n
		}
		ch.phone = &ph
		ch.changed = append(ch.changed, "phone")
	}
	if len(req.Fields) > 0 {
		defs, err := a.store.ListContactFields(ctx, ws.ID)
		if err != nil {
			return nil, err
		}
		keys := make([]string, len(defs))
		for i, f := range defs {
			keys[i] = f.Key
		}
		for _, k := range sortedKeys(req.Fields) {
			v := req.Fields[k]
			i := slices.IndexFunc(defs, func(f *store.ContactField) bool { return f.Key == k })
			if i < 0 {
				d := fmt.Sprintf("%q is not a contact field of the workspace", k)
				if s := suggest.Close(k, keys); s != "" {
					d += fmt.Sprintf(" (did you mean %q?)", s)
				}
				errs = append(errs, FieldError{Field: "body.fields." + k, Detail: d, Valid: keys})
				continue
			}
			if v != nil {
				n, err := tools.NormalizeValue(defs[i], v, country)
				if err != nil {
					fe := FieldError{Field: "body.fields." + k, Detail: err.Error()}
					if defs[i].Type == store.FieldSelect {
						fe.Valid = defs[i].Options
					}
					errs = append(errs, fe)
					continue
				}
				v = n
			}
			ch.fields[k] = v
			ch.changed = append(ch.changed, "fields."+k)
		}
	}
	if req.Tags != nil {
		labels, err := a.store.ListLabels(ctx, ws.ID, store.Tag)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(labels))
		for i, l := range labels {
			names[i] = l.Name
		}
		ch.setTags, ch.tags = true, []string{}
		for i, t := range *req.Tags {
			switch {
			case !slices.Contains(names, t):
				d := fmt.Sprintf("%q is not a tag of the workspace", t)
				if s := suggest.Close(t, names); s != "" {
					d += fmt.Sprintf(" (did you mean %q?)", s)
				}
				errs = append(errs, FieldError{Field: fmt.Sprintf("body.tags[%d]", i), Detail: d, Valid: names})
			case !slices.Contains(ch.tags, t):
				ch.tags = append(ch.tags, t)
			}
		}
		ch.changed = append(ch.changed, "tags")
	}
	if req.LifecycleStage != nil {
		var name *string
		if err := json.Unmarshal(req.LifecycleStage, &name); err != nil {
			errs = append(errs, FieldError{Field: "body.lifecycle_stage", Detail: "expected a string (a stage name) or null"})
		} else {
			_, stages, err := a.stageNames(c)
			if err != nil {
				return nil, err
			}
			names := make([]string, len(stages))
			id := ""
			for i, s := range stages {
				names[i] = s.Name
				if name != nil && s.Name == *name {
					id = s.ID
				}
			}
			if name != nil && *name != "" && id == "" {
				d := fmt.Sprintf("%q is not a lifecycle stage of the workspace", *name)
				if s := suggest.Close(*name, names); s != "" {
					d += fmt.Sprintf(" (did you mean %q?)", s)
				}
				errs = append(errs, FieldError{Field: "body.lifecycle_stage", Detail: d, Valid: names})
			}
			ch.stage = &id
			ch.changed = append(ch.changed, "lifecycle_stage")
		}
	}
	if len(errs) > 0 {
		return nil, badRequest(fmt.Sprintf("the change has %d problem(s); nothing was saved", len(errs)), errs...)
	}
	return ch, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TaskView is a task.
type TaskView struct {
	ID             string                       `json:"id"`
	ConversationID string                       `json:"conversation_id,omitempty"`
	ContactID      string                       `json:"contact_id,omitempty"`
	Title          string                       `json:"title"`
	Description    string                       `json:"description,omitempty"`
	Assignee       *conversation.PublicAssignee `json:"assignee,omitempty"`
	Priority       store.TaskPriority           `json:"priority"`
	Status         store.TaskStatus             `json:"status"`
	CreatedAt      time.Time                    `json:"created_at"`
	UpdatedAt      time.Time                    `json:"updated_at"`
}

func taskView(t *store.Task) TaskView {
	return TaskView{ID: t.ID, ConversationID: t.ConversationID, ContactID: t.ContactID, Title: t.Title, Description: t.Description,
		Assignee: conversation.AssigneeOf(t.Assignee), Priority: t.Priority, Status: t.Status, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// TaskPage is a page of tasks, oldest first.
type TaskPage struct {
	Tasks []TaskView `json:"tasks"`
	Next  string     `json:"next,omitempty"`
}

// taskStatuses are the store's task statuses.
var taskStatuses = []string{string(store.TaskOpen), string(store.TaskDone)}

func (a *admin) listTasks(c *echo.Context) error {
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	f := store.TaskFilter{Status: store.TaskStatus(c.QueryParam("status")), ContactID: c.QueryParam("contact_id")}
	if f.Status != "" && !slices.Contains(taskStatuses, string(f.Status)) {
		return invalid("query.status", fmt.Sprintf("%q is not a task status", f.Status), taskStatuses...)
	}
	cursor := c.QueryParam("cursor")
	if cursor == "" {
		f.Limit = limit + 1
	}
	// The store has no cursor on tasks: they come by id (time-ordered),
	// and the page starts after the cursor's id.
	tasks, err := a.store.ListTasks(c.Request().Context(), who(c).ws.ID, f)
	if err != nil {
		return err
	}
	items, next := page(tasks, func(t *store.Task) string { return t.ID }, cursor, limit)
	out := TaskPage{Tasks: []TaskView{}, Next: next}
	for _, t := range items {
		out.Tasks = append(out.Tasks, taskView(t))
	}
	return c.JSON(http.StatusOK, out)
}

// TaskPatch changes a task's status.
type TaskPatch struct {
	Status store.TaskStatus `json:"status"`
}

func (a *admin) patchTask(c *echo.Context) error {
	id, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	var req TaskPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !slices.Contains(taskStatuses, string(req.Status)) {
		d := fmt.Sprintf("%q is not a task status", req.Status)
		if req.Status == "" {
			d = "missing: the task's new status"
		}
		return invalid("body.status", d, taskStatuses...)
	}
	p := who(c)
	ctx := c.Request().Context()
	var saved *store.Task
	err = a.store.InTx(ctx, func(q store.Queries) error {
		t, err := q.GetTask(ctx, p.ws.ID, id)
		if err != nil {
			return err
		}
		if t.Status != req.Status {
			from := t.Status
			t.Status = req.Status
			if err := q.UpdateTask(ctx, t); err != nil {
				return err
			}
			payload, _ := json.Marshal(map[string]any{"task_id": t.ID, "from": from, "to": t.Status})
			if err := q.AppendEvent(ctx, &store.Event{WorkspaceID: p.ws.ID, ConversationID: t.ConversationID, Type: "task.updated",
				Actor: "api_key:" + p.key.ID, Payload: payload}); err != nil {
				return err
			}
		}
		saved = t
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound(fmt.Sprintf("task %q", id))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, taskView(saved))
}

// AuditEvent is an entry of the audit log.
type AuditEvent struct {
	EventView
	// ModelCallID links the event to the model's tool call that asked for
	// it.
	ModelCallID string `json:"model_call_id,omitempty"`
}

// EventPage is a page of the audit log, oldest first.
type EventPage struct {
	Events []AuditEvent `json:"events"`
	// Next is the cursor of the next page (after=), absent on the last.
	Next string `json:"next,omitempty"`
}

func timeQuery(c *echo.Context, name string) (time.Time, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return time.Time{}, invalid("query."+name, fmt.Sprintf("%q is not an RFC 3339 time; write e.g. 2026-12-03T09:00:00Z", raw))
	}
	return t, nil
}

// listEvents queries the audit log: by conversation, type and time
// (since inclusive, until exclusive), after an event id.
func (a *admin) listEvents(c *echo.Context) error {
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	f := store.EventFilter{ConversationID: c.QueryParam("conversation_id"), Type: c.QueryParam("type"), Limit: limit + 1}
	if f.Since, err = timeQuery(c, "since"); err != nil {
		return err
	}
	if f.Until, err = timeQuery(c, "until"); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return invalid("query.until", "until must be after since")
	}
	if raw := c.QueryParam("after"); raw != "" {
		if f.AfterID, err = strconv.ParseInt(raw, 10, 64); err != nil || f.AfterID < 0 {
			return invalid("query.after", fmt.Sprintf("%q is not a cursor; give the next value of the previous page (an event id)", raw))
		}
	}
	evs, err := a.store.ListEvents(c.Request().Context(), who(c).ws.ID, f)
	if err != nil {
		return err
	}
	out := EventPage{Events: []AuditEvent{}}
	for i, e := range evs {
		if i == limit {
			out.Next = strconv.FormatInt(evs[i-1].ID, 10)
			break
		}
		out.Events = append(out.Events, AuditEvent{EventView: eventView(e), ModelCallID: e.ModelCallID})
	}
	return c.JSON(http.StatusOK, out)
}
