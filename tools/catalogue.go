package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
)

// Action is one action, declared once and added with Register. Execution
// happens in up to three steps, each optional: Outside (network work,
// before and outside any transaction), Run (database work, in one store
// transaction with the conversation and contact rows locked) and After
// (network work that must follow a committed Run, such as pushing a
// contact to an external CRM).
type Action struct {
	Name string
	// Description tells a model what the action does and when to use it.
	Description string
	// Args is a value of the arguments' struct type. Its JSON Schema — what
	// models are offered and calls are validated against — is generated
	// from it by github.com/invopop/jsonschema: property names from json
	// tags, required/enum/minimum/maximum/default from jsonschema tags,
	// descriptions from jsonschema_description tags; a field's type may
	// give its own schema with a JSONSchema method. The param tag says how
	// flows write the field (see Param).
	Args any
	// OneOf lists arguments of which exactly one must be given.
	OneOf []string
	// Channels the action applies to; nil is every channel.
	Channels []Channel
	// Phases of a conversation the action may run in; nil is During.
	Phases []Phase
	// NeedsConversation fails the call early when it has no conversation.
	NeedsConversation bool
	// NeedsContact fails the call early when it has no contact.
	NeedsContact bool
	// ContactOnly actions read and lock only the contact: a call that
	// names its ContactID besides its conversation does not read the
	// conversation's row (x.Conversation is nil).
	ContactOnly bool
	// HumansOnly actions run only for a human (an actor "user:<id>"):
	// they are not among Names, so no AI agent, flow or rule can use
	// them (seed 002: the AI agent cannot reopen a conversation).
	HumansOnly bool

	Outside func(ctx context.Context, x *Exec) Result
	Run     func(ctx context.Context, x *Exec) Result
	After   func(ctx context.Context, x *Exec, r Result) Result

	// Filled by Register.
	schemaJSON      json.RawMessage
	modelSchemaJSON json.RawMessage
	schema          *jsonschema.Schema
	params          []Param
}

// Call asks for one action.
type Call struct {
	WorkspaceID string
	// ConversationID is the conversation the action is about, "" if none.
	ConversationID string
	// ContactID is the contact when there is no conversation; with a
	// conversation, its contact is used — except by ContactOnly actions,
	// which use ContactID when it is set (the caller knows the
	// conversation's contact: an AI agent's turn).
	ContactID string
	// Contacted, when set, receives the contact as a successful action
	// left it, once its transaction committed (so that the caller need not
	// read it again).
	Contacted func(*store.Contact)
	// InTx, when set, runs in the transaction that records the call's
	// result — after its events and its idempotency record — with that
	// result: what the caller must commit with the action (a stream
	// event) it stores through q. An error rolls the action back. It runs
	// again when the transaction does (a deadlock victim's retry); it does
	// not run for a call refused before execution, nor for a replayed one.
	InTx   func(ctx context.Context, q store.Queries, res Result) error
	Action string
	Args   json.RawMessage
	// Actor is who asked: "ai_agent:<id>", "flow:<id>", "user:<id>".
	Actor string
	// ToolCallID is the model's tool-call id, "" when not from a model.
	ToolCallID string
	// Key makes the call idempotent (see IdempotencyKey): executing it again
	// returns the recorded result and changes nothing. "" disables that.
	Key string
	// Vars are extra template variables ({{name.path}}), e.g. a flow's.
	Vars map[string]any
	// Enabled, when not nil, lists the only actions the caller may run
	// (an AI agent's enabled actions).
	Enabled []string
	// KnowledgeBaseIDs, when not nil, are the only knowledge bases
	// search_knowledge may search (an AI agent's).
	KnowledgeBaseIDs []string
	// Channel and Phase, when set, are where and when the call happens:
	// an action that does not apply there is refused.
	Channel Channel
	Phase   Phase

	// named is the named HTTP action an http_request call runs for: its
	// URL is the admin's, so the free-form rule does not apply.
	named string
}

// IdempotencyKey is the key of the index-th call of a conversation turn.
func IdempotencyKey(conversationID string, turn int64, index int) string {
	return fmt.Sprintf("%s/%d/%d", conversationID, turn, index)
}

