package agent

import (
	"sync"
	"time"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Options configure an Agent. Zero values take the defaults; Tools is
// required.
type Options struct {
	// Model answers. The conversation pipeline does not call the agent
	// without one.
	Model Model
	// Tools is the action catalogue the AI agent's tool calls run through.
	Tools *tools.Catalogue
	// Knowledge grounds replies in the AI agent's knowledge bases; nil
	// turns grounding off.
	Knowledge tools.Knowledge
	// MaxToolRounds bounds the model calls that return tool calls in one
	// turn (default 6).
	MaxToolRounds int
	// HistoryTokens is the token budget of the conversation history sent
	// to the model (default 4000).
	HistoryTokens int
	// Now tells the time (tests fix it).
	Now func() time.Time
}

// Agent runs the model turns of a store's AI agents.
type Agent struct {
	store store.Store
	opts  Options
	tools *tools.Catalogue
	// static holds each AI agent's rendered static prompt and the
	// workspace version it was rendered at.
	mu     sync.Mutex
	static map[string]staticPrompt
}

// staticPrompt is an AI agent's static system prompt, as rendered at a
// workspace version.
type staticPrompt struct {
	version int64
	text    string
}

// New returns an Agent on s.
func New(s store.Store, opts Options) *Agent {
	if opts.MaxToolRounds == 0 {
		opts.MaxToolRounds = 6
	}
	if opts.HistoryTokens == 0 {
		opts.HistoryTokens = 4000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Agent{store: s, opts: opts, tools: opts.Tools, static: map[string]staticPrompt{}}
}

// now formats the current time for the prompt.
func (a *Agent) now(loc *time.Location) string {
	return a.opts.Now().In(loc).Format("Monday 2 January 2006, 15:04 MST")
}
