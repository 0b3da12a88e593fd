package conversation

import (
	"context"
	"fmt"
	"time"
)

// lockTurn waits for the conversation's turn lease (unless holder already
// has it) and returns a function that releases it; the lease is renewed
// while the turn runs. The lease, in the store, makes turns one at a time
// per conversation across processes and replicas; this is its only user.
func (r *Runtime) lockTurn(ctx context.Context, ws, conv, holder string, held bool) (func(), error) {
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
	return func() {
		close(stop)
		<-done
		_ = r.store.ReleaseTurnLock(context.WithoutCancel(ctx), ws, conv, holder)
	}, nil
}
