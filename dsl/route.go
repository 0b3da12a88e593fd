package dsl

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// RouterOptions configure a Router. The zero value works: no model (an
// ai_reply step with body_source ai fails to its error edge), the default
// exit words, development mode.
type RouterOptions struct {
	// Model writes ai_reply steps.
	Model Model
	// ExitWords leave a flow in progress (a flow's own exit_words replace
	// them); nil means DefaultExitWords.
	ExitWords []string
	// Production requires https URLs in flows (CAUSERIE_ENV=production).
	Production bool
	// RunIdle is how long a run may wait for the visitor: a message after
	// that finds it expired and goes to triggers, rules and the assignee
	// as if no run were active. 0 is DefaultRunIdle; negative, never.
	RunIdle time.Duration
}

// DefaultRunIdle is how long a flow run waits for the visitor by default.
const DefaultRunIdle = 24 * time.Hour

// Router puts flows and response rules in front of the AI agent. Package
// conversation offers each visitor message to its handlers in order: an
// active flow run continues (Continue); else the first enabled flow (by
// priority) whose trigger matches starts (Trigger); else the first
// response rule that matches answers (Rule); else the message is left to
// the conversation's assignee. Triggers and rules are not applied while a
// human or a team handles the conversation. Everything it does is in the
// store, so any process can route the next message of a conversation.
type Router struct {
	store store.Store
	tools *tools.Catalogue
	opts  RouterOptions
	exit  *Matcher

	mu       sync.Mutex
	programs map[string]cachedProgram // by flow ID
	rules    map[string]cachedRule    // by rule ID
}

type cachedProgram struct {
	version int64
	prog    *Program
	err     error
}

type cachedRule struct {
	updated int64
	m       *Matcher
}

// Inbound is a stored visitor message offered to flows and rules, inside
// the conversation's turn.
type Inbound struct {
	Workspace    *store.Workspace
	Conversation *store.Conversation
	Message      *store.Message
	// Observer follows what the flow or rule does; nil ignores it.
	Observer Observer
}

// Observer follows a flow or a rule as it runs.
type Observer interface {
	// Action reports an action that ran.
	Action(a tools.ActionTaken)
	// Reply reports a message stored and sent to the visitor.
	Reply(m *store.Message)
}

// Routing is what a flow or a rule did with a message it handled.
type Routing struct {
	// Replies are the messages sent, already stored, in order.
	Replies []*store.Message
	Actions []tools.ActionTaken
	// Via names what handled it: "flow:<key>", "rule:<name>".
	Via string
	// Fallback is set when the flow or the rule failed and the fallback
	// message was sent; Cause says why.
	Fallback bool
	Cause    string
}

// NewRouter returns a Router on s that runs actions through cat.
func NewRouter(s store.Store, cat *tools.Catalogue, opts RouterOptions) *Router {
	words := opts.ExitWords
	if words == nil {
		words = DefaultExitWords
	}
	exit, _ := NewMatcher(words, MatchExact)
	return &Router{store: s, tools: cat, opts: opts, exit: exit, programs: map[string]cachedProgram{}, rules: map[string]cachedRule{}}
}

// Continue hands the message to the conversation's active flow run; nil
// when there is none, or when it ended because its flow no longer runs.
func (r *Router) Continue(ctx context.Context, m Inbound) (*Routing, error) {
	run, err := r.store.GetActiveFlowRun(ctx, m.Workspace.ID, m.Conversation.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	idle := r.opts.RunIdle
	if idle == 0 {
		idle = DefaultRunIdle
	}
	if waited := time.Since(run.UpdatedAt); idle > 0 && waited > idle {
		return nil, r.expire(ctx, m, run, waited)
	}
	return r.continueRun(ctx, m, run)
}

// expire ends a run the visitor abandoned; the message that found it is
// handled as if no run were active.
func (r *Router) expire(ctx context.Context, m Inbound, run *store.FlowRun, waited time.Duration) error {
	run.Status = store.FlowRunExpired
	if err := r.store.UpdateFlowRun(ctx, run); err != nil {
		return err
	}
	key := run.FlowID
	if f, err := r.store.GetFlow(ctx, m.Workspace.ID, run.FlowID); err == nil {
		key = f.Key
	}
	s := r.session(m, "flow:"+run.FlowID, "flow:"+key)
	return s.event(ctx, "flow.expired", map[string]any{"flow": key, "run": run.ID, "node": run.NodeID,
		"idle_seconds": int(waited.Seconds())})
}

// Trigger starts the first enabled flow (by priority) whose trigger
// matches the message; nil when none does, or when a human or a team
// handles the conversation.
func (r *Router) Trigger(ctx context.Context, m Inbound) (*Routing, error) {
	if humanHandled(m.Conversation) {
		return nil, nil
	}
	flows, err := r.store.ListFlows(ctx, m.Workspace.ID, store.FlowFilter{EnabledOnly: true})
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		prog, err := r.Program(f)
		if err != nil {
			continue // a stored flow that no longer validates starts no run
		}
		if prog.Triggered(m.Message.Text) {
			return r.startRun(ctx, m, f, prog)
		}
	}
	return nil, nil
}

