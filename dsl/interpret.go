package dsl

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Env is what a running flow acts on: the store-backed session of a
// conversation (see Router), or a simulation (causerie flow run, tests,
// benchmarks).
type Env interface {
	// Context returns the variables the flow sees besides its own:
	// contact, conversation, workspace, message. It is asked again after
	// each action, which may have changed the contact.
	Context(ctx context.Context) (map[string]any, error)
	// Language is the conversation's language ("fr", "en"), for default
	// texts.
	Language() string
	// FallbackText is the workspace's own fallback text in its language,
	// "" for the default one.
	FallbackText() string
	// Say sends text to the visitor.
	Say(ctx context.Context, n *Node, text string, meta map[string]any) error
	// Act runs an action of the catalogue with an idempotency key; the
	// error is for infrastructure failures, a failed action is a Result.
	Act(ctx context.Context, n *Node, key, action string, args map[string]any, vars map[string]any) (tools.Result, error)
	// Generate writes an AI reply (ai_reply with body_source ai).
	Generate(ctx context.Context, n *Node, req AIRequest) (string, error)
	// Record notes something that went wrong at node n without stopping
	// the flow (an expression that could not be evaluated): typ is an
	// event type such as "flow.expression_failed".
	Record(ctx context.Context, n *Node, typ string, payload map[string]any) error
}

// AIRequest is what an ai_reply node asks a model for.
type AIRequest struct {
	System      string // the node's system_prompt, rendered ("" for the default)
	Model       string // "" for the configured one
	Temperature float64
	MaxTokens   int
}

// State is where a run stands; store.FlowRun persists it.
type State struct {
	RunID   string
	Status  store.FlowRunStatus
	Node    string
	Vars    map[string]any
	Retries int
	Steps   int64
	// Trail lists the nodes visited, each with the way the run left it
	// when not the plain next step: "service[Coupe]" (see Path.Trail).
	Trail []string
	// Reason says why the run failed.
	Reason string
}

// Waiting reports whether the run waits for the visitor's answer.
func (s *State) Waiting() bool { return s.Status == store.FlowRunActive }

// maxStepsPerTurn bounds the nodes one visitor message may walk through:
// a loop of conditions that never waits would otherwise never end.
const maxStepsPerTurn = 1000

// maxTrail bounds the trail kept in a run.
const maxTrail = 500

// NewState returns the state of a new run of p: active, at the start,
// with the flow's initial variables.
func (p *Program) NewState(runID string) *State {
	vars := make(map[string]any, len(p.Flow.Variables))
	for k, v := range p.Flow.Variables {
		vars[k] = v
	}
	return &State{RunID: runID, Status: store.FlowRunActive, Node: p.start, Vars: vars}
}

// Start walks a new run from its start node until it needs the visitor or
// ends. The error is for infrastructure failures; a flow that fails ends
// with Status failed, after sending the fallback message.
func (p *Program) Start(ctx context.Context, env Env, st *State) error {
	t := &turn{p: p, env: env, st: st}
	return t.walk(ctx, st.Node)
}

// Resume gives the visitor's answer to the node the run waits at, and
// walks on.
func (p *Program) Resume(ctx context.Context, env Env, st *State, input string) error {
	t := &turn{p: p, env: env, st: st}
	n := p.nodes[st.Node]
	if n == nil {
		return t.fail(ctx, fmt.Sprintf("node %q is no longer in the flow", st.Node))
	}
	switch n.Type {
	case KindQuestion:
		return t.answer(ctx, n, input)
	case KindChoice:
		return t.choose(ctx, n, input)
	}
	// The run stopped between two steps (a crash): go on from there.
	// Actions already done are not done again: their keys are recorded.
	st.Steps--
	if last := len(st.Trail) - 1; last >= 0 && strings.HasPrefix(st.Trail[last], n.ID) {
		st.Trail = st.Trail[:last]
	}
	return t.walk(ctx, n.ID)
}

// turn is one walk of a run, for one visitor message.
type turn struct {
	p   *Program
	env Env
	st  *State
	ctx map[string]any // the Env's context, nil when stale
}

func (t *turn) scope(ctx context.Context) (scope, error) {
	if t.ctx == nil {
		c, err := t.env.Context(ctx)
		if err != nil {
			return scope{}, err
		}
		t.ctx = c
	}
	return scope{vars: t.st.Vars, context: t.ctx}, nil
}

func (t *turn) say(ctx context.Context, n *cnode, text string, meta map[string]any) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return t.env.Say(ctx, n.Node, text, meta)
}

