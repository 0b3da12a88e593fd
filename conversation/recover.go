package conversation

import (
	"context"
	"fmt"
	"time"

	"github.com/causerie/causerie/store"
)

// Recover handles again the visitor messages that were stored but whose
// turn never ended — their process died mid-turn (kill -9, a crash, a
// lost machine) — once the dead turn's lease has expired, so that
// nothing acknowledged is lost. A message is considered once it is older
// than LockWait + LockTTL: a live Handle still waiting for the turn gives
// up by then, and a dead turn's lease has expired. One whose turn did store a reply is only marked handled (a turn that
// died after its reply must not answer twice); the others go through the
// handlers again, where actions already done replay from their
// idempotency keys. It returns how many messages it handled. Run it when
// a process starts and then from time to time; any number of processes
// may run it at once.
func (r *Runtime) Recover(ctx context.Context) (int, error) {
	msgs, err := r.store.ListUnhandledMessages(ctx, time.Now().Add(-(r.opts.LockWait + r.opts.LockTTL)), 100)
	if err != nil {
		return 0, fmt.Errorf("list unhandled messages: %w", err)
	}
	n := 0
	for _, v := range msgs {
		done, err := r.recover(ctx, v)
		if err != nil {
			return n, fmt.Errorf("recover message %s of conversation %s: %w", v.ID, v.ConversationID, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

func (r *Runtime) recover(ctx context.Context, v *store.Message) (bool, error) {
	holder := r.holder + "/" + store.NewID("turn")
	ok, err := r.store.AcquireTurnLock(ctx, v.WorkspaceID, v.ConversationID, holder, time.Now().Add(r.opts.LockTTL))
	if err != nil || !ok {
		return false, err // a live turn holds it: it, or a later Recover, will see to the message
	}
	turn, err := r.lockTurn(ctx, v.WorkspaceID, v.ConversationID, holder, true)
	if err != nil {
		return false, err
	}
	defer turn.release()
	answered, err := r.answered(ctx, v)
	if err != nil {
		return false, err
	}
	if answered {
		return true, turn.finish(v.ID)
	}
	obs := r.publisher(ctx, v.WorkspaceID, v.ConversationID)
	out := &Outcome{Visitor: v}
	defer func() {
		r.hub.publish(Event{Kind: EventTurnEnded, WorkspaceID: v.WorkspaceID, ConversationID: v.ConversationID, Outcome: out})
	}()
	return true, r.handleStored(ctx, &message{visitor: v, out: out, obs: obs, lease: turn})
}

// answered reports whether a message was stored in reply to v.
func (r *Runtime) answered(ctx context.Context, v *store.Message) (bool, error) {
	later, err := r.store.ListMessages(ctx, v.WorkspaceID, v.ConversationID, store.MessageFilter{})
	if err != nil {
		return false, err
	}
	for _, m := range later {
		if to, ok := m.Metadata["in_reply_to"].(float64); ok && int64(to) == v.Seq {
			return true, nil
		}
	}
	return false, nil
}
