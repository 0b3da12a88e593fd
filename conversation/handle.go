package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/snapshot"
	"github.com/causerie/causerie/tools"
)

// Inbound is a visitor's message, from any channel.
type Inbound struct {
	WorkspaceID    string
	ConversationID string
	Text           string
	// Audio are audio attachments, transcribed into the message text.
	Audio []Audio
	// OnStored, when set, is called with the stored message as soon as it
	// is stored, before its turn runs (a channel acknowledges it then).
	OnStored func(*store.Message)
}

// Outcome is what handling a visitor's message did.
type Outcome struct {
	// Visitor is the stored visitor message.
	Visitor *store.Message
	// Reply is the stored AI reply, nil when there is none.
	Reply *store.Message
	// Replies are all the messages sent to the visitor in order: the AI
	// agent's, or a flow's or a response rule's.
	Replies []*store.Message
	// Via names what answered when it was not the AI agent: "flow:<key>",
	// "rule:<name>".
	Via     string
	Actions []tools.ActionTaken
	// Dropped is reply text the AI agent produced after it stopped
	// handling the conversation; it was recorded, not sent.
	Dropped string
	// Fallback is set when the visitor got the fallback message (the
	// model failed or looped on tools, a flow step or a rule's action
	// failed); FallbackCause says why, for the operator. The conversation
	// was then handed over (see HandOver).
	Fallback      bool
	FallbackCause string
	// Waiting is set when the conversation is not an AI agent's: a human,
	// a team or nobody handles it, and the message waits for them.
	Waiting bool
	// Notice explains why there is no reply when no model is configured.
	Notice string
	Usage  agent.Usage
}

// NoModelNotice is the notice given instead of a reply when no model
// endpoint is configured.
var NoModelNotice = "the AI agent cannot answer: " + agent.ErrNoEndpoint.Error()

// Handle handles one visitor message: it stores it first (a closed
// conversation reopens), waits for the conversation's previous turn to
// finish, then offers it to the handlers in order — the active flow run,
// a flow's trigger, a response rule, the conversation's assignee — until
// one takes it. Every step is published to the conversation's
// subscribers. An error after the message was stored leaves it stored:
// Outcome.Visitor is set.
func (r *Runtime) Handle(ctx context.Context, in Inbound) (*Outcome, error) {
	out := &Outcome{}
	if limit := r.opts.MaxMessageBytes; len(in.Text) > limit {
		return nil, &TooLongError{Bytes: len(in.Text), Limit: limit}
	}
	in.Text = normalizeText(in.Text)
	audio, err := checkAudio(in.Audio)
	if err != nil {
		return nil, err
	}
	text, terr := r.transcribe(ctx, in)
	text = normalizeText(text) // a transcription is visitor text too
	holder := r.holder + "/" + store.NewID("turn")
	ctx = snapshot.Track(ctx)
	visitor, conv, locked, err := r.storeVisitorMessage(ctx, in, text, audio, terr, holder)
	if err != nil {
		return nil, err
	}
	// The conversation was read with the workspace's version: the turn
	// reads the workspace's entities from the snapshot of that version.
	snapshot.Saw(ctx, in.WorkspaceID, conv.WorkspaceVersion)
	out.Visitor = visitor
	if in.OnStored != nil {
		in.OnStored(visitor)
	}
	obs := r.publisher(ctx, in.WorkspaceID, in.ConversationID)
	defer func() {
		r.hub.publish(Event{Kind: EventTurnEnded, WorkspaceID: in.WorkspaceID, ConversationID: in.ConversationID, Outcome: out})
	}()
	obs.stored(Event{Kind: EventMessage, Message: visitor}, conv.messageItem)
	if conv.reopened {
		c := conv.Conversation
		obs.stored(Event{Kind: EventStatus, Status: &StatusChange{Change: "reopened", Status: c.Status, Assignee: c.Assignee}}, conv.reopenItem)
	}

	turn, err := r.lockTurn(ctx, in.WorkspaceID, in.ConversationID, holder, locked)
	if err != nil {
		return out, err
	}
	defer turn.release()
	c := conv.Conversation
	if !locked { // another turn ran meanwhile: read the conversation again
		c = nil
	}
	return out, r.handleStored(ctx, &message{conv: c, visitor: visitor, transcriptionErr: terr, out: out, obs: obs, lease: turn})
}

