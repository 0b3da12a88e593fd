package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Turn is one AI agent turn. The caller (package conversation) has stored
// the visitor's message and holds the conversation's turn: the agent runs
// the model and the actions it calls, and stores the reply.
type Turn struct {
	Workspace    *store.Workspace
	Conversation *store.Conversation
	// Agent is the AI agent the conversation is assigned to.
	Agent *store.AIAgent
	// Visitor is the stored visitor message the turn answers.
	Visitor *store.Message
	// Unanswerable, when set, is why the message cannot be put to the
	// model (its audio could not be transcribed): the fallback is sent
	// and the cause recorded under UnanswerableEvent.
	Unanswerable      error
	UnanswerableEvent string
	// Observer follows the turn; nil ignores it.
	Observer Observer
}

// Observer follows a turn as it happens. What it must keep of an action
// or a reply (a channel's stream event) it stores in the transaction that
// stores them (StoreAction, StoreReply), so that both commit or neither
// does; once committed, ActionStored and ReplyStored report them with
// what it stored.
type Observer interface {
	// StoreAction runs in the transaction of an action's result.
	StoreAction(ctx context.Context, q store.Queries, a tools.ActionTaken) (stored any, err error)
	// ActionStored reports an action that ran; stored is what StoreAction
	// returned in its committed transaction, nil when none ran there (a
	// call refused before it ran, a replayed one): the observer stores
	// what it needs itself.
	ActionStored(a tools.ActionTaken, stored any)
	// Delta reports reply text as it streams (variables rendered).
	Delta(text string)
	// StoreReply runs in the transaction that stores a message sent to the
	// visitor.
	StoreReply(ctx context.Context, q store.Queries, m *store.Message) (stored any, err error)
	// ReplyStored reports a message stored and sent to the visitor, with
	// what StoreReply stored.
	ReplyStored(m *store.Message, stored any)
	// Dropped reports reply text that was not sent: the AI agent no
	// longer handles the conversation.
	Dropped(text string)
}

// Result is what a turn did.
type Result struct {
	// Reply is the stored AI reply, nil when there is none.
	Reply *store.Message
	// Replies are all the messages sent, in order (a message said before
	// searching the knowledge bases, then the reply).
	Replies []*store.Message
	Actions []tools.ActionTaken
	// Dropped is reply text the AI agent produced after it stopped
	// handling the conversation; it was recorded, not sent.
	Dropped string
	// Fallback is set when Reply is the fallback message (the model
	// failed, or looped on tools); FallbackCause says why.
	Fallback      bool
	FallbackCause string
	Usage         Usage
}

// Run runs one turn: it asks the model, runs the actions it calls —
// before the reply, in order — and stores the reply.
func (a *Agent) Run(ctx context.Context, in Turn) (*Result, error) {
	t := &turn{a: a, in: in, out: &Result{}, ws: in.Workspace, conv: in.Conversation, agent: in.Agent,
		seq: in.Visitor.Seq, seen: map[string]string{}}
	if in.Unanswerable != nil {
		return t.out, t.fallback(ctx, in.UnanswerableEvent, in.Unanswerable.Error())
	}
	return t.out, t.run(ctx)
}

// turn is one AI agent turn in progress.
type turn struct {
	a     *Agent
	in    Turn
	out   *Result
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
	// contact is the contact as the turn's last successful action left
	// it; nil when an action may have changed it otherwise (read it).
	contact *store.Contact
}

