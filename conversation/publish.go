package conversation

import (
	"context"
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// publisher turns what the AI agent, a flow, a rule or a human does into
// Events of one conversation, and stores the stream events channels show
// (see Stream). It is the agent.Observer and the dsl.Observer of a turn.
type publisher struct {
	r        *Runtime
	ctx      context.Context
	ws, conv string
	// actor is who acts when an action's actor is not known from it (a
	// human's reply and actions); "" in a turn.
	actor string
}

func (r *Runtime) publisher(ctx context.Context, ws, conv string) *publisher {
	return &publisher{r: r, ctx: context.WithoutCancel(ctx), ws: ws, conv: conv}
}

func (p *publisher) publish(e Event) {
	e.WorkspaceID, e.ConversationID = p.ws, p.conv
	p.r.hub.publish(e)
	if e.Kind == EventDelta || e.Kind == EventTyping {
		p.r.notifyLive(e)
	}
}

// stored publishes e with the stream event stored for it; when none
// could be stored (the store failed), in-process subscribers still get
// e, and the stream's readers do not.
func (p *publisher) stored(e Event, it *StreamItem) {
	if it != nil {
		e.Seq, e.stream = it.Seq, it
	}
	p.publish(e)
}

// store appends a stream event outside any transaction.
func (p *publisher) store(kind string, v any) *StreamItem {
	it, err := appendStream(p.ctx, p.r.store, p.ws, p.conv, kind, v)
	if err != nil {
		return nil
	}
	return it
}

func (p *publisher) message(m *store.Message) {
	p.stored(Event{Kind: EventMessage, Message: m}, p.store(StreamMessage, Public(m)))
}

func statusData(change string, c *store.Conversation) PublicStatus {
	return PublicStatus{Change: change, Status: c.Status, Assignee: AssigneeOf(c.Assignee)}
}

func (p *publisher) status(change string, c *store.Conversation) {
	p.stored(Event{Kind: EventStatus, Status: &StatusChange{Change: change, Status: c.Status, Assignee: c.Assignee}},
		p.store(StreamStatus, statusData(change, c)))
}

// statusChanges are the actions that change a conversation's status or
// assignee, and the change each reports.
var statusChanges = map[string]string{
	tools.CloseConversation:  "closed",
	tools.Assign:             "assigned",
	tools.Unassign:           "unassigned",
	tools.ReopenConversation: "reopened",
}

// statusChange returns the change an action made to the conversation's
// status or assignee, if any.
func statusChange(a tools.ActionTaken) (string, bool) {
	change, ok := statusChanges[a.Name]
	if !ok || !a.Result.OK || a.Result.Replayed {
		return "", false
	}
	for k := range a.Result.Data {
		if strings.HasPrefix(k, "already_") {
			return "", false // nothing changed
		}
	}
	return change, true
}

// Action implements dsl.Observer: the action's stream events are stored
// after it, outside its transaction.
func (p *publisher) Action(a tools.ActionTaken) {
	p.stored(Event{Kind: EventAction, Action: &a}, p.store(StreamAction, PublicActionOf(a, p.actor)))
	if change, ok := statusChange(a); ok {
		if c, err := p.r.store.GetConversation(p.ctx, p.ws, p.conv); err == nil {
			p.status(change, c)
		}
	}
}

// storedAction is what StoreAction stored of an action: its stream event,
// and the status change's with the conversation as the action left it.
type storedAction struct {
	action, status *StreamItem
	change         string
	conv           *store.Conversation
}

// StoreAction implements agent.Observer: the action's stream events, in
// its transaction.
func (p *publisher) StoreAction(ctx context.Context, q store.Queries, a tools.ActionTaken) (any, error) {
	st := &storedAction{}
	var err error
	if st.action, err = appendStream(ctx, q, p.ws, p.conv, StreamAction, PublicActionOf(a, p.actor)); err != nil {
		return nil, err
	}
	if change, ok := statusChange(a); ok {
		if st.conv, err = q.GetConversation(ctx, p.ws, p.conv); err != nil {
			return nil, err
		}
		st.change = change
		if st.status, err = appendStream(ctx, q, p.ws, p.conv, StreamStatus, statusData(change, st.conv)); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// ActionStored implements agent.Observer.
func (p *publisher) ActionStored(a tools.ActionTaken, stored any) {
	st, _ := stored.(*storedAction)
	if st == nil {
		p.Action(a)
		return
	}
	p.stored(Event{Kind: EventAction, Action: &a}, st.action)
	if st.status != nil {
		c := st.conv
		p.stored(Event{Kind: EventStatus, Status: &StatusChange{Change: st.change, Status: c.Status, Assignee: c.Assignee}}, st.status)
	}
}

// StoreReply implements agent.Observer: the message's stream event, in
// the message's transaction.
func (p *publisher) StoreReply(ctx context.Context, q store.Queries, m *store.Message) (any, error) {
	return appendStream(ctx, q, p.ws, p.conv, StreamMessage, Public(m))
}

// ReplyStored implements agent.Observer.
func (p *publisher) ReplyStored(m *store.Message, stored any) {
	it, _ := stored.(*StreamItem)
	if it == nil {
		p.message(m)
		return
	}
	p.stored(Event{Kind: EventMessage, Message: m}, it)
}

// Delta implements agent.Observer.
func (p *publisher) Delta(text string) { p.publish(Event{Kind: EventDelta, Text: text}) }

// typing says the AI agent started or stopped writing.
func (p *publisher) typing(on bool) { p.publish(Event{Kind: EventTyping, Typing: on}) }

// Reply implements dsl.Observer.
func (p *publisher) Reply(m *store.Message) { p.message(m) }

// Dropped implements agent.Observer.
func (p *publisher) Dropped(text string) { p.publish(Event{Kind: EventDropped, Text: text}) }
