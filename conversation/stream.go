package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// A conversation's stream is what channels show the visitor and human
// agents: every message stored, every action taken (its name and a public
// summary) and every status change, each stored with a sequence number of
// its conversation (store.StreamEvent), so that a client that reconnects
// says the last number it saw and gets exactly what it missed. Reply text
// as the model streams it (delta) and typing are live only: they are not
// stored, carry no number and are not replayed — the stored message that
// follows carries the whole text.

// Stream item kinds.
const (
	StreamMessage = "message"
	StreamAction  = "action"
	StreamStatus  = "status"
	StreamDelta   = "delta"
	StreamTyping  = "typing"
)

// StreamItem is one event of a conversation's stream.
type StreamItem struct {
	// Seq is the stored event's number in its conversation; 0 for live-only
	// items (delta, typing).
	Seq  int64
	Kind string
	// Data is the item's public JSON.
	Data json.RawMessage
}

// PublicMessage is a message as clients see it: no internal metadata
// (model call ids, usage, fallback causes).
type PublicMessage struct {
	ID          string             `json:"id"`
	Seq         int64              `json:"seq"`
	Role        store.Role         `json:"role"`
	AuthorID    string             `json:"author_id,omitempty"`
	Text        string             `json:"text"`
	Attachments []store.Attachment `json:"attachments,omitempty"`
	// Citations are the knowledge passages the reply cites.
	Citations any `json:"citations,omitempty"`
	// Options are a flow question's choices; Redirect a flow's link.
	Options   any       `json:"options,omitempty"`
	Redirect  string    `json:"redirect,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Public returns m as clients see it.
func Public(m *store.Message) PublicMessage {
	p := PublicMessage{ID: m.ID, Seq: m.Seq, Role: m.Role, AuthorID: m.AuthorID, Text: m.Text,
		Attachments: m.Attachments, CreatedAt: m.CreatedAt}
	p.Citations, p.Options = m.Metadata["citations"], m.Metadata["options"]
	p.Redirect, _ = m.Metadata["redirect"].(string)
	return p
}

// PublicAction is an action as the stream shows it: its name, whether it
// worked and a summary — never its arguments (they may hold secrets) nor
// the message written for the model.
type PublicAction struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Summary string `json:"summary"`
	// Actor is who took it: "ai_agent:<id>", "user:<id>", "flow:<key>"…
	Actor string `json:"actor,omitempty"`
}

// publicSummaries say what an action did, in words a visitor may read.
var publicSummaries = map[string]string{
	tools.CloseConversation:    "The conversation was closed.",
	tools.Assign:               "The conversation was assigned.",
	tools.Unassign:             "The conversation was unassigned.",
	tools.ReopenConversation:   "The conversation was reopened.",
	tools.UpdateContactFields:  "Contact details were updated.",
	tools.UpdateLifecycleStage: "The contact's stage was updated.",
	tools.TagContact:           "The contact was tagged.",
	tools.HTTPRequest:          "An external service was called.",
	tools.CRMUpsert:            "The CRM was updated.",
	tools.CreateTask:           "A task was created.",
	tools.SendEmail:            "An e-mail was sent.",
	tools.SearchKnowledge:      "The knowledge base was searched.",
}

// PublicActionOf summarises an action taken.
func PublicActionOf(a tools.ActionTaken, actor string) PublicAction {
	s, ok := publicSummaries[a.Name]
	if !ok {
		s = "An external service was called." // a workspace's named HTTP action
	}
	if !a.Result.OK {
		s = "An action could not be completed."
	}
	return PublicAction{Name: a.Name, OK: a.Result.OK, Summary: s, Actor: actor}
}

// PublicStatus is a status change as the stream shows it.
type PublicStatus struct {
	Change   string                   `json:"change"`
	Status   store.ConversationStatus `json:"status"`
	Assignee *PublicAssignee          `json:"assignee,omitempty"`
}

// PublicAssignee is who handles a conversation.
type PublicAssignee struct {
	Type store.AssigneeType `json:"type"`
	ID   string             `json:"id"`
}

// AssigneeOf returns a's public form, nil for nobody.
func AssigneeOf(a store.Assignee) *PublicAssignee {
	if a.IsZero() {
		return nil
	}
	return &PublicAssignee{Type: a.Type, ID: a.ID}
}

// Stream returns the conversation's stream after the stored event
// afterSeq (0: from the start): first the stored events it missed, then
// live ones as they happen — stored by this process or, on PostgreSQL
// with Listen running, by any other — until ctx is done. The channel
// closes then, or early when the reader falls too far behind (it
// reconnects with the last Seq it saw).
func (r *Runtime) Stream(ctx context.Context, workspaceID, conversationID string, afterSeq int64) (<-chan StreamItem, error) {
	if _, err := r.store.GetConversation(ctx, workspaceID, conversationID); err != nil {
		return nil, err
	}
	// Subscribe before reading what was stored, so that nothing stored in
	// between is missed (it may come twice: Seq tells).
	events := r.hub.subscribe(ctx, workspaceID+"/"+conversationID)
	out := make(chan StreamItem)
	go func() {
		defer close(out)
		last := afterSeq
		send := func(it StreamItem) bool {
			select {
			case out <- it:
				return true
			case <-ctx.Done():
				return false
			}
		}
		catchUp := func() bool {
			for {
				evs, err := r.store.ListStreamEvents(ctx, workspaceID, conversationID, last, 500)
				if err != nil {
					return false // the reader reconnects and reads again
				}
				for _, e := range evs {
					if !send(StreamItem{Seq: e.Seq, Kind: e.Kind, Data: e.Data}) {
						return false
					}
					last = e.Seq
				}
				if len(evs) < 500 {
					return true
				}
			}
		}
		if !catchUp() {
			return
		}
		for ev := range events {
			switch {
			case ev.Seq > 0 && ev.Seq <= last:
				// Sent already.
			case ev.Seq == last+1 && ev.stream != nil:
				if !send(*ev.stream) {
					return
				}
				last = ev.Seq
			case ev.Seq > 0 || ev.Kind == EventNotice:
				if !catchUp() {
					return
				}
			case ev.Kind == EventDelta:
				data, _ := json.Marshal(map[string]string{"text": ev.Text})
				if !send(StreamItem{Kind: StreamDelta, Data: data}) {
					return
				}
			case ev.Kind == EventTyping:
				data, _ := json.Marshal(map[string]bool{"typing": ev.Typing})
				if !send(StreamItem{Kind: StreamTyping, Data: data}) {
					return
				}
			}
		}
	}()
	return out, nil
}

// appendStream stores one stream event of the publisher's conversation
// (in q, when the caller has a transaction) and returns it as an item.
func appendStream(ctx context.Context, q store.Queries, ws, conv, kind string, v any) (*StreamItem, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	e := &store.StreamEvent{WorkspaceID: ws, ConversationID: conv, Kind: kind, Data: data}
	if err := q.AppendStreamEvent(ctx, e); err != nil {
		return nil, fmt.Errorf("store the %s event: %w", kind, err)
	}
	return &StreamItem{Seq: e.Seq, Kind: kind, Data: data}, nil
}

// Listen makes this process's streams see what other processes store:
// on a store that can notify (PostgreSQL), it listens for their events
// and live text, until ctx is done. ready is called once listening has
// begun (at once on a store that cannot notify: one process serves it).
// Run it once per process that streams (serve).
func (r *Runtime) Listen(ctx context.Context, ready func()) error {
	n, ok := r.store.(store.Notifier)
	if !ok {
		if ready != nil {
			ready()
		}
		<-ctx.Done()
		return nil
	}
	r.remote.Store(true)
	defer r.remote.Store(false)
	go r.sendLive(ctx, n)
	return n.Listen(ctx, store.StreamChannel, ready, func(payload string) {
		if payload == "" { // reconnected: notices may have been missed
			r.hub.broadcast(Event{Kind: EventNotice})
			return
		}
		if strings.HasPrefix(payload, "{") {
			var l liveNotice
			if json.Unmarshal([]byte(payload), &l) != nil || l.Origin == r.holder {
				return
			}
			e := Event{WorkspaceID: l.Workspace, ConversationID: l.Conversation, Text: l.Text, Typing: l.Typing}
			switch l.Kind {
			case StreamDelta:
				e.Kind = EventDelta
			case StreamTyping:
				e.Kind = EventTyping
			default:
				return
			}
			r.hub.publish(e)
			return
		}
		ws, rest, _ := strings.Cut(payload, "/")
		conv, seq, _ := strings.Cut(rest, "/")
		n, err := strconv.ParseInt(seq, 10, 64)
		if err != nil || n <= 0 {
			return
		}
		r.hub.publish(Event{Kind: EventNotice, WorkspaceID: ws, ConversationID: conv, Seq: n})
	})
}

// liveNotice is the notification of a live-only item to other
// processes.
type liveNotice struct {
	Origin       string `json:"o"`
	Workspace    string `json:"w"`
	Conversation string `json:"c"`
	Kind         string `json:"k"`
	Text         string `json:"t,omitempty"`
	Typing       bool   `json:"y,omitempty"`
}

// maxLiveText bounds the reply text of one live notice (PostgreSQL
// refuses payloads of 8,000 bytes or more); longer deltas are split.
const maxLiveText = 6000

// notifyLive sends a live-only item to the other processes, without
// blocking the turn: notices queue for one sender goroutine, and are
// dropped when it falls behind (the stored message carries the text).
func (r *Runtime) notifyLive(e Event) {
	if !r.remote.Load() {
		return
	}
	l := liveNotice{Origin: r.holder, Workspace: e.WorkspaceID, Conversation: e.ConversationID, Text: e.Text, Typing: e.Typing}
	l.Kind = StreamTyping
	if e.Kind == EventDelta {
		l.Kind = StreamDelta
	}
	for {
		part := l
		if len(part.Text) > maxLiveText {
			cut := maxLiveText
			for cut > 0 && !utf8Start(part.Text[cut]) {
				cut--
			}
			part.Text, l.Text = l.Text[:cut], l.Text[cut:]
		} else {
			l.Text = ""
		}
		raw, _ := json.Marshal(part)
		select {
		case r.live <- string(raw):
		default:
		}
		if l.Text == "" {
			return
		}
	}
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// sendLive delivers queued live notices until ctx is done.
func (r *Runtime) sendLive(ctx context.Context, n store.Notifier) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-r.live:
			if err := n.Notify(ctx, store.StreamChannel, p); err != nil && !errors.Is(err, context.Canceled) {
				continue // live text is best effort
			}
		}
	}
}

// WorkspaceItem is a stored stream event of one of a workspace's
// conversations.
type WorkspaceItem struct {
	ConversationID string
	StreamItem
}

// StreamWorkspace returns the stored stream events of every conversation
// of the workspace from now on (no replay), with their conversation —
// the inbox's feed — until ctx is done, or early when the reader falls
// behind.
func (r *Runtime) StreamWorkspace(ctx context.Context, workspaceID string) <-chan WorkspaceItem {
	events := r.hub.subscribe(ctx, workspaceID+"/*")
	out := make(chan WorkspaceItem)
	go func() {
		defer close(out)
		for ev := range events {
			var it *StreamItem
			switch {
			case ev.stream != nil:
				it = ev.stream
			case ev.Kind == EventNotice && ev.Seq > 0 && ev.WorkspaceID == workspaceID:
				evs, err := r.store.ListStreamEvents(ctx, workspaceID, ev.ConversationID, ev.Seq-1, 1)
				if err != nil || len(evs) == 0 {
					continue
				}
				it = &StreamItem{Seq: evs[0].Seq, Kind: evs[0].Kind, Data: evs[0].Data}
			default:
				continue
			}
			select {
			case out <- WorkspaceItem{ConversationID: ev.ConversationID, StreamItem: *it}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
