package conversation

import (
	"context"
	"testing"
)

func TestHubDeliversInOrderToItsConversationOnly(t *testing.T) {
	t.Parallel()
	h := newHub()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a1, a2 := h.subscribe(ctx, "w/a"), h.subscribe(ctx, "w/a")
	b := h.subscribe(ctx, "w/b")
	for i := range 100 {
		h.publish(Event{WorkspaceID: "w", ConversationID: "a", Kind: EventDelta, Text: string(rune('a' + i%26))})
	}
	h.publish(Event{WorkspaceID: "w", ConversationID: "b", Kind: EventTurnEnded})
	for _, ch := range []<-chan Event{a1, a2} {
		for i := range 100 {
			e := <-ch
			if want := string(rune('a' + i%26)); e.Text != want {
				t.Fatalf("event %d = %q, want %q", i, e.Text, want)
			}
		}
	}
	if e := <-b; e.Kind != EventTurnEnded || e.ConversationID != "b" {
		t.Errorf("b got %+v", e)
	}
	select {
	case e := <-a1:
		t.Errorf("a got b's event %+v", e)
	default:
	}
}

func TestHubEndsSubscriptions(t *testing.T) {
	t.Parallel()
	h := newHub()
	ctx, cancel := context.WithCancel(context.Background())
	ch := h.subscribe(ctx, "w/a")
	cancel()
	for range ch { // drains, then closes
	}
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	if n != 0 {
		t.Errorf("%d conversations still subscribed after cancel", n)
	}

	// A subscriber that reads nothing never blocks the publisher; past
	// maxQueued events it is dropped and its channel closes.
	slow := h.subscribe(context.Background(), "w/a")
	for range maxQueued + 10 {
		h.publish(Event{WorkspaceID: "w", ConversationID: "a", Kind: EventDelta})
	}
	got := 0
	for range slow {
		got++
	}
	if got > maxQueued+1 {
		t.Errorf("slow subscriber received %d events, want at most %d before it was dropped", got, maxQueued+1)
	}
}