// handleStored hands a stored visitor message, whose turn the caller
// holds, to the handlers in order, and records that its turn ended.
func (r *Runtime) handleStored(ctx context.Context, m *message) error {
	var err error
	ctx = snapshot.Track(ctx)
	ws, conv := m.visitor.WorkspaceID, m.visitor.ConversationID
	if m.conv == nil {
		if m.conv, err = r.store.GetConversation(ctx, ws, conv); err != nil {
			return err
		}
	}
	if m.ws, err = r.snap.GetWorkspace(ctx, ws); err != nil {
		return err
	}
	for _, h := range r.handlers() {
		handled, err := h.handle(ctx, m)
		if err != nil && ctx.Err() != nil {
			// The caller gave up on the turn (Ctrl-C in chat, a client that
			// went away): it is over, not to be recovered.
			return r.cancelled(m, h.name, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
		if handled {
			break
		}
	}
	if m.out.Fallback {
		if err := r.handOver(ctx, m); err != nil {
			return fmt.Errorf("hand the conversation over after the fallback: %w", err)
		}
	}
	// Until here, a process that dies leaves the message unhandled, and
	// Recover handles it again.
	if err := m.lease.finish(m.visitor.ID); err != nil {
		return fmt.Errorf("record the end of the turn: %w", err)
	}
	return nil
}

// cancelled records a turn its caller cancelled, and ends it.
func (r *Runtime) cancelled(m *message, stage string, cause error) error {
	ctx := context.WithoutCancel(context.Background())
	payload, _ := json.Marshal(map[string]string{"stage": stage, "error": cause.Error()})
	if err := r.store.AppendEvent(ctx, &store.Event{WorkspaceID: m.visitor.WorkspaceID, ConversationID: m.visitor.ConversationID,
		Type: "turn.cancelled", Actor: "system", Payload: payload}); err != nil {
		return err
	}
	if err := r.store.MarkMessageHandled(ctx, m.visitor.WorkspaceID, m.visitor.ID); err != nil {
		return err
	}
	return fmt.Errorf("%s: %w", stage, context.Canceled)
}

// message is a stored visitor message on its way through the handlers.
type message struct {
	ws               *store.Workspace
	conv             *store.Conversation
	visitor          *store.Message
	transcriptionErr error
	out              *Outcome
	obs              *publisher
	// lease is the turn being held; finishing the message gives it up.
	lease *lease
}

// handler is one stage of the pipeline: handled reports that it took the
// message, and the later stages do not see it.
type handler struct {
	name   string
	handle func(ctx context.Context, m *message) (handled bool, err error)
}

// handlers are the stages, in order.
func (r *Runtime) handlers() []handler {
	return []handler{
		{"continue the flow run", r.viaRouter(r.router.Continue)},
		{"flow triggers", r.viaRouter(r.router.Trigger)},
		{"response rules", r.viaRouter(r.router.Rule)},
		{"the assignee", r.assignee},
	}
}

// viaRouter adapts a flow router stage.
func (r *Runtime) viaRouter(stage func(context.Context, dsl.Inbound) (*dsl.Routing, error)) func(context.Context, *message) (bool, error) {
	return func(ctx context.Context, m *message) (bool, error) {
		routing, err := stage(ctx, dsl.Inbound{Workspace: m.ws, Conversation: m.conv, Message: m.visitor, Observer: m.obs})
		if err != nil || routing == nil {
			return false, err
		}
		m.out.Replies, m.out.Actions, m.out.Via = routing.Replies, routing.Actions, routing.Via
		m.out.Fallback, m.out.FallbackCause = routing.Fallback, routing.Cause
		return true, nil
	}
}

// assignee hands the message to the conversation's AI agent; for a
// human, a team or nobody, it waits for them.
func (r *Runtime) assignee(ctx context.Context, m *message) (bool, error) {
	if m.conv.Assignee.Type != store.AssigneeAIAgent {
		m.out.Waiting = true
		return true, nil
	}
	ag, err := r.snap.GetAIAgent(ctx, m.ws.ID, m.conv.Assignee.ID)
	if errors.Is(err, store.ErrNotFound) {
		m.out.Waiting = true // assigned to an AI agent that no longer exists
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if r.opts.Model == nil {
		m.out.Notice = NoModelNotice
		// Channels that only read the stream (the widget) learn it too.
		m.obs.status("unanswered", m.conv)
		return true, nil
	}
	t := agent.Turn{Workspace: m.ws, Conversation: m.conv, Agent: ag, Visitor: m.visitor, Observer: m.obs}
	if m.transcriptionErr != nil {
		t.Unanswerable, t.UnanswerableEvent = m.transcriptionErr, "audio.transcription_failed"
	}
	m.obs.typing(true)
	res, err := r.agent.Run(ctx, t)
	m.obs.typing(false)
	if res != nil {
		m.out.Reply, m.out.Replies, m.out.Actions = res.Reply, res.Replies, res.Actions
		m.out.Dropped, m.out.Fallback, m.out.Usage = res.Dropped, res.Fallback, res.Usage
		m.out.FallbackCause = res.FallbackCause
	}
	return true, err
}

// storedConversation is the conversation as the visitor's message found
// it.
type storedConversation struct {
	*store.Conversation
	reopened bool
	// messageItem and reopenItem are the stream events stored with the
	// message.
	messageItem, reopenItem *StreamItem
}

// storeVisitorMessage persists the message before anything else, and
// reopens a closed conversation (only a visitor's message does). In the
// same transaction it tries to take the turn, which is free unless
// another message of the conversation is being answered; it reports
// whether the turn was taken.
func (r *Runtime) storeVisitorMessage(ctx context.Context, in Inbound, text string, audio []store.Attachment, terr error, holder string) (*store.Message, storedConversation, bool, error) {
	m := &store.Message{WorkspaceID: in.WorkspaceID, ConversationID: in.ConversationID, Role: store.RoleVisitor,
		Text: text, Attachments: audio}
	switch {
	case terr != nil:
		m.Metadata = map[string]any{"transcription_error": terr.Error()}
	case len(audio) > 0 && r.opts.Transcriber != nil:
		m.Metadata = map[string]any{"transcribed": true}
	}
	var conv storedConversation
	locked := false
	err := r.store.InTx(ctx, func(q store.Queries) error {
		c, err := q.LockConversation(ctx, in.WorkspaceID, in.ConversationID)
		if err != nil {
			return err
		}
		conv = storedConversation{Conversation: c}
		if c.Status == store.StatusClosed {
			c.Status, c.ClosedAt = store.StatusOpen, nil
			if err := q.UpdateConversation(ctx, c); err != nil {
				return err
			}
			if err := q.AppendEvent(ctx, &store.Event{WorkspaceID: in.WorkspaceID, ConversationID: c.ID,
				Type: "conversation.reopened", Actor: "visitor", Payload: json.RawMessage(`{"reason":"new visitor message"}`)}); err != nil {
				return err
			}
			conv.reopened = true
			if conv.reopenItem, err = appendStream(ctx, q, in.WorkspaceID, c.ID, StreamStatus, statusData("reopened", c)); err != nil {
				return err
			}
		}
		if err := q.AppendMessage(ctx, m); err != nil {
			return err
		}
		if conv.messageItem, err = appendStream(ctx, q, in.WorkspaceID, c.ID, StreamMessage, Public(m)); err != nil {
			return err
		}
		locked, err = q.AcquireTurnLock(ctx, in.WorkspaceID, in.ConversationID, holder, time.Now().Add(r.opts.LockTTL))
		return err
	})
	if err != nil {
		return nil, storedConversation{}, false, fmt.Errorf("store the visitor's message: %w", err)
	}
	return m, conv, locked, nil
}

// handOver keeps the fallback's promise that a team member takes over:
// a conversation the AI agent (or nobody) had goes to the workspace's
// fallback team, or — without one, or when nobody of it can take it — is
// unassigned into the inbox queue. A conversation a human or a team
// already has stays theirs. The conversation.handed_over event carries the
// cause.
func (r *Runtime) handOver(ctx context.Context, m *message) error {
	ctx = context.WithoutCancel(ctx) // the visitor was promised it
	conv, err := r.store.GetConversation(ctx, m.ws.ID, m.visitor.ConversationID)
	if err != nil {
		return err
	}
	if conv.Status == store.StatusClosed || (!conv.Assignee.IsZero() && conv.Assignee.Type != store.AssigneeAIAgent) {
		return nil
	}
	call := func(action string, args any, i int) (tools.Result, error) {
		raw, _ := json.Marshal(args)
		res, err := r.tools.Execute(ctx, tools.Call{WorkspaceID: m.ws.ID, ConversationID: conv.ID, Action: action,
			Args: raw, Actor: "system:fallback", Key: fmt.Sprintf("fallback/%s/%d", m.visitor.ID, i)})
		if err == nil {
			a := tools.ActionTaken{Name: action, Args: raw, Result: res}
			m.out.Actions = append(m.out.Actions, a)
			m.obs.Action(a)
		}
		return res, err
	}
	to, note := "inbox", ""
	if team := m.ws.Settings.FallbackTeam; team != "" {
		res, err := call(tools.Assign, map[string]string{"team": team}, 0)
		if err != nil {
			return err
		}
		if res.OK {
			to = "team:" + team
		} else {
			note = res.Message
		}
	}
	if to == "inbox" && conv.Assignee.Type == store.AssigneeAIAgent {
		if _, err := call(tools.Unassign, map[string]string{}, 1); err != nil {
			return err
		}
	}
	payload, _ := json.Marshal(map[string]string{"cause": m.out.FallbackCause, "to": to, "team_failure": note})
	return r.store.AppendEvent(ctx, &store.Event{WorkspaceID: m.ws.ID, ConversationID: conv.ID,
		Type: "conversation.handed_over", Actor: "system:fallback", Payload: payload})
}