// contactOnly reports whether every call is of an action that touches
// only the contact (tools.Action.ContactOnly).
func contactOnly(cat *tools.Catalogue, calls []ToolCall) bool {
	for _, c := range calls {
		if a := cat.Action(c.Name); a == nil || !a.ContactOnly {
			return false
		}
	}
	return true
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
	toolSpecs := t.a.toolSpecs(t.ws, t.agent)

	for round := 0; ; round++ {
		if round > t.a.opts.MaxToolRounds {
			return t.fallback(ctx, "turn.too_many_tool_rounds", fmt.Sprintf("the model asked for tools in more than %d rounds", t.a.opts.MaxToolRounds))
		}
		if round > 0 { // the actions may have changed the contact
			if t.contact != nil {
				contact = t.contact // as the last of them left it
			} else if contact, err = t.a.store.GetContact(ctx, t.ws.ID, t.conv.ContactID); err != nil {
				return err
			}
		}
		vars := replyVars(contact)
		stream := newVarStream(vars, func(s string) {
			if t.in.Observer != nil {
				t.in.Observer.Delta(s)
			}
		})
		resp, err := t.a.opts.Model.Chat(ctx, Request{
			Model: t.agent.Model.Name, Messages: msgs, Tools: toolSpecs,
			Temperature: t.agent.Model.Temperature, MaxTokens: t.agent.Model.MaxOutputTokens,
			OnDelta: stream.write,
		})
		if err != nil {
			// What the visitor saw stays on record: a fragment of a broken
			// stream is stored, then the fallback follows it.
			if shown := strings.TrimSpace(stream.shown.String()); shown != "" {
				if err := t.store(ctx, shown, map[string]any{"streamed": true, "interrupted": true}); err != nil {
					return err
				}
			}
			return t.fallback(ctx, "model.failed", err.Error())
		}
		t.out.Usage.PromptTokens += resp.Usage.PromptTokens
		t.out.Usage.CompletionTokens += resp.Usage.CompletionTokens
		stream.flush()
		streamed := stream.shown.Len() > 0
		if len(resp.ToolCalls) == 0 {
			if strings.TrimSpace(resp.Content) == "" {
				// No text, no tool call: the visitor must not be left in
				// silence.
				return t.fallback(ctx, "model.empty_reply", "the model answered with neither text nor a tool call")
			}
			return t.reply(ctx, resp, streamed, contact)
		}
		// Text that precedes tool calls in the same answer was shown: it is
		// stored before the actions run, as the visitor saw it.
		if text := strings.TrimSpace(resp.Content); text != "" {
			meta := t.replyMeta(resp.ID, text, streamed)
			meta["before_actions"] = true
			if err := t.store(ctx, renderReply(text, vars), meta); err != nil {
				return err
			}
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: resp.Content, ToolCalls: resp.ToolCalls})
		for _, call := range resp.ToolCalls {
			msgs = append(msgs, Message{Role: RoleTool, ToolCallID: call.ID, Content: t.runTool(ctx, call, resp.ID)})
		}
		// Seed 002: once the conversation is a human's, a team's, nobody's
		// or another AI agent's, this AI agent sends nothing more. Actions
		// that touch only the contact cannot have changed that (nor the
		// contact but as they reported it); after any other, both are read
		// again.
		if !contactOnly(t.a.tools, resp.ToolCalls) {
			t.contact = nil
			conv, err := t.a.store.GetConversation(ctx, t.ws.ID, t.conv.ID)
			if err != nil {
				return err
			}
			t.conv = conv
			if !t.handles(conv) {
				return nil
			}
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
		r := tools.Fail("repeated_call", prompts.RepeatedCall(prev))
		t.record(call, r, nil)
		return r.JSON()
	}
	index := t.calls
	t.calls++
	if call.Name == tools.SearchKnowledge {
		if err := t.sayBeforeSearching(ctx); err != nil {
			res := tools.Fail(tools.CodeInternal, err.Error())
			t.record(call, res, nil)
			return res.JSON()
		}
	}
	var stored any
	inTx := func(ctx context.Context, q store.Queries, res tools.Result) error {
		// search_knowledge's passages are numbered after it ran: its
		// report is stored then, outside its transaction.
		if t.in.Observer == nil || call.Name == tools.SearchKnowledge {
			return nil
		}
		var err error
		stored, err = t.in.Observer.StoreAction(ctx, q, t.taken(call, res))
		return err
	}
	res, err := t.a.tools.Execute(ctx, tools.Call{
		WorkspaceID: t.ws.ID, ConversationID: t.conv.ID, ContactID: t.conv.ContactID, Contacted: func(c *store.Contact) { t.contact = c },
		InTx:   inTx,
		Action: call.Name, Args: json.RawMessage(call.Arguments),
		Actor: "ai_agent:" + t.agent.ID, ToolCallID: call.ID, Key: tools.IdempotencyKey(t.conv.ID, t.seq, index),
		Enabled: t.agent.Actions, KnowledgeBaseIDs: append([]string{}, t.agent.KnowledgeBaseIDs...),
	})
	if err != nil {
		res = tools.Fail(tools.CodeInternal, "the action could not run because of an internal error ("+err.Error()+"); it did not happen")
	}
	if err != nil || res.Replayed {
		stored = nil // what was stored rolled back with the action, or was a replay's
	}
	t.number(&res)
	t.seen[key] = res.JSON()
	t.record(call, res, stored)
	return res.JSON()
}

