package dsl

import (
	"regexp"
	"slices"

	"github.com/expr-lang/expr/vm"
)

// Program is a validated flow ready to run: nodes by id with their edges
// resolved and their expressions compiled. It is immutable and safe for
// concurrent use.
type Program struct {
	Flow     *Flow
	start    string
	nodes    map[string]*cnode
	triggers []trigger
	exit     *Matcher // nil: the router's exit words
}

// cnode is a node with what running it needs, prepared once.
type cnode struct {
	*Node
	action     string            // an action node's action type
	next       map[string]string // way out ("" next, "error", option, branch) → node id
	cond       *vm.Program
	cases      []ccase
	expr       *vm.Program // set_variable's expression
	pattern    *regexp.Regexp
	options    []string
	maxRetries int
	resultVar  string
}

type ccase struct {
	label string
	src   string // the expression, for error reports
	cond  *vm.Program
}

// Compile validates f and prepares it to run; the error is Problems when
// f is not valid.
func Compile(f *Flow, opts Options) (*Program, error) {
	if ps := Validate(f, opts); len(ps) > 0 {
		return nil, ps
	}
	v := &validator{f: f}
	known := v.variables()
	p := &Program{Flow: f, start: startNode(f), nodes: make(map[string]*cnode, len(f.Nodes))}
	for _, t := range f.Triggers {
		m, err := NewMatcher(t.Keywords, t.Match)
		if err != nil {
			return nil, err // Validate compiled them already
		}
		tr := trigger{keywords: m}
		if len(t.Except) > 0 {
			if tr.except, err = NewMatcher(t.Except, MatchContains); err != nil {
				return nil, err
			}
		}
		p.triggers = append(p.triggers, tr)
	}
	if len(f.ExitWords) > 0 {
		p.exit, _ = NewMatcher(f.ExitWords, MatchExact)
	}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		c := &cnode{Node: n, next: map[string]string{}}
		params := n.Data.Parameters
		var err error
		switch n.Type {
		case KindAction:
			_, c.action, _ = nodeBlock(n)
			c.resultVar = resultVariable(n, c.action)
		case KindAIReply:
			c.resultVar = paramText(params, "variable", "ai_reply")
		case KindQuestion:
			if pat, ok := params["pattern"].(string); ok {
				c.pattern = regexp.MustCompile(pat)
			}
		case KindChoice:
			c.options = optionLabels(params)
		case KindCondition:
			if src, ok := params["expression"].(string); ok && src != "" {
				if c.cond, err = compileExpr(src, known, true); err != nil {
					return nil, err
				}
			}
			cases, _ := params["cases"].([]any)
			for _, cs := range cases {
				m := cs.(map[string]any)
				prog, err := compileExpr(m["expression"].(string), known, true)
				if err != nil {
					return nil, err
				}
				c.cases = append(c.cases, ccase{label: m["label"].(string), src: m["expression"].(string), cond: prog})
			}
		case KindSetVariable:
			if src, ok := params["expression"].(string); ok && src != "" {
				if c.expr, err = compileExpr(src, known, false); err != nil {
					return nil, err
				}
			}
		}
		if n.Type == KindQuestion || n.Type == KindChoice {
			r, _ := number(params["max_retries"])
			c.maxRetries = defaultMaxRetries
			if _, set := params["max_retries"]; set {
				c.maxRetries = int(r)
			}
		}
		p.nodes[n.ID] = c
	}
	for _, e := range f.Edges {
		src := p.nodes[e.Source]
		way, _ := resolveHandle(src.Node, e.SourceHandle)
		src.next[way] = e.Target
	}
	return p, nil
}

// Triggered reports whether text matches one of the flow's triggers.
func (p *Program) Triggered(text string) bool {
	return slices.ContainsFunc(p.triggers, func(t trigger) bool {
		return t.keywords.Match(text) && (t.except == nil || !t.except.Match(text))
	})
}

// trigger is a compiled trigger: its keywords, and the words that stop it.
type trigger struct {
	keywords, except *Matcher
}

// Exits reports whether text is one of the flow's own exit words; ok is
// false when the flow has none (the router's apply).
func (p *Program) Exits(text string) (exit, ok bool) {
	if p.exit == nil {
		return false, false
	}
	return p.exit.Match(text), true
}

// StartNode is the id of the first node.
func (p *Program) StartNode() string { return p.start }

var defaultExitWords, _ = NewMatcher(DefaultExitWords, MatchExact)

// IsExit reports whether text leaves the flow: it is one of the flow's
// exit_words, or of DefaultExitWords when the flow has none.
func (p *Program) IsExit(text string) bool {
	if exit, own := p.Exits(text); own {
		return exit
	}
	return defaultExitWords.Match(text)
}
