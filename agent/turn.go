package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Inbound is a visitor's message.
type Inbound struct {
	WorkspaceID    string
	ConversationID string
	Text           string
	// Audio are audio attachments, transcribed into the message text.
	Audio []Audio
	// OnEvent, when set, follows the turn: each action as it runs, reply
	// text as it streams, the reply, a dropped reply.
	OnEvent func(Event)
}

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventAction  EventKind = "action"  // an action ran (Action is set)
	EventDelta   EventKind = "delta"   // reply text arrived (Text)
	EventReply   EventKind = "reply"   // the reply was stored (Text is the rendered reply)
	EventDropped EventKind = "dropped" // a reply was dropped: the AI agent no longer handles the conversation
)

// Event is the progress of a turn.
type Event struct {
	Kind   EventKind
	Text   string
	Action *ActionTaken
}

// ActionTaken is an action the AI agent ran during a turn.
type ActionTaken struct {
	Name       string          `json:"name"`
	Args       json.RawMessage `json:"args"`
	Result     tools.Result    `json:"result"`
	ToolCallID string          `json:"tool_call_id"`
}

// Outcome is what a turn did.
type Outcome struct {
	// Visitor is the stored visitor message.
	Visitor *store.Message
	// Reply is the stored AI reply, nil when there is none.
	Reply *store.Message
	// Replies are all the messages sent to the visitor in order: the AI
	// reply, or a flow's or a response rule's messages.
	Replies []*store.Message
	// Via names what answered when it was not the AI agent: "flow:<id>",
	// "rule:<name>".
	Via     string
	Actions []ActionTaken
	// Dropped is reply text the AI agent produced after it stopped
	// handling the conversation; it was recorded, not sent.
	Dropped string
	// Fallback is set when Reply is the fallback message (the model
	// failed, or looped on tools).
	Fallback bool
	// Waiting is set when the conversation is not the AI agent's: a human,
	// a team or nobody handles it, and the AI agent stays silent.
	Waiting bool
	// Notice explains why there is no reply when no model is configured.
	Notice string
	Usage  Usage
}

// NoModelNotice is the notice given instead of a reply when no model
// endpoint is configured.
var NoModelNotice = "the AI agent cannot answer: " + ErrNoEndpoint.Error()

// HandleMessage runs one turn: it stores the visitor's message first (a
// closed conversation reopens), waits for the conversation's previous turn
// to finish, and, when an AI agent handles the conversation, asks the
// model, runs the actions it calls — before the reply, in order — and
// stores and returns the reply.
func (a *Agent) HandleMessage(ctx context.Context, in Inbound) (*Outcome, error) {
	out := &Outcome{}
	audio, err := checkAudio(in)
	if err != nil {
		return nil, err
	}
	text, terr := a.transcribe(ctx, in)
	holder := a.holder + "/" + store.NewID("turn")
	visitor, conv, locked, err := a.storeVisitorMessage(ctx, in, text, audio, terr, holder)
	if err != nil {
		return nil, err
	}
	out.Visitor = visitor

	unlock, err := a.lockTurn(ctx, in.WorkspaceID, in.ConversationID, holder, locked)
	if err != nil {
		return out, err
	}
	defer unlock()
	if !locked {
		conv = nil // another turn ran meanwhile: read the conversation again
	}

	if a.opts.Router != nil {
		if conv == nil {
			if conv, err = a.store.GetConversation(ctx, in.WorkspaceID, in.ConversationID); err != nil {
				return out, err
			}
		}
		routed, err := a.route(ctx, in, conv, visitor)
		if err != nil || routed != nil {
			if routed != nil {
				out.Replies, out.Actions, out.Via = routed.Replies, routed.Actions, routed.Via
			}
			return out, err
		}
	}

	t, err := a.newTurn(ctx, in, out, conv)
	if err != nil || t == nil {
		return out, err
	}
	if a.opts.Model == nil {
		out.Notice = NoModelNotice
		return out, nil
	}
	if terr != nil {
		return out, t.fallback(ctx, "audio.transcription_failed", terr.Error())
	}
	return out, t.run(ctx)
}