// humanHandled reports whether a human or a team handles conv: triggers
// and rules then leave the messages to them.
func humanHandled(conv *store.Conversation) bool {
	a := conv.Assignee.Type
	return a == store.AssigneeUser || a == store.AssigneeTeam
}

// Program returns the compiled flow f, cached by version.
func (r *Router) Program(f *store.Flow) (*Program, error) {
	r.mu.Lock()
	c, ok := r.programs[f.ID]
	r.mu.Unlock()
	if ok && c.version == f.Version {
		return c.prog, c.err
	}
	prog, err := compileStored(f, r.opts.Production)
	r.mu.Lock()
	r.programs[f.ID] = cachedProgram{version: f.Version, prog: prog, err: err}
	r.mu.Unlock()
	return prog, err
}

// compileStored parses and compiles a stored flow document.
func compileStored(f *store.Flow, production bool) (*Program, error) {
	flow, err := Parse(f.Key+".json", f.Document)
	if err != nil {
		return nil, fmt.Errorf("flow %s: %w", f.Key, err)
	}
	flow.Enabled = &f.Enabled
	return Compile(flow, Options{Production: production})
}

func (r *Router) startRun(ctx context.Context, m Inbound, f *store.Flow, prog *Program) (*Routing, error) {
	st := prog.NewState("")
	run := &store.FlowRun{WorkspaceID: m.Workspace.ID, ConversationID: m.Conversation.ID, FlowID: f.ID,
		NodeID: st.Node, Vars: st.Vars}
	if err := r.store.CreateFlowRun(ctx, run); err != nil {
		return nil, fmt.Errorf("start flow %s: %w", f.Key, err)
	}
	st.RunID = run.ID
	s := r.session(m, "flow:"+f.ID, "flow:"+f.Key)
	if err := s.event(ctx, "flow.started", map[string]any{"flow": f.Key, "run": run.ID, "message": m.Message.Text}); err != nil {
		return nil, err
	}
	s.trailFrom = len(st.Trail)
	if err := prog.Start(ctx, s, st); err != nil {
		return nil, err
	}
	return &s.out, r.save(ctx, s, f, run, st)
}

func (r *Router) continueRun(ctx context.Context, m Inbound, run *store.FlowRun) (*Routing, error) {
	f, err := r.store.GetFlow(ctx, m.Workspace.ID, run.FlowID)
	if err != nil {
		return nil, err
	}
	s := r.session(m, "flow:"+f.ID, "flow:"+f.Key)
	prog, perr := r.Program(f)
	if perr != nil {
		// The flow was changed into something that does not run: end the
		// run and let the message be routed as if there were none.
		run.Status = store.FlowRunFailed
		if err := r.store.UpdateFlowRun(ctx, run); err != nil {
			return nil, err
		}
		return nil, s.event(ctx, "flow.failed", map[string]any{"flow": f.Key, "run": run.ID, "reason": perr.Error()})
	}
	st := &State{RunID: run.ID, Status: run.Status, Node: run.NodeID, Vars: run.Vars, Retries: run.Retries,
		Steps: run.Steps, Trail: run.Trail}
	if st.Vars == nil {
		st.Vars = map[string]any{}
	}
	text := m.Message.Text
	exit, own := prog.Exits(text)
	if !own {
		exit = r.exit.Match(text)
	}
	if exit {
		msg := prog.Flow.ExitMessage
		if msg == "" {
			msg = prompts.Message(m.Workspace.Language, prompts.FlowExit)
		}
		if err := s.Say(ctx, nil, msg, map[string]any{"exit": true}); err != nil {
			return nil, err
		}
		st.Status = store.FlowRunExited
		return &s.out, r.save(ctx, s, f, run, st)
	}
	s.trailFrom = len(st.Trail)
	if err := prog.Resume(ctx, s, st, text); err != nil {
		return nil, err
	}
	return &s.out, r.save(ctx, s, f, run, st)
}