// Summarizer writes the summary of a conversation being closed and picks
// its closing note.
type Summarizer interface {
	// Summarize summarises the request's messages (the last
	// SummaryMessages) and, when it offers closing notes, picks the one
	// that fits ("" for none).
	Summarize(ctx context.Context, req SummaryRequest) (Summary, error)
}

// SummaryRequest is what a Summarizer summarises.
type SummaryRequest struct {
	// Language is the conversation's (the workspace's) language, which
	// the summary is written in.
	Language     string
	Messages     []*store.Message
	ClosingNotes []string
}

// Summary is what a Summarizer writes.
type Summary struct {
	Text        string `json:"summary"`
	ClosingNote string `json:"closing_note"`
}

// Options configure a Catalogue. The zero value works: no summaries, no
// e-mail, development mode.
type Options struct {
	// Summarizer writes closing summaries; nil turns them off.
	Summarizer Summarizer
	// Mailer sends e-mail; nil makes send_email fail with "not configured".
	Mailer Mailer
	// Production requires https URLs for http_request
	// (CAUSERIE_ENV=production).
	Production bool
	// Knowledge searches knowledge bases for search_knowledge; nil makes
	// it fail with "not configured".
	Knowledge Knowledge
	// HTTPTransport, when set, answers http_request and CRM pushes instead
	// of the network (evaluation suites' stubs). The https rule of
	// production mode still applies; the SSRF guard has no network to
	// guard.
	HTTPTransport http.RoundTripper
}

// Catalogue executes actions against a store.
type Catalogue struct {
	store   store.Store
	opts    Options
	actions map[string]*Action
	order   []string
}

// New returns the catalogue of every registered action, executing
// against s.
func New(s store.Store, opts Options) *Catalogue {
	c := &Catalogue{store: s, opts: opts, actions: map[string]*Action{}}
	for _, a := range registered() {
		c.actions[a.Name] = a
		c.order = append(c.order, a.Name)
	}
	return c
}

// Action returns the named action, nil if there is none.
func (c *Catalogue) Action(name string) *Action { return c.actions[name] }

// Names lists the catalogue's actions in catalogue order.
func (c *Catalogue) Names() []string { return slices.Clone(c.order) }

// Exec is an action's view of one execution.
type Exec struct {
	Call *Call
	// Q reads and writes: the transaction in Run, the store elsewhere.
	Q            store.Queries
	Workspace    *store.Workspace
	Conversation *store.Conversation // nil without a conversation
	Contact      *store.Contact      // nil without a contact
	Catalogue    *Catalogue
	// Outcome carries what the Outside step produced to the Run step
	// (a summary, a response…).
	Outcome any

	reserved bool // the key was claimed before execution
	events   []*store.Event
}

// Emit appends a domain event ("conversation.closed"…) to the log when the
// execution's transaction commits.
func (x *Exec) Emit(typ string, payload any) {
	b, err := json.Marshal(payload)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	convID := x.Call.ConversationID
	if x.Conversation != nil {
		convID = x.Conversation.ID
	}
	x.events = append(x.events, &store.Event{WorkspaceID: x.Call.WorkspaceID, ConversationID: convID, Type: typ,
		Actor: x.Call.Actor, Payload: b, ModelCallID: x.Call.ToolCallID})
}

// Args decodes the call's arguments into v (already schema-validated).
func (x *Exec) Args(v any) error {
	if len(x.Call.Args) == 0 {
		return nil
	}
	return json.Unmarshal(x.Call.Args, v)
}

// errRollback undoes a Run that returned a failed Result.
var errRollback = errors.New("action failed")