// route offers the message to the Router; it returns nil when the
// message is left to the AI agent.
func (a *Agent) route(ctx context.Context, in Inbound, conv *store.Conversation, visitor *store.Message) (*Routing, error) {
	ws, err := a.store.GetWorkspace(ctx, in.WorkspaceID)
	if err != nil {
		return nil, err
	}
	r, err := a.opts.Router.Route(ctx, Routed{Workspace: ws, Conversation: conv, Message: visitor, OnEvent: in.OnEvent})
	if err != nil {
		return nil, fmt.Errorf("route the message: %w", err)
	}
	if r == nil || !r.Handled {
		return nil, nil
	}
	return r, nil
}

// storeVisitorMessage persists the message before anything else, and
// reopens a closed conversation (only a visitor's message does). In the
// same transaction it tries to take the turn, which is free unless
// another message of the conversation is being answered; it returns the
// conversation and whether the turn was taken.
func (a *Agent) storeVisitorMessage(ctx context.Context, in Inbound, text string, audio []store.Attachment, terr error, holder string) (*store.Message, *store.Conversation, bool, error) {
	m := &store.Message{WorkspaceID: in.WorkspaceID, ConversationID: in.ConversationID, Role: store.RoleVisitor,
		Text: text, Attachments: audio}
	switch {
	case terr != nil:
		m.Metadata = map[string]any{"transcription_error": terr.Error()}
	case len(audio) > 0 && a.opts.Transcriber != nil:
		m.Metadata = map[string]any{"transcribed": true}
	}
	var conv *store.Conversation
	locked := false
	err := a.store.InTx(ctx, func(q store.Queries) error {
		var err error
		conv, err = q.LockConversation(ctx, in.WorkspaceID, in.ConversationID)
		if err != nil {
			return err
		}
		if conv.Status == store.StatusClosed {
			conv.Status, conv.ClosedAt = store.StatusOpen, nil
			if err := q.UpdateConversation(ctx, conv); err != nil {
				return err
			}
			if err := q.AppendEvent(ctx, &store.Event{WorkspaceID: in.WorkspaceID, ConversationID: conv.ID,
				Type: "conversation.reopened", Actor: "visitor", Payload: json.RawMessage(`{"reason":"new visitor message"}`)}); err != nil {
				return err
			}
		}
		if err := q.AppendMessage(ctx, m); err != nil {
			return err
		}
		locked, err = q.AcquireTurnLock(ctx, in.WorkspaceID, in.ConversationID, holder, time.Now().Add(a.opts.LockTTL))
		return err
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("store the visitor's message: %w", err)
	}
	return m, conv, locked, nil
}

// turn is one AI agent turn in progress.
type turn struct {
	a     *Agent
	in    Inbound
	out   *Outcome
	ws    *store.Workspace
	conv  *store.Conversation
	agent *store.AIAgent
	seq   int64 // the visitor message's sequence number: the turn's id
	calls int   // tool calls so far, for idempotency keys
	seen  map[string]string
	// passages are the knowledge passages the model saw, numbered [n]
	// across the turn (grounding first, then each search).
	passages []tools.Passage
	// saidBefore is set once the "message before searching" was sent.
	saidBefore bool
}

func (a *Agent) newTurn(ctx context.Context, in Inbound, out *Outcome, conv *store.Conversation) (*turn, error) {
	var err error
	if conv == nil {
		if conv, err = a.store.GetConversation(ctx, in.WorkspaceID, in.ConversationID); err != nil {
			return nil, err
		}
	}
	if conv.Assignee.Type != store.AssigneeAIAgent {
		out.Waiting = true
		return nil, nil
	}
	ag, err := a.store.GetAIAgent(ctx, in.WorkspaceID, conv.Assignee.ID)
	if errors.Is(err, store.ErrNotFound) {
		out.Waiting = true // assigned to an AI agent that no longer exists
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ws, err := a.store.GetWorkspace(ctx, in.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return &turn{a: a, in: in, out: out, ws: ws, conv: conv, agent: ag, seq: out.Visitor.Seq, seen: map[string]string{}}, nil
}

func (t *turn) emit(e Event) {
	if t.in.OnEvent != nil {
		t.in.OnEvent(e)
	}
}

func (t *turn) run(ctx context.Context) error {
	if err := t.ground(ctx); err != nil {
		return err
	}
	system, contact, err := t.a.systemPrompt(ctx, t.ws, t.agent, t.conv, t.passages)
	if err != nil {
		return err
	}
	history, err := t.a.history(ctx, t.conv)
	if err != nil {
		return err
	}
	msgs := append([]Message{{Role: RoleSystem, Content: system}}, history...)
	toolSpecs := t.a.toolSpecs(t.agent)

	for round := 0; ; round++ {
		if round > t.a.opts.MaxToolRounds {
			return t.fallback(ctx, "turn.too_many_tool_rounds", fmt.Sprintf("the model asked for tools in more than %d rounds", t.a.opts.MaxToolRounds))
		}
		if round > 0 { // the actions may have changed the contact
			if contact, err = t.a.store.GetContact(ctx, t.ws.ID, t.conv.ContactID); err != nil {
				return err
			}
		}
		vars := replyVars(contact)
		stream := newVarStream(vars, func(s string) { t.emit(Event{Kind: EventDelta, Text: s}) })
		resp, err := t.a.opts.Model.Chat(ctx, Request{
			Model: t.agent.Model.Name, Messages: msgs, Tools: toolSpecs,
			Temperature: t.agent.Model.Temperature, MaxTokens: t.agent.Model.MaxOutputTokens,
			OnDelta: stream.write,
		})
		if err != nil {
			return t.fallback(ctx, "model.failed", err.Error())
		}
		t.out.Usage.PromptTokens += resp.Usage.PromptTokens
		t.out.Usage.CompletionTokens += resp.Usage.CompletionTokens
		stream.flush()
		if len(resp.ToolCalls) == 0 {
			return t.reply(ctx, resp)
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: resp.Content, ToolCalls: resp.ToolCalls})
		for _, call := range resp.ToolCalls {
			msgs = append(msgs, Message{Role: RoleTool, ToolCallID: call.ID, Content: t.runTool(ctx, call, resp.ID)})
		}
		// Seed 002: once the conversation is a human's, a team's, nobody's
		// or another AI agent's, this AI agent sends nothing more.
		conv, err := t.a.store.GetConversation(ctx, t.ws.ID, t.conv.ID)
		if err != nil {
			return err
		}
		t.conv = conv
		if !t.handles(conv) {
			return t.drop(ctx, resp.Content, "the AI agent no longer handles the conversation after its actions")
		}
	}
}

// handles reports whether this turn's AI agent still handles conv.
func (t *turn) handles(conv *store.Conversation) bool {
	return conv.Assignee == store.Assignee{Type: store.AssigneeAIAgent, ID: t.agent.ID}
}

// runTool executes one tool call and returns its result as the model
// reads it. Errors become results: a tool never crashes the turn.
func (t *turn) runTool(ctx context.Context, call ToolCall, modelCallID string) string {
	key := call.Name + "\x00" + canonicalJSON(call.Arguments)
	if prev, ok := t.seen[key]; ok {
		r := tools.Fail("repeated_call", "You already made this exact call in this turn; it was not run again. Its result was: "+
			prev+". Do not call it again: continue with your reply.")
		t.record(call, r)
		return r.JSON()
	}
	index := t.calls
	t.calls++
	if call.Name == tools.SearchKnowledge {
		if err := t.sayBeforeSearching(ctx); err != nil {
			res := tools.Fail(tools.CodeInternal, err.Error())
			t.record(call, res)
			return res.JSON()
		}
	}
	res, err := t.a.tools.Execute(ctx, tools.Call{
		WorkspaceID: t.ws.ID, ConversationID: t.conv.ID, Action: call.Name, Args: json.RawMessage(call.Arguments),
		Actor: "ai_agent:" + t.agent.ID, ToolCallID: call.ID, Key: tools.IdempotencyKey(t.conv.ID, t.seq, index),
		Enabled: t.agent.Actions, KnowledgeBaseIDs: append([]string{}, t.agent.KnowledgeBaseIDs...),
	})
	if err != nil {
		res = tools.Fail(tools.CodeInternal, "the action could not run because of an internal error ("+err.Error()+"); it did not happen")
	}
	t.number(&res)
	t.seen[key] = res.JSON()
	t.record(call, res)
	return res.JSON()
}

func (t *turn) record(call ToolCall, r tools.Result) {
	args := json.RawMessage(call.Arguments)
	if !json.Valid(args) {
		args, _ = json.Marshal(call.Arguments)
	}
	at := ActionTaken{Name: call.Name, Args: args, Result: r, ToolCallID: call.ID}
	t.out.Actions = append(t.out.Actions, at)
	t.emit(Event{Kind: EventAction, Action: &at})
}

// canonicalJSON normalises arguments so that {"a":1, "b":2} and
// {"b":2,"a":1} are the same call.
func canonicalJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// reply renders and stores the model's final reply.
func (t *turn) reply(ctx context.Context, resp *Response) error {
	text := strings.TrimSpace(resp.Content)
	if text == "" {
		return nil
	}
	conv, err := t.a.store.GetConversation(ctx, t.ws.ID, t.conv.ID)
	if err != nil {
		return err
	}
	if !t.handles(conv) { // reassigned by someone else meanwhile
		return t.drop(ctx, text, "the conversation was reassigned during the turn")
	}
	contact, err := t.a.store.GetContact(ctx, t.ws.ID, conv.ContactID)
	if err != nil {
		return err
	}
	meta := map[string]any{"model_call_id": resp.ID}
	if cites := citations(text, t.passages); len(cites) > 0 {
		meta["citations"] = cites
	}
	return t.store(ctx, renderReply(text, replyVars(contact)), meta)
}

func (t *turn) store(ctx context.Context, text string, meta map[string]any) error {
	if len(t.out.Actions) > 0 {
		var names []map[string]any
		for _, a := range t.out.Actions {
			names = append(names, map[string]any{"name": a.Name, "ok": a.Result.OK, "message": a.Result.Message})
		}
		meta["actions"] = names
	}
	meta["usage"] = t.out.Usage
	meta["in_reply_to"] = t.seq
	m := &store.Message{WorkspaceID: t.ws.ID, ConversationID: t.conv.ID, Role: store.RoleAIAgent, AuthorID: t.agent.ID,
		Text: text, Metadata: meta}
	if err := t.a.store.AppendMessage(ctx, m); err != nil {
		return fmt.Errorf("store the reply: %w", err)
	}
	t.out.Reply = m
	t.out.Replies = append(t.out.Replies, m)
	t.emit(Event{Kind: EventReply, Text: text})
	return nil
}

// drop records a reply that must not be sent.
func (t *turn) drop(ctx context.Context, text, why string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	t.out.Dropped = text
	t.emit(Event{Kind: EventDropped, Text: text})
	return t.event(ctx, "reply.dropped", map[string]any{"text": text, "reason": why})
}

// fallback sends the configured fallback message and records why.
func (t *turn) fallback(ctx context.Context, eventType, why string) error {
	if err := t.event(ctx, eventType, map[string]any{"error": why, "ai_agent": t.agent.Name}); err != nil {
		return err
	}
	conv, err := t.a.store.GetConversation(ctx, t.ws.ID, t.conv.ID)
	if err != nil {
		return err
	}
	if !t.handles(conv) {
		return nil
	}
	msg := t.a.opts.Fallback[t.ws.Language]
	if msg == "" {
		msg = t.a.opts.Fallback["en"]
	}
	t.out.Fallback = true
	return t.store(ctx, msg, map[string]any{"fallback": true, "reason": why})
}

func (t *turn) event(ctx context.Context, typ string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return t.a.store.AppendEvent(ctx, &store.Event{WorkspaceID: t.ws.ID, ConversationID: t.conv.ID, Type: typ,
		Actor: "ai_agent:" + t.agent.ID, Payload: bytes.TrimSpace(b)})
}

// now formats the current time for the prompt.
func (a *Agent) now(loc *time.Location) string {
	return a.opts.Now().In(loc).Format("Monday 2 January 2006, 15:04 MST")
}
