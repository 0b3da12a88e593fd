package conversation

import (
	"context"
	"sync"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	// EventMessage: a message was stored (Message) — the visitor's, a
	// reply of the AI agent, a flow or a rule.
	EventMessage EventKind = "message"
	// EventAction: an action ran (Action).
	EventAction EventKind = "action"
	// EventDelta: reply text arrived as the model streams it (Text).
	EventDelta EventKind = "delta"
	// EventDropped: reply text was not sent (Text): the AI agent no longer
	// handles the conversation.
	EventDropped EventKind = "dropped"
	// EventStatus: the conversation's status or assignee changed (Status).
	EventStatus EventKind = "status"
	// EventTurnEnded: a visitor message was handled (Outcome).
	EventTurnEnded EventKind = "turn_ended"
	// EventTyping: the AI agent started (Typing) or stopped writing.
	EventTyping EventKind = "typing"
	// EventNotice: another process stored stream event Seq of the
	// conversation (or, with no conversation, maybe several: a lost
	// connection to the store was restored). Streams read it from the
	// store.
	EventNotice EventKind = "notice"
)

// Event is something that happened in a conversation, as channels stream
// it.
type Event struct {
	Kind           EventKind
	WorkspaceID    string
	ConversationID string

	Message *store.Message
	Action  *tools.ActionTaken
	Text    string
	Status  *StatusChange
	Outcome *Outcome
	Typing  bool

	// Seq is the number of the stream event stored for it (see Stream),
	// 0 when none was.
	Seq    int64
	stream *StreamItem
}

// StatusChange is a conversation's new status and assignee.
type StatusChange struct {
	// Change names it: "reopened", "closed", "assigned", "unassigned", or
	// "unanswered" (no model is configured: the AI agent cannot answer).
	Change   string
	Status   store.ConversationStatus
	Assignee store.Assignee
}

// maxQueued bounds the events waiting for one slow subscriber; past it the
// subscription ends (its channel closes), rather than the process's
// memory growing without bound.
const maxQueued = 10_000

// Subscribe returns the events of a conversation from now on, in order,
// until ctx is done (then the channel closes). A subscriber that falls
// more than maxQueued events behind is dropped: its channel closes early.
func (r *Runtime) Subscribe(ctx context.Context, workspaceID, conversationID string) <-chan Event {
	return r.hub.subscribe(ctx, workspaceID+"/"+conversationID)
}

// hub delivers published events to the subscribers of their conversation.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{}
}

func newHub() *hub { return &hub{subs: map[string]map[*subscriber]struct{}{}} }

// subscriber queues events without blocking the publisher; its pump
// hands them to the subscriber's channel.
type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	closed bool
	wake   chan struct{}
	out    chan Event
}

func (h *hub) subscribe(ctx context.Context, key string) <-chan Event {
	s := &subscriber{wake: make(chan struct{}, 1), out: make(chan Event)}
	h.mu.Lock()
	if h.subs[key] == nil {
		h.subs[key] = map[*subscriber]struct{}{}
	}
	h.subs[key][s] = struct{}{}
	h.mu.Unlock()
	go func() {
		defer func() {
			h.mu.Lock()
			delete(h.subs[key], s)
			if len(h.subs[key]) == 0 {
				delete(h.subs, key)
			}
			h.mu.Unlock()
			close(s.out)
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			}
			for {
				s.mu.Lock()
				if len(s.queue) == 0 {
					closed := s.closed
					s.mu.Unlock()
					if closed {
						return
					}
					break
				}
				e := s.queue[0]
				s.queue[0] = Event{}
				s.queue = s.queue[1:]
				s.mu.Unlock()
				select {
				case s.out <- e:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return s.out
}

// publish queues e for every subscriber of its conversation; it never
// blocks on them.
func (h *hub) publish(e Event) {
	key := e.WorkspaceID + "/" + e.ConversationID
	h.mu.Lock()
	subs := make([]*subscriber, 0, len(h.subs[key]))
	for s := range h.subs[key] {
		subs = append(subs, s)
	}
	for s := range h.subs[e.WorkspaceID+"/*"] {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	h.deliver(subs, e)
}

// broadcast queues e for every subscriber of every conversation, each
// getting it with its own conversation.
func (h *hub) broadcast(e Event) {
	h.mu.Lock()
	var subs []*subscriber
	for _, m := range h.subs {
		for s := range m {
			subs = append(subs, s)
		}
	}
	h.mu.Unlock()
	h.deliver(subs, e)
}

func (h *hub) deliver(subs []*subscriber, e Event) {
	for _, s := range subs {
		s.mu.Lock()
		switch {
		case s.closed:
		case len(s.queue) >= maxQueued:
			s.closed, s.queue = true, nil // too far behind: end it
		default:
			s.queue = append(s.queue, e)
		}
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}