// taken is what a call did, as the turn reports it.
func (t *turn) taken(call ToolCall, r tools.Result) tools.ActionTaken {
	args := json.RawMessage(call.Arguments)
	if !json.Valid(args) {
		args, _ = json.Marshal(call.Arguments)
	}
	return tools.ActionTaken{Name: call.Name, Args: args, Result: r, ToolCallID: call.ID}
}

// record reports a call's result; stored is what the observer stored in
// the action's committed transaction (nil: none).
func (t *turn) record(call ToolCall, r tools.Result, stored any) {
	at := t.taken(call, r)
	t.out.Actions = append(t.out.Actions, at)
	if t.in.Observer != nil {
		t.in.Observer.ActionStored(at, stored)
	}
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

// reply renders and stores the model's final reply. A reply that was
// streamed was seen: it is stored even when the conversation was
// reassigned meanwhile (with an event saying so); one that was not is
// dropped then.
func (t *turn) reply(ctx context.Context, resp *Response, streamed bool, contact *store.Contact) error {
	text := strings.TrimSpace(resp.Content)
	conv, err := t.a.store.GetConversation(ctx, t.ws.ID, t.conv.ID)
	if err != nil {
		return err
	}
	meta := t.replyMeta(resp.ID, text, streamed)
	if !t.handles(conv) { // reassigned by someone else meanwhile
		if !streamed {
			return t.drop(ctx, text, "the conversation was reassigned during the turn")
		}
		if err := t.event(ctx, "reply.after_reassignment", map[string]any{"reason": "the conversation was reassigned while the reply streamed; it was shown, so it is kept"}); err != nil {
			return err
		}
	}
	if conv.ContactID != contact.ID { // the conversation moved to another contact meanwhile
		if contact, err = t.a.store.GetContact(ctx, t.ws.ID, conv.ContactID); err != nil {
			return err
		}
	}
	return t.store(ctx, renderReply(text, replyVars(contact)), meta)
}

// replyMeta is the metadata of a message the model wrote: its call, its
// citations, and whether its text reached the visitor as a stream.
func (t *turn) replyMeta(modelCallID, text string, streamed bool) map[string]any {
	meta := map[string]any{"model_call_id": modelCallID}
	if streamed {
		meta["streamed"] = true
	}
	if cites := citations(text, t.passages); len(cites) > 0 {
		meta["citations"] = cites
	}
	return meta
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
	// The message and what the observer keeps of it (a stream event)
	// commit together.
	var stored any
	err := t.a.store.InTx(ctx, func(q store.Queries) error {
		if err := q.AppendMessage(ctx, m); err != nil {
			return err
		}
		if t.in.Observer == nil {
			return nil
		}
		var err error
		stored, err = t.in.Observer.StoreReply(ctx, q, m)
		return err
	})
	if err != nil {
		return fmt.Errorf("store the reply: %w", err)
	}
	t.out.Reply = m
	t.out.Replies = append(t.out.Replies, m)
	if t.in.Observer != nil {
		t.in.Observer.ReplyStored(m, stored)
	}
	return nil
}

// drop records a reply that must not be sent.
func (t *turn) drop(ctx context.Context, text, why string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	t.out.Dropped = text
	if t.in.Observer != nil {
		t.in.Observer.Dropped(text)
	}
	return t.event(ctx, "reply.dropped", map[string]any{"text": text, "reason": why})
}

// fallback sends the fallback message and records why.
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
	t.out.Fallback, t.out.FallbackCause = true, why
	text := t.ws.Settings.FallbackMessage(t.ws.Language)
	if text == "" {
		text = prompts.Message(t.ws.Language, prompts.FallbackAgent)
	}
	return t.store(ctx, text, map[string]any{"fallback": true, "reason": why})
}

func (t *turn) event(ctx context.Context, typ string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return t.a.store.AppendEvent(ctx, &store.Event{WorkspaceID: t.ws.ID, ConversationID: t.conv.ID, Type: typ,
		Actor: "ai_agent:" + t.agent.ID, Payload: bytes.TrimSpace(b)})
}
