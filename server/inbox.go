package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// The inbox API: what human agents (agent keys, or admin keys) use to
// see conversations and take them over. An agent key sees its user's
// conversations, its user's teams', the unassigned ones and the AI
// agents'; another user's or team's answer 404.
func (s *Server) inboxRoutes() []Route {
	const base = "/v1/inbox/conversations"
	return []Route{
		{Method: http.MethodGet, Path: base, Access: Agent, handle: s.inboxList},
		{Method: http.MethodGet, Path: base + "/:id", Access: Agent, handle: s.inboxConversation},
		{Method: http.MethodGet, Path: base + "/:id/messages", Access: Agent, handle: s.inboxMessages},
		{Method: http.MethodPost, Path: base + "/:id/messages", Access: Agent, handle: s.inboxReply},
		{Method: http.MethodPost, Path: base + "/:id/actions", Access: Agent, handle: s.inboxAct},
		{Method: http.MethodGet, Path: "/v1/inbox/events", Access: Agent, Stream: true, handle: s.inboxEvents},
		{Method: http.MethodGet, Path: "/v1/inbox/directory", Access: Agent, handle: s.inboxDirectory},
	}
}

// Directory is what a human agent picks from in the inbox: who to assign
// to, which closing note, tag, stage or field.
type Directory struct {
	// Me is the agent key's user (absent for an admin key).
	Me              *DirectoryUser   `json:"me,omitempty"`
	Users           []DirectoryUser  `json:"users"`
	Teams           []DirectoryTeam  `json:"teams"`
	ClosingNotes    []string         `json:"closing_notes"`
	Tags            []string         `json:"tags"`
	LifecycleStages []string         `json:"lifecycle_stages"`
	ContactFields   []DirectoryField `json:"contact_fields"`
}

// DirectoryUser is a user of the workspace.
type DirectoryUser struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Availability string `json:"availability"`
}

// DirectoryTeam is a team and its members' ids, in round-robin order.
type DirectoryTeam struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// DirectoryField is a contact field.
type DirectoryField struct {
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Options []string `json:"options,omitempty"`
}

func (s *Server) inboxDirectory(c *echo.Context) error {
	p := who(c)
	ctx := c.Request().Context()
	ws := p.ws.ID
	d := Directory{Users: []DirectoryUser{}, Teams: []DirectoryTeam{}, ClosingNotes: []string{}, Tags: []string{},
		LifecycleStages: []string{}, ContactFields: []DirectoryField{}}
	users, err := s.store.ListUsers(ctx, ws)
	if err != nil {
		return err
	}
	for _, u := range users {
		du := DirectoryUser{ID: u.ID, Name: u.Name, Email: u.Email, Availability: string(u.Availability)}
		d.Users = append(d.Users, du)
		if p.user != nil && u.ID == p.user.ID {
			d.Me = &du
		}
	}
	teams, err := s.store.ListTeams(ctx, ws)
	if err != nil {
		return err
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, DirectoryTeam{ID: t.ID, Name: t.Name, Members: append([]string{}, t.MemberIDs...)})
	}
	for kind, dst := range map[store.LabelKind]*[]string{store.ClosingNote: &d.ClosingNotes, store.Tag: &d.Tags} {
		labels, err := s.store.ListLabels(ctx, ws, kind)
		if err != nil {
			return err
		}
		for _, l := range labels {
			*dst = append(*dst, l.Name)
		}
	}
	stages, err := s.store.ListLifecycleStages(ctx, ws)
	if err != nil {
		return err
	}
	for _, st := range stages {
		d.LifecycleStages = append(d.LifecycleStages, st.Name)
	}
	fields, err := s.store.ListContactFields(ctx, ws)
	if err != nil {
		return err
	}
	for _, f := range fields {
		d.ContactFields = append(d.ContactFields, DirectoryField{Key: f.Key, Name: f.Name, Type: string(f.Type), Options: f.Options})
	}
	return c.JSON(http.StatusOK, d)
}

