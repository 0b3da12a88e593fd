package conversation

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/causerie/causerie/store"
)

// lockTurn waits for the conversation's turn lease (unless holder already
// has it) and returns it; the lease is renewed while the turn runs. The
// lease, in the store, makes turns one at a time per conversation across
// processes and replicas; this is its only user.
func (r *Runtime) lockTurn(ctx context.Context, ws, conv, holder string, held bool) (*lease, error) {
	deadline := time.Now().Add(r.opts.LockWait)
	wait := 5 * time.Millisecond
	for !held {
		ok, err := r.store.AcquireTurnLock(ctx, ws, conv, holder, time.Now().Add(r.opts.LockTTL))
		if err != nil {
			return nil, fmt.Errorf("take the turn of conversation %s: %w", conv, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("conversation %s: another turn held it for more than %s", conv, r.opts.LockWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // renew the lease while the turn runs
		defer close(done)
		t := time.NewTicker(r.opts.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_, _ = r.store.AcquireTurnLock(context.WithoutCancel(ctx), ws, conv, holder, time.Now().Add(r.opts.LockTTL))
			}
		}
	}()
	return &lease{r: r, ctx: context.WithoutCancel(ctx), ws: ws, conv: conv, holder: holder, stop: stop, done: done}, nil
}

// lease is a turn lease being held.
type lease struct {
	r                *Runtime
	ctx              context.Context
	ws, conv, holder string
	stop, done       chan struct{}
	once             sync.Once
	released         bool
}

func (l *lease) stopRenewing() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
	})
}

// release gives the lease up, unless finish already did.
func (l *lease) release() {
	l.stopRenewing()
	if !l.released {
		_ = l.r.store.ReleaseTurnLock(l.ctx, l.ws, l.conv, l.holder)
		l.released = true
	}
}

// finish records that the visitor message's turn ran to the end and gives
// the lease up, in one transaction (one commit fewer per turn).
func (l *lease) finish(messageID string) error {
	l.stopRenewing()
	err := l.r.store.InTx(l.ctx, func(q store.Queries) error {
		if err := q.MarkMessageHandled(l.ctx, l.ws, messageID); err != nil {
			return err
		}
		return q.ReleaseTurnLock(l.ctx, l.ws, l.conv, l.holder)
	})
	if err == nil {
		l.released = true
	}
	return err
}
