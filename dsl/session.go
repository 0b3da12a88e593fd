package dsl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// ErrNoModel fails an ai_reply step with body_source ai when no model is
// configured; the step's error edge (or the fallback) follows.
var ErrNoModel = errors.New("no model is configured for AI replies (set OPENAI_API_KEY or OPENAI_BASE_URL)")

// session is the Env of a flow (or response rule) in a conversation,
// backed by the store: messages are stored, actions executed through the
// catalogue, and what happened is collected for the agent's Outcome.
type session struct {
	r       *Router
	ws      *store.Workspace
	conv    *store.Conversation
	visitor *store.Message
	actor   string // "flow:<id>", "rule:<id>"
	via     string // "flow:<key>", "rule:<name>"
	obs     Observer
	out     Routing
	// trailFrom is the length of the run's trail before this turn: the
	// nodes after it were visited now (see Router.save).
	trailFrom int
}

func (r *Router) session(m Inbound, actor, via string) *session {
	return &session{r: r, ws: m.Workspace, conv: m.Conversation, visitor: m.Message, actor: actor, via: via,
		obs: m.Observer, out: Routing{Via: via}}
}

// Language implements Env.
func (s *session) Language() string { return s.ws.Language }

// FallbackText implements Env.
func (s *session) FallbackText() string { return s.ws.Settings.FallbackMessage(s.ws.Language) }

// Context implements Env: the contact (name, email, phone, lifecycle
// stage, tags and every field by id), the conversation, the workspace and
// the visitor's message.
func (s *session) Context(ctx context.Context) (map[string]any, error) {
	conv, err := s.r.store.GetConversation(ctx, s.ws.ID, s.conv.ID)
	if err != nil {
		return nil, err
	}
	s.conv = conv
	ct, err := s.r.store.GetContact(ctx, s.ws.ID, conv.ContactID)
	if err != nil {
		return nil, err
	}
	fields, err := s.r.store.ListContactFields(ctx, s.ws.ID)
	if err != nil {
		return nil, err
	}
	contact := make(map[string]any, len(fields)+8)
	for _, f := range fields {
		contact[f.Key] = nil
	}
	for k, v := range ct.Fields {
		contact[k] = v
	}
	tags := make([]any, len(ct.Tags))
	for i, t := range ct.Tags {
		tags[i] = t
	}
	contact["id"], contact["name"], contact["email"], contact["phone"], contact["tags"] = ct.ID, ct.Name, ct.Email, ct.Phone, tags
	contact["lifecycle_stage"] = ""
	if ct.LifecycleStageID != "" {
		stages, err := s.r.store.ListLifecycleStages(ctx, s.ws.ID)
		if err != nil {
			return nil, err
		}
		for _, st := range stages {
			if st.ID == ct.LifecycleStageID {
				contact["lifecycle_stage"] = st.Name
			}
		}
	}
	text := ""
	if s.visitor != nil {
		text = s.visitor.Text
	}
	return map[string]any{
		"contact":      contact,
		"conversation": map[string]any{"id": conv.ID, "channel": conv.Channel, "status": string(conv.Status)},
		"workspace": map[string]any{"name": s.ws.Name, "slug": s.ws.Slug, "language": s.ws.Language,
			"default_country": s.ws.Settings.DefaultCountry},
		"message": map[string]any{"text": text},
	}, nil
}