// Execute runs one call: it checks the action is known and enabled,
// validates the arguments against its schema and the workspace, executes
// it, appends its domain events and an audit event ("action.executed"),
// and returns the Result. The returned error is for infrastructure
// failures only; everything a caller could fix is a failed Result.
func (c *Catalogue) Execute(ctx context.Context, call Call) (Result, error) {
	a := c.actions[call.Action]
	if a == nil {
		if named := c.namedHTTP(ctx, call); named != nil {
			return c.executeNamedHTTP(ctx, call, named)
		}
	}
	enabled := call.Enabled
	if enabled == nil {
		enabled = c.order
	}
	if a == nil || !slices.Contains(enabled, call.Action) {
		msg := fmt.Sprintf("there is no action %q", call.Action)
		if a != nil {
			msg = fmt.Sprintf("the action %q is not enabled here", call.Action)
		}
		if s := suggest.Close(call.Action, enabled); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return c.audit(ctx, &call, Fail(CodeUnknownAction, msg, enabled...))
	}
	if a.HumansOnly && !strings.HasPrefix(call.Actor, "user:") {
		return c.audit(ctx, &call, Failf(CodeNotAllowed, nil, "only a human agent may %s; %s cannot", strings.ReplaceAll(a.Name, "_", " "), cmpOr(call.Actor, "an unnamed caller")))
	}
	if (call.Channel != "" && !slices.Contains(a.Channels, call.Channel)) || (call.Phase != "" && !slices.Contains(a.Phases, call.Phase)) {
		return c.audit(ctx, &call, Failf(CodeNotAvailable, nil, "%s runs on %s, in the %s phase of a conversation; this call is on %s, %s",
			a.Name, joinAs(a.Channels, " or "), joinAs(a.Phases, " or "), cmpOr(string(call.Channel), "any channel"), cmpOr(string(call.Phase), "any phase")))
	}
	if problems := validateArgs(a.schema, call.Args); len(problems) > 0 {
		return c.audit(ctx, &call, Failf(CodeInvalidArguments, nil, "invalid arguments for %s: %s", a.Name, strings.Join(problems, "; ")))
	}

	// Actions that reach outside the database claim their key first, so a
	// concurrent duplicate cannot send the request twice. The others check
	// and record their key inside their own transaction.
	reserved := false
	if call.Key != "" && (a.Outside != nil || a.After != nil) {
		prev, err := c.reserve(ctx, &call)
		if err != nil || prev != nil {
			if prev != nil {
				return *prev, nil
			}
			return Result{}, err
		}
		reserved = true
	}
	res, err := c.execute(ctx, a, &call, reserved)
	switch {
	case err == nil:
		return res, nil
	case call.Key != "" && errors.Is(err, store.ErrDuplicate):
		// A concurrent execution with the same key committed first: its
		// result is the result.
		prev, rerr := c.recorded(ctx, c.store, &call)
		if rerr == nil && prev != nil {
			return *prev, nil
		}
	case reserved:
		// Let a retry run it: nothing was recorded.
		_ = c.store.DeleteActionRun(context.WithoutCancel(ctx), call.WorkspaceID, call.Key)
	}
	return res, err
}

// recorded returns the result recorded under call.Key, nil if none.
func (c *Catalogue) recorded(ctx context.Context, q store.Queries, call *Call) (*Result, error) {
	run, err := q.GetActionRun(ctx, call.WorkspaceID, call.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case run.Status != store.RunDone:
		r := Failf(CodeInProgress, nil, "%s with key %s is already running; its outcome is not known yet", run.Action, call.Key)
		return &r, nil
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(run.Result))
	dec.UseNumber() // keep large numbers (ids) exact
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("recorded result of %s: %w", call.Key, err)
	}
	r.Replayed = true
	return &r, nil
}

// reserve claims call.Key; when an earlier execution holds it, it returns
// that execution's result instead.
func (c *Catalogue) reserve(ctx context.Context, call *Call) (*Result, error) {
	for range 3 {
		if prev, err := c.recorded(ctx, c.store, call); err != nil || prev != nil {
			return prev, err
		}
		err := c.store.CreateActionRun(ctx, &store.ActionRun{WorkspaceID: call.WorkspaceID, Key: call.Key, Action: call.Action})
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, store.ErrDuplicate) {
			return nil, err
		}
		// Another execution claimed it between our read and write: read again.
	}
	return nil, fmt.Errorf("claim idempotency key %s: kept losing the race", call.Key)
}