// scope is what an agent key may see: its user and the user's teams.
type scope struct {
	all   bool // an admin key
	user  string
	teams []string
}

func (s *Server) scopeOf(ctx context.Context, p *principal) (*scope, error) {
	if p.user == nil {
		return &scope{all: true}, nil
	}
	teams, err := s.store.ListTeams(ctx, p.ws.ID)
	if err != nil {
		return nil, err
	}
	sc := &scope{user: p.user.ID}
	for _, t := range teams {
		if slices.Contains(t.MemberIDs, p.user.ID) {
			sc.teams = append(sc.teams, t.ID)
		}
	}
	return sc, nil
}

// sees reports whether the scope may see conv.
func (sc *scope) sees(conv *store.Conversation) bool {
	if sc.all {
		return true
	}
	a := conv.Assignee
	switch a.Type {
	case store.AssigneeNone, store.AssigneeAIAgent:
		return true
	case store.AssigneeUser:
		return a.ID == sc.user || (conv.TeamID != "" && slices.Contains(sc.teams, conv.TeamID))
	case store.AssigneeTeam:
		return slices.Contains(sc.teams, a.ID)
	}
	return false
}

// visible returns the conversation of the path if the key may see it,
// else ErrNotFound (like a conversation that does not exist).
func (s *Server) visible(c *echo.Context) (*store.Conversation, *scope, error) {
	p := who(c)
	ctx := c.Request().Context()
	conv, err := s.store.GetConversation(ctx, p.ws.ID, c.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	sc, err := s.scopeOf(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if !sc.sees(conv) {
		return nil, nil, notFound("the conversation")
	}
	attrs(c).conversation = conv.ID
	return conv, sc, nil
}

// ConversationPage is a page of conversations, newest first.
type ConversationPage struct {
	Conversations []ConversationView `json:"conversations"`
	// Next is the cursor of the next page (cursor=), absent on the last.
	Next string `json:"next,omitempty"`
}

// assignedFilters are the values of ?assigned=.
var assignedFilters = []string{"visible", "me", "teams", "unassigned", "ai_agent", "ai_agent:<id>"}

func (s *Server) inboxList(c *echo.Context) error {
	p := who(c)
	ctx := c.Request().Context()
	sc, err := s.scopeOf(ctx, p)
	if err != nil {
		return err
	}
	limit, err := pageSize(c)
	if err != nil {
		return err
	}
	f := store.ConversationFilter{NewestFirst: true, BeforeID: c.QueryParam("cursor"), Limit: limit + 1}
	switch st := store.ConversationStatus(c.QueryParam("status")); st {
	case "", store.StatusOpen, store.StatusClosed:
		f.Status = st
	default:
		return invalid("query.status", fmt.Sprintf("%q is not a status", st), "open", "closed")
	}
	if raw := c.QueryParam("updated_since"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return invalid("query.updated_since", fmt.Sprintf("%q is not an RFC 3339 time; write e.g. 2026-12-03T09:00:00Z", raw))
		}
		f.UpdatedSince = t
	}
	assigned := c.QueryParam("assigned")
	switch {
	case assigned == "" || assigned == "visible":
	case assigned == "me":
		if sc.all {
			return invalid("query.assigned", "an admin key is no user: \"me\" needs an agent key", assignedFilters...)
		}
		f.Assignee = &store.Assignee{Type: store.AssigneeUser, ID: sc.user}
	case assigned == "teams":
		if sc.all {
			return invalid("query.assigned", "an admin key is no user: \"teams\" needs an agent key", assignedFilters...)
		}
		if len(sc.teams) == 0 {
			return c.JSON(http.StatusOK, ConversationPage{Conversations: []ConversationView{}})
		}
		for _, t := range sc.teams {
			f.AssigneeAny = append(f.AssigneeAny, store.Assignee{Type: store.AssigneeTeam, ID: t})
		}
	case assigned == "unassigned":
		f.Assignee = &store.Assignee{}
	case assigned == "ai_agent":
		agents, err := s.store.ListAIAgents(ctx, p.ws.ID)
		if err != nil {
			return err
		}
		if len(agents) == 0 {
			return c.JSON(http.StatusOK, ConversationPage{Conversations: []ConversationView{}})
		}
		for _, a := range agents {
			f.AssigneeAny = append(f.AssigneeAny, store.Assignee{Type: store.AssigneeAIAgent, ID: a.ID})
		}
	case strings.HasPrefix(assigned, "ai_agent:"):
		f.Assignee = &store.Assignee{Type: store.AssigneeAIAgent, ID: strings.TrimPrefix(assigned, "ai_agent:")}
	default:
		return invalid("query.assigned", fmt.Sprintf("%q is not an assignment filter", assigned), assignedFilters...)
	}
	page := ConversationPage{Conversations: []ConversationView{}}
	// The scope filters after the query: read on until the page and one
	// more (which says there is a next page) are found, or the list ends.
	for {
		convs, err := s.store.ListConversations(ctx, p.ws.ID, f)
		if err != nil {
			return err
		}
		for _, conv := range convs {
			if !sc.sees(conv) {
				continue
			}
			if len(page.Conversations) == limit {
				page.Next = page.Conversations[limit-1].ID
				return c.JSON(http.StatusOK, page)
			}
			page.Conversations = append(page.Conversations, viewOf(conv))
		}
		if len(convs) < f.Limit {
			return c.JSON(http.StatusOK, page)
		}
		f.BeforeID = convs[len(convs)-1].ID
	}
}

// ContactView is a contact as the API shows it.
type ContactView struct {
	ID             string         `json:"id"`
	Name           string         `json:"name,omitempty"`
	Email          string         `json:"email,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	Fields         map[string]any `json:"fields"`
	LifecycleStage string         `json:"lifecycle_stage_id,omitempty"`
	Tags           []string       `json:"tags"`
	Version        int64          `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

func contactView(c *store.Contact) ContactView {
	v := ContactView{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Fields: c.Fields, LifecycleStage: c.LifecycleStageID,
		Tags: c.Tags, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if v.Fields == nil {
		v.Fields = map[string]any{}
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	return v
}

// EventView is an audit log entry.
type EventView struct {
	ID             int64           `json:"id"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Type           string          `json:"type"`
	Actor          string          `json:"actor"`
	Payload        json.RawMessage `json:"payload,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

func eventView(e *store.Event) EventView {
	return EventView{ID: e.ID, ConversationID: e.ConversationID, Type: e.Type, Actor: e.Actor, Payload: e.Payload, CreatedAt: e.CreatedAt}
}

// ConversationDetail is one conversation with what a human agent needs.
type ConversationDetail struct {
	Conversation ConversationView             `json:"conversation"`
	Contact      ContactView                  `json:"contact"`
	Messages     []conversation.PublicMessage `json:"messages"`
	// Actions are the actions taken (audit entries action.executed).
	Actions []EventView `json:"actions"`
	// Events are the rest of the audit log of the conversation.
	Events []EventView `json:"events"`
}

// detailMessages is how many of the last messages a detail carries; the
// messages route pages through all.
const detailMessages = 100

func (s *Server) inboxConversation(c *echo.Context) error {
	conv, _, err := s.visible(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ws := who(c).ws.ID
	contact, err := s.store.GetContact(ctx, ws, conv.ContactID)
	if err != nil {
		return err
	}
	msgs, err := s.store.ListMessages(ctx, ws, conv.ID, store.MessageFilter{Last: detailMessages})
	if err != nil {
		return err
	}
	evs, err := s.store.ListEvents(ctx, ws, store.EventFilter{ConversationID: conv.ID})
	if err != nil {
		return err
	}
	d := ConversationDetail{Conversation: viewOf(conv), Contact: contactView(contact), Messages: []conversation.PublicMessage{},
		Actions: []EventView{}, Events: []EventView{}}
	for _, m := range msgs {
		d.Messages = append(d.Messages, conversation.Public(m))
	}
	for _, e := range evs {
		if e.Type == "action.executed" {
			d.Actions = append(d.Actions, eventView(e))
		} else {
			d.Events = append(d.Events, eventView(e))
		}
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) inboxMessages(c *echo.Context) error {
	conv, _, err := s.visible(c)
	if err != nil {
		return err
	}
	page, err := s.messagePage(c, who(c).ws.ID, conv.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// HumanReplyRequest is a human agent's reply.
type HumanReplyRequest struct {
	Text string `json:"text"`
}

func (s *Server) inboxReply(c *echo.Context) error {
	conv, _, err := s.visible(c)
	if err != nil {
		return err
	}
	p := who(c)
	if p.user == nil {
		return problem(http.StatusForbidden, "forbidden", "a reply is written by a human agent: use an agent key (causerie key create --role agent --user EMAIL)")
	}
	var req HumanReplyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Text) == "" {
		return invalid("body.text", "the reply is empty; write some text")
	}
	m, err := s.rt.HumanReply(c.Request().Context(), p.ws.ID, conv.ID, p.user.ID, req.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, conversation.Public(m))
}

// ActionRequest asks for one of the catalogue's actions.
type ActionRequest struct {
	Action string          `json:"action"`
	Args   json.RawMessage `json:"args,omitempty"`
}

// ActionResult is what an action did.
type ActionResult struct {
	Action  string         `json:"action"`
	OK      bool           `json:"ok"`
	Message string         `json:"message"`
	Code    string         `json:"code,omitempty"`
	Valid   []string       `json:"valid,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	// Conversation is the conversation after the action.
	Conversation ConversationView `json:"conversation"`
}

func (s *Server) inboxAct(c *echo.Context) error {
	conv, _, err := s.visible(c)
	if err != nil {
		return err
	}
	p := who(c)
	if p.user == nil {
		return problem(http.StatusForbidden, "forbidden", "actions in the inbox are a human agent's: use an agent key, so the audit log says who acted")
	}
	var req ActionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !slices.Contains(conversation.HumanActions, req.Action) {
		return invalid("body.action", fmt.Sprintf("%q is not an inbox action", req.Action), conversation.HumanActions...)
	}
	ctx := c.Request().Context()
	a, err := s.rt.Act(ctx, p.ws.ID, conv.ID, p.user.ID, req.Action, req.Args, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	s.metrics.action(a.Name, a.Result.OK)
	after, err := s.store.GetConversation(ctx, p.ws.ID, conv.ID)
	if err != nil {
		return err
	}
	res := ActionResult{Action: a.Name, OK: a.Result.OK, Message: a.Result.Message, Data: a.Result.Data, Conversation: viewOf(after)}
	if f := a.Result.Error; f != nil {
		res.Code, res.Valid = f.Code, f.Valid
		status := http.StatusUnprocessableEntity
		if f.Code == tools.CodeInvalidArguments {
			status = http.StatusBadRequest
		}
		pr := problem(status, "action-failed", "%s: %s", a.Name, a.Result.Message)
		pr.Errors = []FieldError{{Field: "body.args", Detail: a.Result.Message, Valid: f.Valid}}
		return pr
	}
	return c.JSON(http.StatusOK, res)
}

// inboxEvents streams the stored events of the conversations the key may
// see, each with its conversation id. There is no replay: a client that
// reconnects reads the list again.
func (s *Server) inboxEvents(c *echo.Context) error {
	p := who(c)
	ctx := c.Request().Context()
	sc, err := s.scopeOf(ctx, p)
	if err != nil {
		return err
	}
	items := make(chan conversation.StreamItem)
	go func() {
		defer close(items)
		for it := range s.rt.StreamWorkspace(ctx, p.ws.ID) {
			conv, err := s.store.GetConversation(ctx, p.ws.ID, it.ConversationID)
			if err != nil || !sc.sees(conv) {
				continue
			}
			data, _ := json.Marshal(map[string]any{"conversation_id": it.ConversationID, "seq": it.Seq, "data": it.Data})
			select {
			case items <- conversation.StreamItem{Kind: it.Kind, Data: data}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return s.sse(c, items, nil)
}
