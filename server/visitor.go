package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
)

// The visitor API: what a website (the widget) or any client calls for a
// visitor. Creating a conversation returns a token that opens that one
// conversation's routes and nothing else.
func (s *Server) visitorRoutes() []Route {
	const base = "/v1/workspaces/:workspace/conversations"
	return []Route{
		{Method: http.MethodPost, Path: base, Access: Public, handle: s.createConversation},
		{Method: http.MethodGet, Path: base + "/:id", Access: Visitor, handle: s.visitorConversation},
		{Method: http.MethodPost, Path: base + "/:id/messages", Access: Visitor, Upload: true, handle: s.postMessage},
		{Method: http.MethodGet, Path: base + "/:id/messages", Access: Visitor, handle: s.visitorMessages},
		{Method: http.MethodGet, Path: base + "/:id/events", Access: Visitor, Stream: true, handle: s.visitorEvents},
		// CORS preflights of the routes above.
		{Method: http.MethodOptions, Path: base, Access: Public, handle: s.preflight},
		{Method: http.MethodOptions, Path: base + "/:id", Access: Public, handle: s.preflight},
		{Method: http.MethodOptions, Path: base + "/:id/messages", Access: Public, handle: s.preflight},
		{Method: http.MethodOptions, Path: base + "/:id/events", Access: Public, handle: s.preflight},
	}
}

// ContactInput are the contact attributes a visitor gives.
type ContactInput struct {
	Name   string         `json:"name,omitempty"`
	Email  string         `json:"email,omitempty"`
	Phone  string         `json:"phone,omitempty"`
	Fields map[string]any `json:"fields,omitempty"`
}

// CreateConversationRequest opens a visitor conversation.
type CreateConversationRequest struct {
	// Agent is the AI agent (name or id) that answers; "" is the
	// workspace's only AI agent.
	Agent   string        `json:"agent,omitempty"`
	Contact *ContactInput `json:"contact,omitempty"`
	// Identifier and IdentifierHash link the visitor to an existing
	// contact (by e-mail or phone) when the workspace verifies identities.
	Identifier     string `json:"identifier,omitempty"`
	IdentifierHash string `json:"identifier_hash,omitempty"`
}

// ConversationView is a conversation as the API shows it.
type ConversationView struct {
	ID        string                       `json:"id"`
	Status    store.ConversationStatus     `json:"status"`
	Channel   string                       `json:"channel"`
	ContactID string                       `json:"contact_id"`
	Assignee  *conversation.PublicAssignee `json:"assignee,omitempty"`
	TeamID    string                       `json:"team_id,omitempty"`
	Summary   string                       `json:"summary,omitempty"`
	CreatedAt time.Time                    `json:"created_at"`
	UpdatedAt time.Time                    `json:"updated_at"`
	ClosedAt  *time.Time                   `json:"closed_at,omitempty"`
}

func viewOf(c *store.Conversation) ConversationView {
	return ConversationView{ID: c.ID, Status: c.Status, Channel: c.Channel, ContactID: c.ContactID,
		Assignee: conversation.AssigneeOf(c.Assignee), TeamID: c.TeamID, Summary: c.Summary,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt}
}

// visitorView hides what a visitor need not see: the summary, the team.
func visitorView(c *store.Conversation) ConversationView {
	v := viewOf(c)
	v.Summary, v.TeamID = "", ""
	return v
}

// CreatedConversation answers a created conversation.
type CreatedConversation struct {
	Conversation ConversationView `json:"conversation"`
	// Token is the visitor token: Authorization: Bearer <token> on the
	// conversation's routes (or ?access_token= on its event stream).
	Token string `json:"token"`
	// Events is the URL of the conversation's event stream.
	Events string `json:"events"`
}