// load fills the execution's workspace, conversation and contact through
// q (locking the rows when q is a transaction).
func (c *Catalogue) load(ctx context.Context, q store.Queries, x *Exec, a *Action) (*Result, error) {
	call := x.Call
	ws, err := q.GetWorkspace(ctx, call.WorkspaceID)
	if err != nil {
		return nil, err
	}
	x.Workspace, x.Conversation, x.Contact = ws, nil, nil
	contactID := call.ContactID
	if call.ConversationID != "" && !(a.ContactOnly && call.ContactID != "") {
		conv, err := q.LockConversation(ctx, call.WorkspaceID, call.ConversationID)
		if errors.Is(err, store.ErrNotFound) {
			r := Failf(CodeNoConversation, nil, "conversation %s does not exist in this workspace", call.ConversationID)
			return &r, nil
		}
		if err != nil {
			return nil, err
		}
		x.Conversation = conv
		contactID = conv.ContactID
	}
	if contactID != "" {
		ct, err := q.LockContact(ctx, call.WorkspaceID, contactID)
		if errors.Is(err, store.ErrNotFound) {
			r := Failf(CodeNoContact, nil, "contact %s does not exist in this workspace", contactID)
			return &r, nil
		}
		if err != nil {
			return nil, err
		}
		x.Contact = ct
	}
	if a.NeedsConversation && x.Conversation == nil {
		r := Failf(CodeNoConversation, nil, "%s needs a conversation, and this call has none", a.Name)
		return &r, nil
	}
	if a.NeedsContact && x.Contact == nil {
		r := Failf(CodeNoContact, nil, "%s needs a contact, and this call has none", a.Name)
		return &r, nil
	}
	return nil, nil
}