// save writes the state back to the run and records how it ended.
func (r *Router) save(ctx context.Context, s *session, f *store.Flow, run *store.FlowRun, st *State) error {
	run.Status, run.NodeID, run.Vars, run.Retries, run.Steps, run.Trail = st.Status, st.Node, st.Vars, st.Retries, st.Steps, st.Trail
	if err := r.store.UpdateFlowRun(ctx, run); err != nil {
		return fmt.Errorf("save the run of flow %s: %w", f.Key, err)
	}
	// Each node this turn went through, and the edge it came by: what
	// evaluation suites measure their flow coverage with.
	for i := min(s.trailFrom, len(st.Trail)); i < len(st.Trail); i++ {
		node, way, _ := strings.Cut(st.Trail[i], "[")
		visit := map[string]any{"flow": f.Key, "run": run.ID, "node": node, "way": strings.TrimSuffix(way, "]")}
		if i > 0 {
			visit["from"], _, _ = strings.Cut(st.Trail[i-1], "[")
		}
		if err := s.event(ctx, "flow.node_visited", visit); err != nil {
			return err
		}
	}
	payload := map[string]any{"flow": f.Key, "run": run.ID, "node": st.Node}
	switch st.Status {
	case store.FlowRunCompleted:
		return s.event(ctx, "flow.completed", payload)
	case store.FlowRunExited:
		return s.event(ctx, "flow.exited", payload)
	case store.FlowRunFailed:
		payload["reason"] = st.Reason
		return s.event(ctx, "flow.failed", payload)
	}
	return nil
}

// Rule answers with the first enabled response rule that matches; nil
// when none does, or when a human or a team handles the conversation.
func (r *Router) Rule(ctx context.Context, m Inbound) (*Routing, error) {
	if humanHandled(m.Conversation) {
		return nil, nil
	}
	rules, err := r.store.ListResponseRules(ctx, m.Workspace.ID)
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if !rule.Enabled || !r.ruleMatcher(rule).Match(m.Message.Text) {
			continue
		}
		s := r.session(m, "rule:"+rule.ID, "rule:"+rule.Name)
		if err := s.event(ctx, "rule.matched", map[string]any{"rule": rule.Name, "message": m.Message.Text}); err != nil {
			return nil, err
		}
		for i, a := range rule.Actions {
			var args map[string]any
			if len(a.Args) > 0 {
				if err := json.Unmarshal(a.Args, &args); err != nil {
					return nil, fmt.Errorf("response rule %q: arguments of %s: %w", rule.Name, a.Action, err)
				}
			}
			key := fmt.Sprintf("rule/%s/%s/%d", rule.ID, m.Message.ID, i)
			res, err := s.Act(ctx, nil, key, a.Action, args, nil)
			if err != nil {
				return nil, err
			}
			if !res.OK {
				// The rule's reply would claim what did not happen: the
				// visitor gets the fallback instead, and a team member the
				// conversation.
				why := fmt.Sprintf("response rule %q: %s failed: %s", rule.Name, a.Action, res.Message)
				if err := s.event(ctx, "rule.failed", map[string]any{"rule": rule.Name, "action": a.Action, "error": res.Message}); err != nil {
					return nil, err
				}
				text := cmp.Or(s.FallbackText(), prompts.Message(s.Language(), prompts.FallbackFlow))
				if err := s.Say(ctx, nil, text, map[string]any{"rule": rule.Name, "fallback": true, "reason": why}); err != nil {
					return nil, err
				}
				return &s.out, nil
			}
		}
		c, err := s.Context(ctx)
		if err != nil {
			return nil, err
		}
		reply := scope{context: c}.render(rule.Reply)
		if err := s.Say(ctx, nil, reply, map[string]any{"rule": rule.Name}); err != nil {
			return nil, err
		}
		return &s.out, nil
	}
	return nil, nil
}

func (r *Router) ruleMatcher(rule *store.ResponseRule) *Matcher {
	stamp := rule.UpdatedAt.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.rules[rule.ID]; ok && c.updated == stamp {
		return c.m
	}
	m, err := NewMatcher(rule.Keywords, rule.Match)
	if err != nil {
		m, _ = NewMatcher(nil, MatchExact) // an invalid rule matches nothing
	}
	r.rules[rule.ID] = cachedRule{updated: stamp, m: m}
	return m
}