// walk runs nodes from id until one waits for the visitor or the run
// ends.
func (t *turn) walk(ctx context.Context, id string) error {
	st := t.st
	for i := 0; ; i++ {
		if i == maxStepsPerTurn {
			return t.fail(ctx, fmt.Sprintf("the flow went through %d steps without waiting for the visitor: it loops", maxStepsPerTurn))
		}
		n := t.p.nodes[id]
		if n == nil {
			return t.fail(ctx, fmt.Sprintf("node %q is not in the flow", id))
		}
		st.Node, st.Retries = id, 0
		st.Steps++
		if len(st.Trail) < maxTrail {
			st.Trail = append(st.Trail, id)
		}
		way, wait, err := t.step(ctx, n)
		if err != nil || wait || st.Status != store.FlowRunActive {
			return err
		}
		t.mark(n, way)
		next, ok := n.next[way]
		if !ok {
			if way == HandleError {
				return nil // step already failed the run
			}
			return t.fail(ctx, fmt.Sprintf("node %q has no edge for %q", id, way))
		}
		id = next
	}
}

// step runs one node: it returns the way out, or wait when the node waits
// for the visitor.
func (t *turn) step(ctx context.Context, n *cnode) (way string, wait bool, err error) {
	sc, err := t.scope(ctx)
	if err != nil {
		return "", false, err
	}
	params := n.Data.Parameters
	switch n.Type {
	case KindMessage:
		return "", false, t.say(ctx, n, sc.render(paramText(params, "text", "")), nil)
	case KindQuestion:
		return "", true, t.say(ctx, n, sc.render(paramText(params, "text", "")), nil)
	case KindChoice:
		prompt := sc.render(paramText(params, "text", "")) + "\n" + listOptions(n.options)
		return "", true, t.say(ctx, n, prompt, map[string]any{"options": n.options})
	case KindCondition:
		env := sc.env()
		if n.cond != nil {
			ok, err := evalBool(n.cond, env)
			if err != nil {
				return t.exprFailed(ctx, n, paramText(params, "expression", ""), err, HandleFalse)
			}
			if ok {
				return HandleTrue, false, nil
			}
			return HandleFalse, false, nil
		}
		for _, c := range n.cases {
			ok, err := evalBool(c.cond, env)
			if err != nil {
				if way, wait, ferr := t.exprFailed(ctx, n, c.src, err, ""); ferr != nil || way != "" {
					return way, wait, ferr
				}
				continue
			}
			if ok {
				return c.label, false, nil
			}
		}
		return HandleElse, false, nil
	case KindSetVariable:
		name := paramText(params, "variable", "")
		if n.expr != nil {
			v, err := evalValue(n.expr, sc.env())
			if err != nil {
				if way, wait, ferr := t.exprFailed(ctx, n, paramText(params, "expression", ""), err, ""); ferr != nil || way != "" {
					return way, wait, ferr
				}
				v = nil
			}
			t.st.Vars[name] = v
		} else if s, ok := params["value"].(string); ok {
			t.st.Vars[name] = sc.render(s)
		} else {
			t.st.Vars[name] = params["value"]
		}
		return "", false, nil
	case KindAction:
		switch n.action {
		case ActionRedirect:
			u := sc.render(paramText(params, "url", ""))
			text := strings.TrimSpace(sc.render(paramText(params, "text", "")) + "\n" + u)
			return "", false, t.say(ctx, n, text, map[string]any{"redirect": u})
		case ActionAIReply:
			return t.aiReply(ctx, n, sc)
		}
		return t.act(ctx, n, n.action, t.actionArgs(n, sc))
	case KindAIReply:
		return t.aiReply(ctx, n, sc)
	case KindHandoff:
		args := map[string]any{}
		for _, k := range []string{"team", "user", "method"} {
			if v := paramText(params, k, ""); v != "" {
				args[k] = sc.render(v)
			}
		}
		way, wait, err := t.act(ctx, n, tools.Assign, args)
		if err != nil || way != "" {
			return way, wait, err
		}
		return "", false, t.say(ctx, n, sc.render(paramText(params, "text", "")), nil)
	case KindEnd:
		if err := t.say(ctx, n, sc.render(paramText(params, "text", "")), nil); err != nil {
			return "", false, err
		}
		t.st.Status = store.FlowRunCompleted
		return "", false, nil
	}
	return "", false, t.fail(ctx, fmt.Sprintf("node %q has the unknown type %q", n.ID, n.Type))
}