func (c *Catalogue) execute(ctx context.Context, a *Action, call *Call, reserved bool) (Result, error) {
	x := &Exec{Call: call, Q: c.store, Catalogue: c, reserved: reserved}
	var res Result
	if a.Outside != nil {
		if early, err := c.load(ctx, c.store, x, a); err != nil || early != nil {
			if err != nil {
				return Result{}, err
			}
			return c.finish(ctx, x, *early) // recorded under the key too
		}
		res = a.Outside(ctx, x)
		if !res.OK || a.Run == nil {
			return c.finish(ctx, x, res)
		}
	}
	if a.Run != nil {
		err := c.store.InTx(ctx, func(q store.Queries) error {
			// A call whose key was already recorded is found by the key's
			// unique index when its record is inserted: the transaction
			// rolls back and Execute returns the recorded result.
			x.Q, x.events = q, nil
			early, err := c.load(ctx, q, x, a)
			if err != nil {
				return err
			}
			if early != nil {
				res = *early
				return errRollback
			}
			res = a.Run(ctx, x)
			if !res.OK {
				return errRollback
			}
			return c.record(ctx, q, x, res, a.After == nil)
		})
		x.Q = c.store
		switch {
		case errors.Is(err, errRollback):
			x.events = nil
			return c.finish(ctx, x, res)
		case err != nil:
			return Result{}, fmt.Errorf("%s: %w", a.Name, err)
		}
	}
	if res.OK && call.Contacted != nil && x.Contact != nil {
		call.Contacted(x.Contact)
	}
	if a.After != nil && res.OK {
		x.events = nil
		res = a.After(ctx, x, res)
		if err := c.store.InTx(ctx, func(q store.Queries) error {
			if err := q.AppendEvents(ctx, x.events...); err != nil {
				return err
			}
			if err := c.saveRun(ctx, q, x, res); err != nil {
				return err
			}
			if call.InTx != nil {
				return call.InTx(ctx, q, res)
			}
			return nil
		}); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// finish records an execution that did not go through a successful Run.
// It records even when the caller gave up meanwhile: what was done (an
// HTTP call sent) must be on record, or a retry would do it again.
func (c *Catalogue) finish(ctx context.Context, x *Exec, res Result) (Result, error) {
	ctx = context.WithoutCancel(ctx)
	err := c.store.InTx(ctx, func(q store.Queries) error { return c.record(ctx, q, x, res, true) })
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// record appends the execution's domain events and audit event and saves
// its result under its idempotency key, in q's transaction.
func (c *Catalogue) record(ctx context.Context, q store.Queries, x *Exec, res Result, final bool) error {
	if err := q.AppendEvents(ctx, append(x.events, c.auditEvent(x.Call, res))...); err != nil {
		return err
	}
	if err := c.saveRun(ctx, q, x, res); err != nil {
		return err
	}
	if final && x.Call.InTx != nil {
		return x.Call.InTx(ctx, q, res)
	}
	return nil
}

// saveRun records the result under the call's key: completing the claim
// made by reserve, or creating the record (ErrDuplicate when a concurrent
// execution with the key committed first).
func (c *Catalogue) saveRun(ctx context.Context, q store.Queries, x *Exec, res Result) error {
	call := x.Call
	if call.Key == "" {
		return nil
	}
	run := &store.ActionRun{WorkspaceID: call.WorkspaceID, Key: call.Key, Action: call.Action,
		Status: store.RunDone, Result: json.RawMessage(res.JSON())}
	if x.reserved {
		return q.UpdateActionRun(ctx, run)
	}
	return q.CreateActionRun(ctx, run)
}

// audit records a call rejected before execution (unknown action, invalid
// arguments).
func (c *Catalogue) audit(ctx context.Context, call *Call, res Result) (Result, error) {
	if err := c.store.AppendEvent(ctx, c.auditEvent(call, res)); err != nil {
		return Result{}, err
	}
	return res, nil
}

// AuditEvent is the payload of an "action.executed" event.
type AuditEvent struct {
	Action string          `json:"action"`
	Args   json.RawMessage `json:"args"`
	Result Result          `json:"result"`
	Key    string          `json:"key,omitempty"`
}

func (c *Catalogue) auditEvent(call *Call, res Result) *store.Event {
	// One redaction for every action: secrets in the arguments (a header
	// value, a token in a URL) and in the result never reach the log.
	args := call.Args
	switch {
	case len(bytes.TrimSpace(args)) == 0:
		args = json.RawMessage("{}")
	case !json.Valid(args):
		args, _ = json.Marshal(string(args)) // what the model sent, as text (redacted below)
	}
	payload, _ := json.Marshal(AuditEvent{Action: call.Action, Args: args, Result: res, Key: call.Key})
	payload = redact.JSON(payload)
	return &store.Event{WorkspaceID: call.WorkspaceID, ConversationID: call.ConversationID, Type: "action.executed",
		Actor: call.Actor, Payload: payload, ModelCallID: call.ToolCallID}
}

// Vars are the template variables of the execution: contact (its name,
// email, phone, lifecycle stage and fields by key), conversation,
// workspace, and the call's own Vars.
func (x *Exec) Vars(ctx context.Context) map[string]any {
	vars := map[string]any{}
	if x.Workspace != nil {
		vars["workspace"] = map[string]any{"name": x.Workspace.Name, "slug": x.Workspace.Slug}
	}
	if x.Conversation != nil {
		vars["conversation"] = map[string]any{"id": x.Conversation.ID, "channel": x.Conversation.Channel,
			"status": string(x.Conversation.Status)}
	}
	if ct := x.Contact; ct != nil {
		m := map[string]any{}
		// Every defined field is a known variable, without a value (nil)
		// until the contact has one.
		if fields, err := x.Q.ListContactFields(ctx, ct.WorkspaceID); err == nil {
			for _, f := range fields {
				m[f.Key] = nil
			}
		}
		for k, v := range ct.Fields {
			m[k] = v
		}
		// The contact's own attributes (ReservedFieldIDs) come last: a custom
		// field cannot shadow them.
		m["id"], m["name"], m["email"], m["phone"] = ct.ID, ct.Name, ct.Email, ct.Phone
		m["lifecycle_stage"] = ""
		if ct.LifecycleStageID != "" {
			if stages, err := x.Q.ListLifecycleStages(ctx, ct.WorkspaceID); err == nil {
				for _, s := range stages {
					if s.ID == ct.LifecycleStageID {
						m["lifecycle_stage"] = s.Name
					}
				}
			}
		}
		vars["contact"] = m
	}
	for k, v := range x.Call.Vars {
		vars[k] = v
	}
	return vars
}