func (s *Server) workspaceOf(c *echo.Context) (*store.Workspace, error) {
	ws, err := s.store.GetWorkspaceBySlug(c.Request().Context(), c.Param("workspace"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(fmt.Sprintf("workspace %q", c.Param("workspace")))
	}
	return ws, err
}

func (s *Server) createConversation(c *echo.Context) error {
	ws, err := s.workspaceOf(c)
	if err != nil {
		return err
	}
	if err := s.cors(c, &principal{ws: ws}); err != nil {
		return err
	}
	attrs(c).workspace = ws.ID
	var req CreateConversationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	contact, err := s.visitorContact(ctx, ws, req)
	if err != nil {
		return err
	}
	agentID, err := s.webAgent(ctx, ws, req.Agent)
	if err != nil {
		return err
	}
	conv, err := s.rt.Start(ctx, ws, contact, "web", agentID)
	if err != nil {
		return err
	}
	secret, hash := store.NewVisitorTokenSecret()
	if err := s.store.CreateVisitorToken(ctx, &store.VisitorToken{Hash: hash, WorkspaceID: ws.ID, ConversationID: conv.ID, ContactID: conv.ContactID}); err != nil {
		return err
	}
	attrs(c).conversation = conv.ID
	return c.JSON(http.StatusCreated, CreatedConversation{Conversation: visitorView(conv), Token: secret,
		Events: fmt.Sprintf("/v1/workspaces/%s/conversations/%s/events", ws.Slug, conv.ID)})
}

// visitorContact is the contact of a new conversation: an existing one
// when the site vouches for the visitor's identity, else a new one with
// the attributes given.
func (s *Server) visitorContact(ctx context.Context, ws *store.Workspace, req CreateConversationRequest) (*store.Contact, error) {
	contact := &store.Contact{}
	if in := req.Contact; in != nil {
		contact.Name, contact.Email, contact.Phone, contact.Fields = in.Name, in.Email, in.Phone, in.Fields
		if err := s.checkContactFields(ctx, ws, in.Fields, "body.contact.fields"); err != nil {
			return nil, err
		}
	}
	if req.Identifier == "" && req.IdentifierHash == "" {
		return contact, nil
	}
	secret := identitySecret(ws)
	switch {
	case secret == "":
		return nil, invalid("body.identifier", "this workspace does not verify visitor identities (it has no settings.identity_secret); leave identifier and identifier_hash out")
	case req.Identifier == "":
		return nil, invalid("body.identifier", "identifier_hash was given without the identifier it is the hash of")
	case req.IdentifierHash == "":
		return nil, invalid("body.identifier_hash", "give the hex HMAC-SHA256 of identifier with the workspace's identity secret")
	case !verifyIdentity(secret, req.Identifier, req.IdentifierHash):
		p := problem(http.StatusForbidden, "identity-refused", "identifier_hash is not the HMAC-SHA256 of identifier with the workspace's identity secret; the visitor was not linked")
		p.Errors = []FieldError{{Field: "body.identifier_hash", Detail: "does not match the identifier"}}
		return nil, p
	}
	f := store.ContactFilter{Email: req.Identifier, Limit: 1}
	if !strings.Contains(req.Identifier, "@") {
		f = store.ContactFilter{Phone: req.Identifier, Limit: 1}
	}
	found, err := s.store.ListContacts(ctx, ws.ID, f)
	if err != nil {
		return nil, err
	}
	if len(found) > 0 {
		return found[0], nil
	}
	// A verified identity the workspace does not know yet: a new contact
	// carrying it.
	if strings.Contains(req.Identifier, "@") {
		contact.Email = req.Identifier
	} else {
		contact.Phone = req.Identifier
	}
	return contact, nil
}

// checkContactFields refuses unknown contact field keys.
func (s *Server) checkContactFields(ctx context.Context, ws *store.Workspace, values map[string]any, path string) error {
	if len(values) == 0 {
		return nil
	}
	fields, err := s.store.ListContactFields(ctx, ws.ID)
	if err != nil {
		return err
	}
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.Key
	}
	var errs []FieldError
	for k := range values {
		if !contains(keys, k) {
			d := fmt.Sprintf("%q is not a contact field of the workspace", k)
			if c := suggest.Close(k, keys); c != "" {
				d += fmt.Sprintf(" (did you mean %q?)", c)
			}
			errs = append(errs, FieldError{Field: path + "." + k, Detail: d, Valid: keys})
		}
	}
	if len(errs) > 0 {
		return badRequest("the contact has unknown fields", errs...)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// webAgent picks the AI agent of a web conversation: the one named, else
// the workspace's only one; with none, the conversation waits in the
// inbox.
func (s *Server) webAgent(ctx context.Context, ws *store.Workspace, name string) (string, error) {
	agents, err := s.store.ListAIAgents(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	names := make([]string, len(agents))
	for i, a := range agents {
		names[i] = a.Name
		if name != "" && (a.Name == name || a.ID == name) {
			return a.ID, nil
		}
	}
	switch {
	case name != "":
		d := fmt.Sprintf("the workspace has no AI agent %q", name)
		if c := suggest.Close(name, names); c != "" {
			d += fmt.Sprintf(" (did you mean %q?)", c)
		}
		return "", badRequest(d, FieldError{Field: "body.agent", Detail: d, Valid: names})
	case len(agents) == 1:
		return agents[0].ID, nil
	case len(agents) > 1:
		d := "the workspace has several AI agents; say which one answers"
		return "", badRequest(d, FieldError{Field: "body.agent", Detail: d, Valid: names})
	}
	return "", nil
}

func (s *Server) visitorConversation(c *echo.Context) error {
	conv, err := s.store.GetConversation(c.Request().Context(), who(c).ws.ID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, visitorView(conv))
}

// MessagePage is a page of messages.
type MessagePage struct {
	Messages []conversation.PublicMessage `json:"messages"`
	// Next is the cursor of the next page (after=), absent on the last.
	Next string `json:"next,omitempty"`
}

// pageSize reads ?limit= (default 50, at most 200).
func pageSize(c *echo.Context) (int, error) {
	raw := c.QueryParam("limit")
	if raw == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 200 {
		return 0, invalid("query.limit", fmt.Sprintf("%q is not a page size; give a whole number from 1 to 200", raw))
	}
	return n, nil
}

func (s *Server) messagePage(c *echo.Context, wsID, convID string) (*MessagePage, error) {
	limit, err := pageSize(c)
	if err != nil {
		return nil, err
	}
	var after int64
	if raw := c.QueryParam("after"); raw != "" {
		if after, err = strconv.ParseInt(raw, 10, 64); err != nil || after < 0 {
			return nil, invalid("query.after", fmt.Sprintf("%q is not a cursor; give the next value of the previous page (a message seq)", raw))
		}
	}
	ctx := c.Request().Context()
	if _, err := s.store.GetConversation(ctx, wsID, convID); err != nil {
		return nil, err
	}
	msgs, err := s.store.ListMessages(ctx, wsID, convID, store.MessageFilter{AfterSeq: after, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	page := &MessagePage{Messages: []conversation.PublicMessage{}}
	for i, m := range msgs {
		if i == limit {
			page.Next = strconv.FormatInt(msgs[i-1].Seq, 10)
			break
		}
		page.Messages = append(page.Messages, conversation.Public(m))
	}
	return page, nil
}

func (s *Server) visitorMessages(c *echo.Context) error {
	p := who(c)
	page, err := s.messagePage(c, p.ws.ID, p.visitor.ConversationID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// PostMessageRequest is a visitor's message as JSON.
type PostMessageRequest struct {
	Text string `json:"text"`
}

// TurnResult answers a message posted with ?wait=true: the messages sent
// back, the actions taken, and where the conversation stands.
type TurnResult struct {
	Message  conversation.PublicMessage   `json:"message"`
	Replies  []conversation.PublicMessage `json:"replies"`
	Actions  []conversation.PublicAction  `json:"actions"`
	Status   store.ConversationStatus     `json:"status"`
	Assignee *conversation.PublicAssignee `json:"assignee,omitempty"`
	// Waiting: a human, a team or nobody handles the conversation; the
	// message waits for them.
	Waiting bool `json:"waiting,omitempty"`
	// Fallback: the visitor got the fallback message, and the
	// conversation was handed to a team member.
	Fallback bool `json:"fallback,omitempty"`
	// Notice says why there is no reply (no model configured).
	Notice string `json:"notice,omitempty"`
	// Pending: the turn did not end within the wait bound; its reply comes
	// on the event stream.
	Pending bool `json:"pending,omitempty"`
}

// Accepted answers a message posted without waiting: it is stored, its
// turn runs, the reply comes on the event stream.
type Accepted struct {
	Message conversation.PublicMessage `json:"message"`
}

func (s *Server) postMessage(c *echo.Context) error {
	p := who(c)
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	in, err := s.inbound(c, body)
	if err != nil {
		return err
	}
	in.WorkspaceID, in.ConversationID = p.ws.ID, p.visitor.ConversationID
	wait := c.QueryParam("wait") == "true"
	return s.idempotent(c, "visitor:"+p.visitor.ConversationID, body, func() (int, any, error) {
		return s.runTurn(c, in, wait)
	})
}

// inbound reads a message body: JSON {"text"}, or multipart/form-data
// with a text field and audio files (field "audio").
func (s *Server) inbound(c *echo.Context, body []byte) (conversation.Inbound, error) {
	var in conversation.Inbound
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, params, _ := mime.ParseMediaType(ct)
	if mt != "multipart/form-data" {
		if int64(len(body)) > s.opts.MaxBodyBytes {
			return in, problem(http.StatusRequestEntityTooLarge, "too-large", "a JSON message body is limited to %d bytes; audio goes as multipart/form-data", s.opts.MaxBodyBytes)
		}
		var req PostMessageRequest
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeJSON(c, &req); err != nil {
			return in, err
		}
		if strings.TrimSpace(req.Text) == "" {
			return in, invalid("body.text", "the message is empty; write some text (or send audio as multipart/form-data)")
		}
		in.Text = req.Text
		return in, nil
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(s.opts.MaxUploadBytes)
	if err != nil {
		return in, badRequest("the multipart body cannot be read: "+err.Error(), FieldError{Field: "body", Detail: err.Error()})
	}
	defer func() { _ = form.RemoveAll() }()
	for k := range form.Value {
		if k != "text" {
			return in, invalid("body."+k, "unknown form field; a message has text and audio files", "text", "audio")
		}
	}
	for k := range form.File {
		if k != "audio" {
			return in, invalid("body."+k, "unknown file field; send audio files as \"audio\"", "audio")
		}
	}
	if t := form.Value["text"]; len(t) > 0 {
		in.Text = t[0]
	}
	for _, fh := range form.File["audio"] {
		f, err := fh.Open()
		if err != nil {
			return in, err
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return in, err
		}
		in.Audio = append(in.Audio, conversation.Audio{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	if strings.TrimSpace(in.Text) == "" && len(in.Audio) == 0 {
		return in, invalid("body", "the message has neither text nor audio")
	}
	return in, nil
}

// runTurn stores the message and runs its turn in the background; it
// answers 202 with the stored message, or with wait the turn's result
// (202 with Pending when the turn outlasts WaitTimeout).
func (s *Server) runTurn(c *echo.Context, in conversation.Inbound, wait bool) (int, any, error) {
	stored, finished, err := s.startHandle(c, in)
	if err != nil {
		return 0, nil, err
	}
	visitor, err := storedOrRefused(stored, finished)
	if err != nil {
		return 0, nil, err // refused before it was stored: nothing changed
	}
	if !wait {
		return http.StatusAccepted, Accepted{Message: conversation.Public(visitor)}, nil
	}
	timer := time.NewTimer(s.opts.WaitTimeout)
	defer timer.Stop()
	select {
	case d := <-finished:
		if d.err != nil {
			s.log(c).Error("turn failed", "error", d.err.Error())
			return http.StatusInternalServerError, nil, d.err
		}
		return http.StatusOK, s.turnResult(c.Request().Context(), in, d.out), nil
	case <-timer.C:
		return http.StatusAccepted, TurnResult{Message: conversation.Public(visitor), Replies: []conversation.PublicMessage{},
			Actions: []conversation.PublicAction{}, Pending: true}, nil
	}
}

// turnDone is how a turn ended.
type turnDone struct {
	out *conversation.Outcome
	err error
}

// startHandle hands in to the conversation runtime in the background (on
// the server's context: the turn outlives its request), tracked for
// Shutdown and counted in the metrics. stored receives the visitor's
// message once it is stored; finished, how the turn ended.
func (s *Server) startHandle(c *echo.Context, in conversation.Inbound) (<-chan *store.Message, chan turnDone, error) {
	if err := s.startTurn(); err != nil {
		return nil, nil, err
	}
	stored := make(chan *store.Message, 1)
	in.OnStored = func(m *store.Message) { stored <- m }
	finished := make(chan turnDone, 1)
	go func() {
		defer s.turns.Done()
		start := time.Now()
		out, err := s.rt.Handle(s.bg, in)
		s.metrics.turn(out, err, time.Since(start))
		if err != nil && out != nil && out.Visitor != nil {
			s.log(c).Error("turn failed", "conversation_id", in.ConversationID, "error", err.Error())
		}
		finished <- turnDone{out, err}
	}()
	return stored, finished, nil
}

// storedOrRefused waits until the turn stored the visitor's message, or
// refused it before storing it (its error). What finished received stays
// there for the caller.
func storedOrRefused(stored <-chan *store.Message, finished chan turnDone) (*store.Message, error) {
	select {
	case m := <-stored:
		return m, nil
	case d := <-finished:
		if d.err != nil && (d.out == nil || d.out.Visitor == nil) {
			return nil, d.err
		}
		finished <- d
		return d.out.Visitor, nil
	}
}

func (s *Server) turnResult(ctx context.Context, in conversation.Inbound, out *conversation.Outcome) TurnResult {
	r := TurnResult{Message: conversation.Public(out.Visitor), Replies: []conversation.PublicMessage{}, Actions: []conversation.PublicAction{},
		Waiting: out.Waiting, Fallback: out.Fallback, Notice: out.Notice}
	for _, m := range out.Replies {
		r.Replies = append(r.Replies, conversation.Public(m))
	}
	for _, a := range out.Actions {
		r.Actions = append(r.Actions, conversation.PublicActionOf(a, ""))
	}
	if conv, err := s.store.GetConversation(ctx, in.WorkspaceID, in.ConversationID); err == nil {
		r.Status, r.Assignee = conv.Status, conversation.AssigneeOf(conv.Assignee)
	}
	return r
}

// idempotent runs fn once per Idempotency-Key (within scope): a retry of
// the same request gets the first answer; the same key with another
// request is refused. Without the header, fn just runs.
func (s *Server) idempotent(c *echo.Context, scope string, body []byte, fn func() (int, any, error)) error {
	key := c.Request().Header.Get("Idempotency-Key")
	if key == "" {
		status, v, err := fn()
		if err != nil {
			return err
		}
		return c.JSON(status, v)
	}
	if len(key) > 255 {
		return invalid("header.Idempotency-Key", "the key is longer than 255 characters")
	}
	ws := who(c).ws.ID
	sum := sha256.New()
	fmt.Fprintf(sum, "%s %s?wait=%s\n", c.Request().Method, c.Request().URL.Path, c.QueryParam("wait"))
	sum.Write(body)
	rec := &store.IdempotencyRecord{WorkspaceID: ws, Scope: scope, Key: key, RequestHash: hex.EncodeToString(sum.Sum(nil))}
	ctx := c.Request().Context()
	prev, err := s.store.ClaimIdempotencyKey(ctx, rec)
	if err != nil {
		return err
	}
	if prev != nil {
		switch {
		case prev.RequestHash != rec.RequestHash:
			return problem(http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency-Key %q was used for a different request; use a new key for a new request", key)
		case prev.Status == 0:
			p := problem(http.StatusConflict, "idempotency-key-in-progress", "the first request with Idempotency-Key %q is still running; retry shortly to get its answer", key)
			p.retryAfter = 1
			return p
		}
		c.Response().Header().Set("Idempotent-Replayed", "true")
		return c.JSONBlob(prev.Status, prev.Response)
	}
	status, v, err := fn()
	if err != nil {
		// Nothing was done (the message was refused before it was stored)
		// or the failure is the server's: a retry may run it.
		_ = s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), ws, scope, key)
		return err
	}
	raw, _ := json.Marshal(v)
	rec.Status, rec.Response = status, raw
	if err := s.store.CompleteIdempotencyKey(context.WithoutCancel(ctx), rec); err != nil {
		return err
	}
	return c.JSONBlob(status, raw)
}

func (s *Server) visitorEvents(c *echo.Context) error {
	p := who(c)
	after, err := lastEventID(c)
	if err != nil {
		return err
	}
	items, err := s.rt.Stream(c.Request().Context(), p.ws.ID, p.visitor.ConversationID, after)
	if err != nil {
		return err
	}
	return s.sse(c, items, nil)
}

// lastEventID is where a stream resumes: the Last-Event-ID header (sent
// by EventSource when it reconnects), else ?after=, else the start.
func lastEventID(c *echo.Context) (int64, error) {
	raw, field := c.Request().Header.Get("Last-Event-ID"), "header.Last-Event-ID"
	if raw == "" {
		raw, field = c.QueryParam("after"), "query.after"
	}
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid(field, fmt.Sprintf("%q is not an event id; give the id of the last event received", raw))
	}
	return n, nil
}

// preflight answers a CORS preflight of the visitor API.
func (s *Server) preflight(c *echo.Context) error {
	ws, err := s.workspaceOf(c)
	if err != nil {
		return err
	}
	if err := s.cors(c, &principal{ws: ws}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID")
	h.Set("Access-Control-Max-Age", "600")
	return c.NoContent(http.StatusNoContent)
}

// cors allows a cross-origin page of the workspace's widget_origins, and
// refuses the others (a same-origin page needs nothing).
func (s *Server) cors(c *echo.Context, p *principal) error {
	origin := c.Request().Header.Get(echo.HeaderOrigin)
	if origin == "" || sameOrigin(c, origin) {
		return nil
	}
	h := c.Response().Header()
	if !strings.Contains(h.Get(echo.HeaderVary), echo.HeaderOrigin) {
		h.Add(echo.HeaderVary, echo.HeaderOrigin)
	}
	if !mayOrigin(p.ws, origin) {
		return problem(http.StatusForbidden, "origin-refused", "pages of %s may not call workspace %q's visitor API; add the origin to its settings.widget_origins", origin, p.ws.Slug)
	}
	h.Set(echo.HeaderAccessControlAllowOrigin, origin)
	h.Set("Access-Control-Expose-Headers", "Retry-After, Idempotent-Replayed")
	return nil
}

func sameOrigin(c *echo.Context, origin string) bool {
	return strings.EqualFold(origin, c.Scheme()+"://"+c.Request().Host)
}