// key is the idempotency key of an action of the current node visit:
// the run, the visit and the node, and a digest of the arguments, so that
// a walk repeated after a crash replays what it already did, but a visit
// that now asks for something else (another answer) acts anew.
func (t *turn) key(n *cnode, args map[string]any) string {
	b, _ := json.Marshal(args) // map keys sorted: the same arguments give the same digest
	sum := sha256.Sum256(b)
	return fmt.Sprintf("flow/%s/%d/%s/%x", t.st.RunID, t.st.Steps, n.ID, sum[:6])
}

// act runs an action and follows its result.
func (t *turn) act(ctx context.Context, n *cnode, action string, args map[string]any) (string, bool, error) {
	res, err := t.env.Act(ctx, n.Node, t.key(n, args), action, args, t.st.Vars)
	if err != nil {
		return "", false, err
	}
	t.ctx = nil // the action may have changed the contact
	if n.resultVar != "" {
		v := map[string]any{}
		for k, x := range res.Data {
			v[k] = plain(x)
		}
		v["ok"], v["message"] = res.OK, res.Message
		t.st.Vars[n.resultVar] = v
	}
	if res.OK {
		return "", false, nil
	}
	return t.failed(ctx, n, fmt.Sprintf("%s failed: %s", action, res.Message))
}

// exprFailed handles an expression that could not be evaluated: it is
// recorded (flow.expression_failed), and the node's error edge is taken
// when it has one. Without one, an expression past its limits fails the
// run; any other error (a variable not set yet: `contact.budget > 100`
// before the budget is known) goes on as orElse — the false branch of a
// condition, the next case, a variable set to nothing ("").
func (t *turn) exprFailed(ctx context.Context, n *cnode, src string, err error, orElse string) (string, bool, error) {
	reason := fmt.Sprintf("the expression %q could not be evaluated: %s", src, oneLine(err))
	if rerr := t.env.Record(ctx, n.Node, "flow.expression_failed", map[string]any{"node": n.ID, "expression": src,
		"error": oneLine(err)}); rerr != nil {
		return "", false, rerr
	}
	if _, ok := n.next[HandleError]; ok || errors.Is(err, ErrExprLimit) {
		return t.failed(ctx, n, reason)
	}
	return orElse, false, nil
}

// failed follows a failed node's error edge, or fails the run.
func (t *turn) failed(ctx context.Context, n *cnode, reason string) (string, bool, error) {
	t.st.Vars["error"] = map[string]any{"node": n.ID, "message": reason}
	if _, ok := n.next[HandleError]; ok {
		return HandleError, false, nil
	}
	return HandleError, false, t.fail(ctx, reason)
}

// fail ends the run with the fallback message.
func (t *turn) fail(ctx context.Context, reason string) error {
	t.st.Status, t.st.Reason = store.FlowRunFailed, reason
	msg := cmp.Or(t.p.Flow.FallbackMessage, t.env.FallbackText(), prompts.Message(t.env.Language(), prompts.FallbackFlow))
	return t.env.Say(ctx, nil, msg, map[string]any{"fallback": true, "reason": reason})
}

// actionArgs are an action node's parameters as the action's arguments:
// templates rendered (except where the action renders them itself, with
// the escaping its place needs), flow-only parameters removed, and
// update_contact_fields' {field: value} written as the list it takes.
func (t *turn) actionArgs(n *cnode, sc scope) map[string]any {
	spec, _ := actionBlock(n.action)
	args := make(map[string]any, len(n.Data.Parameters))
	for k, v := range n.Data.Parameters {
		switch {
		case k == "result_variable":
			continue
		case k == "fields":
			args[k] = fieldList(v, sc)
		case spec.selfRendered(k):
			args[k] = v
		default:
			args[k] = coerce(spec, k, renderValue(v, sc))
		}
	}
	return args
}

// coerce turns numbers and booleans written as text ("4", "false") into
// the JSON values the action's schema takes.
func coerce(b block, name string, v any) any {
	s, ok := v.(string)
	p, known := b.param(name)
	if !ok || !known {
		return v
	}
	switch p.typ {
	case pNumber, pInt:
		if x, ok := number(s); ok {
			return x
		}
	case pBool:
		if x, ok := boolean(s); ok {
			return x
		}
	}
	return v
}

func renderValue(v any, sc scope) any {
	switch x := v.(type) {
	case string:
		return sc.render(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = renderValue(e, sc)
		}
		return out
	}
	return v
}

func fieldList(v any, sc scope) []any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]any, 0, len(x))
		for _, k := range keys {
			out = append(out, map[string]any{"field": k, "value": renderValue(x[k], sc)})
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			m, _ := e.(map[string]any)
			out = append(out, map[string]any{"field": m["field"], "value": renderValue(m["value"], sc)})
		}
		return out
	}
	return nil
}

