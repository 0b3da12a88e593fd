package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Options configure an Agent. Zero values take the defaults.
type Options struct {
	// Model answers; nil means no endpoint is configured: messages that
	// need the AI agent get NoModelNotice instead of a reply.
	Model Model
	// Transcriber transcribes audio messages; nil when Model does not.
	Transcriber Transcriber
	// Router, when set, sees each visitor message before the AI agent
	// (flows, response rules).
	Router Router
	// Tools options (mailer, production mode); the Summarizer is the
	// agent's own, backed by Model.
	Tools tools.Options
	// MaxToolRounds bounds the model calls that return tool calls in one
	// turn (default 6).
	MaxToolRounds int
	// HistoryTokens is the token budget of the conversation history sent
	// to the model (default 4000).
	HistoryTokens int
	// Fallback is sent when the model fails; default by language.
	Fallback map[string]string
	// LockTTL is the turn lease (default 2 min), renewed while the turn
	// runs; LockWait bounds the wait for another turn (default 2 min).
	LockTTL, LockWait time.Duration
	// Now tells the time (tests fix it).
	Now func() time.Time
}

// DefaultFallback is the message sent when the model fails, by language.
var DefaultFallback = map[string]string{
	"fr": "Désolé, je rencontre un problème technique. Un membre de l'équipe va reprendre votre demande.",
	"en": "Sorry, I am having a technical problem. A member of the team will follow up on your request.",
}

// Agent runs conversation turns for the AI agents of a store.
type Agent struct {
	store  store.Store
	opts   Options
	tools  *tools.Catalogue
	holder string
}

// New returns an Agent on s.
func New(s store.Store, opts Options) *Agent {
	if opts.MaxToolRounds == 0 {
		opts.MaxToolRounds = 6
	}
	if opts.HistoryTokens == 0 {
		opts.HistoryTokens = 4000
	}
	if opts.Fallback == nil {
		opts.Fallback = DefaultFallback
	}
	if opts.LockTTL == 0 {
		opts.LockTTL = 2 * time.Minute
	}
	if opts.LockWait == 0 {
		opts.LockWait = 2 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Transcriber == nil {
		opts.Transcriber, _ = opts.Model.(Transcriber)
	}
	topts := opts.Tools
	if opts.Model != nil {
		topts.Summarizer = &Summarizer{Model: opts.Model}
	}
	return &Agent{store: s, opts: opts, tools: tools.New(s, topts), holder: newHolder()}
}

// Tools returns the action catalogue the agent executes through.
func (a *Agent) Tools() *tools.Catalogue { return a.tools }

// newHolder names this process for turn leases.
func newHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// lockTurn waits for the conversation's turn lease (unless holder already
// has it) and returns a function that releases it; the lease is renewed
// while the turn runs.
func (a *Agent) lockTurn(ctx context.Context, ws, conv, holder string, held bool) (func(), error) {
	deadline := time.Now().Add(a.opts.LockWait)
	wait := 5 * time.Millisecond
	for !held {
		ok, err := a.store.AcquireTurnLock(ctx, ws, conv, holder, time.Now().Add(a.opts.LockTTL))
		if err != nil {
			return nil, fmt.Errorf("take the turn of conversation %s: %w", conv, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("conversation %s: another turn held it for more than %s", conv, a.opts.LockWait)
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
		t := time.NewTicker(a.opts.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_, _ = a.store.AcquireTurnLock(context.WithoutCancel(ctx), ws, conv, holder, time.Now().Add(a.opts.LockTTL))
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		_ = a.store.ReleaseTurnLock(context.WithoutCancel(ctx), ws, conv, holder)
	}, nil
}