// Say implements Env: the message is stored as the AI agent's (the
// conversation's, when an AI agent has it), marked with the flow and node.
func (s *session) Say(ctx context.Context, n *Node, text string, meta map[string]any) error {
	md := map[string]any{"via": s.via}
	for k, v := range meta {
		md[k] = v
	}
	if n != nil {
		md["node"] = n.ID
	}
	if s.visitor != nil {
		md["in_reply_to"] = s.visitor.Seq
	}
	m := &store.Message{WorkspaceID: s.ws.ID, ConversationID: s.conv.ID, Role: store.RoleAIAgent, Text: text, Metadata: md}
	if s.conv.Assignee.Type == store.AssigneeAIAgent {
		m.AuthorID = s.conv.Assignee.ID
	}
	if err := s.r.store.AppendMessage(ctx, m); err != nil {
		return fmt.Errorf("store the flow's message: %w", err)
	}
	s.out.Replies = append(s.out.Replies, m)
	if fallback, _ := meta["fallback"].(bool); fallback {
		// The fallback promises a team member: the pipeline hands the
		// conversation over.
		s.out.Fallback = true
		s.out.Cause, _ = meta["reason"].(string)
	}
	if s.obs != nil {
		s.obs.Reply(m)
	}
	return nil
}

// Act implements Env: the action runs through the catalogue, audited with
// the flow as actor.
func (s *session) Act(ctx context.Context, n *Node, key, action string, args map[string]any, vars map[string]any) (tools.Result, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return tools.Result{}, fmt.Errorf("arguments of %s: %w", action, err)
	}
	res, err := s.r.tools.Execute(ctx, tools.Call{WorkspaceID: s.ws.ID, ConversationID: s.conv.ID, Action: action,
		Args: raw, Actor: s.actor, Key: key, Vars: vars})
	if err != nil {
		return tools.Result{}, err
	}
	at := tools.ActionTaken{Name: action, Args: raw, Result: res}
	s.out.Actions = append(s.out.Actions, at)
	if s.obs != nil {
		s.obs.Action(at)
	}
	return res, nil
}

// Generate implements Env with the router's model: the step's system
// prompt (or the default one) and the conversation's last messages.
func (s *session) Generate(ctx context.Context, n *Node, req AIRequest) (string, error) {
	model := s.r.opts.Model
	if model == nil {
		return "", ErrNoModel
	}
	c, err := s.Context(ctx)
	if err != nil {
		return "", err
	}
	contact := c["contact"].(map[string]any)
	var who []string
	for _, k := range []string{"name", "email", "phone"} {
		if v := tools.Format(contact[k]); v != "" {
			who = append(who, v)
		}
	}
	system, err := prompts.RenderFlowReply(prompts.FlowReply{Language: s.ws.Language, Workspace: s.ws.Name,
		Contact: strings.Join(who, ", "), Instructions: req.System})
	if err != nil {
		return "", err
	}
	msgs := []ChatMessage{{Role: "system", Content: system}}
	history, err := s.r.store.ListMessages(ctx, s.ws.ID, s.conv.ID, store.MessageFilter{Last: 20})
	if err != nil {
		return "", err
	}
	for _, m := range history {
		switch m.Role {
		case store.RoleVisitor:
			msgs = append(msgs, ChatMessage{Role: "user", Content: m.Text})
		case store.RoleAIAgent, store.RoleHuman:
			msgs = append(msgs, ChatMessage{Role: "assistant", Content: m.Text})
		}
	}
	if msgs[len(msgs)-1].Role != "user" {
		// The model answers a user turn: say what is expected.
		msgs = append(msgs, ChatMessage{Role: "user", Content: prompts.WriteNext()})
	}
	resp, err := model.Complete(ctx, Completion{Model: req.Model, Messages: msgs, Temperature: req.Temperature, MaxTokens: req.MaxTokens})
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(resp)
	if text == "" {
		return "", fmt.Errorf("the model answered with no text")
	}
	return text, nil
}

// event appends an audit event of the flow.
func (s *session) event(ctx context.Context, typ string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return s.r.store.AppendEvent(ctx, &store.Event{WorkspaceID: s.ws.ID, ConversationID: s.conv.ID, Type: typ,
		Actor: s.actor, Payload: b})
}

// Record implements Env: an event of the flow, in the audit log.
func (s *session) Record(ctx context.Context, n *Node, typ string, payload map[string]any) error {
	return s.event(ctx, typ, payload)
}