// aiReply writes a reply with the model, a template or fixed text, keeps
// it in its variable and sends it (unless send is false).
func (t *turn) aiReply(ctx context.Context, n *cnode, sc scope) (string, bool, error) {
	params := n.Data.Parameters
	var text string
	switch paramText(params, "body_source", BodyAI) {
	case BodyTemplate:
		text = sc.render(paramText(params, "body", ""))
	case BodyStatic:
		text = paramText(params, "body", "")
	default:
		temp, _ := number(paramText(params, "temperature", "0.4"))
		maxTok, _ := number(paramText(params, "max_output_tokens", "240"))
		var err error
		text, err = t.env.Generate(ctx, n.Node, AIRequest{System: sc.render(paramText(params, "system_prompt", "")),
			Model: paramText(params, "model", ""), Temperature: temp, MaxTokens: int(maxTok)})
		if err != nil {
			return t.failed(ctx, n, "ai_reply failed: "+err.Error())
		}
	}
	t.st.Vars[n.resultVar] = text
	if send, _ := boolean(paramText(params, "send", "true")); send {
		return "", false, t.say(ctx, n, text, map[string]any{"ai_reply": true})
	}
	return "", false, nil
}

// answer takes a question's answer: kept when valid, else asked again
// until max_retries, then the error edge (or the fallback).
func (t *turn) answer(ctx context.Context, n *cnode, input string) error {
	sc, err := t.scope(ctx)
	if err != nil {
		return err
	}
	params := n.Data.Parameters
	validation := paramText(params, "validation", "text")
	country := ""
	if ws, ok := sc.context["workspace"].(map[string]any); ok {
		country, _ = ws["default_country"].(string)
	}
	value, verr := checkAnswer(validation, n.pattern, input, country)
	if verr == nil {
		if field := paramText(params, "field", ""); field != "" {
			args := map[string]any{"fields": []any{map[string]any{"field": field, "value": value}}}
			res, err := t.env.Act(ctx, n.Node, t.key(n, args), tools.UpdateContactFields, args, t.st.Vars)
			if err != nil {
				return err
			}
			t.ctx = nil
			if !res.OK {
				verr = fmt.Errorf("%s", res.Message)
			}
		}
	}
	if verr != nil {
		return t.retry(ctx, n, sc, validation, verr)
	}
	t.st.Vars[paramText(params, "variable", "")] = value
	return t.follow(ctx, n, "")
}

// choose takes a choice's answer.
func (t *turn) choose(ctx context.Context, n *cnode, input string) error {
	sc, err := t.scope(ctx)
	if err != nil {
		return err
	}
	label, ok := matchChoice(n.options, input)
	if !ok {
		return t.retry(ctx, n, sc, "choice", fmt.Errorf("%q is none of the options", input))
	}
	if name := paramText(n.Data.Parameters, "variable", ""); name != "" {
		t.st.Vars[name] = label
	}
	return t.follow(ctx, n, label)
}

func (t *turn) retry(ctx context.Context, n *cnode, sc scope, validation string, why error) error {
	t.st.Retries++
	if t.st.Retries > n.maxRetries {
		reason := fmt.Sprintf("no valid answer to %q after %d tries (%v)", n.ID, t.st.Retries, why)
		way, _, err := t.failed(ctx, n, reason)
		if err != nil || t.st.Status != store.FlowRunActive {
			return err
		}
		return t.follow(ctx, n, way)
	}
	msg := sc.render(paramText(n.Data.Parameters, "retry_message", ""))
	if msg == "" {
		msg = retryHint(t.env.Language(), validation)
	}
	if n.Type == KindChoice {
		msg += "\n" + listOptions(n.options)
	}
	return t.say(ctx, n, msg, map[string]any{"retry": t.st.Retries})
}

// follow leaves n through way and walks on.
func (t *turn) follow(ctx context.Context, n *cnode, way string) error {
	t.mark(n, way)
	next, ok := n.next[way]
	if !ok {
		return t.fail(ctx, fmt.Sprintf("node %q has no edge for %q", n.ID, way))
	}
	return t.walk(ctx, next)
}

// mark notes on the trail the way the run left n, when it is not the
// plain next step: "service[Coupe]", "http-notify[error]".
func (t *turn) mark(n *cnode, way string) {
	tr := t.st.Trail
	if way != "" && len(tr) > 0 && tr[len(tr)-1] == n.ID {
		tr[len(tr)-1] = n.ID + "[" + way + "]"
	}
}

// plain turns json.Numbers (kept by tools for exact ids) into float64, so
// that expressions compare them as numbers.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	case int:
		return float64(x)
	}
	return v
}
