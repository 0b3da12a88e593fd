package dsl

import (
	"fmt"
	"strings"
)

// Path is one way through a flow, from its trigger to an end node.
type Path struct {
	Steps []Step
}

// Step is a node of a path and the way the path leaves it ("" for the
// next step, an option, a branch, "error"; "" at the end).
type Step struct {
	Node string
	Way  string
}

// Nodes lists the path's node ids.
func (p Path) Nodes() []string {
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Node
	}
	return out
}

// Trail writes the path as a run's trail (State.Trail): node ids, with
// the way out when it is not the next step, "service[Coupe]".
func (p Path) Trail() []string {
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Node
		if s.Way != "" {
			out[i] += "[" + s.Way + "]"
		}
	}
	return out
}

func (p Path) String() string {
	var b strings.Builder
	b.WriteString("trigger")
	for i, s := range p.Steps {
		b.WriteString(" → ")
		b.WriteString(s.Node)
		if i < len(p.Steps)-1 && s.Way != "" {
			fmt.Fprintf(&b, " [%s]", s.Way)
		}
	}
	return b.String()
}

// MaxPaths bounds Paths on flows with very many branches.
const MaxPaths = 10000

// maxExpansions bounds the work of Paths: loops between many branches
// make the ways through a flow grow exponentially.
const maxExpansions = 200000

// Paths lists every path of a compiled flow from its start to an end
// node, each way out in turn (next step, options and branches in their
// order, else, error). A loop is followed at most maxVisits times per
// path (2 when maxVisits < 1), so the list is finite; it stops at
// MaxPaths paths, or when loops make the search too long.
func (p *Program) Paths(maxVisits int) []Path {
	if maxVisits < 1 {
		maxVisits = 2
	}
	var out []Path
	visits := map[string]int{}
	var steps []Step
	expansions := 0
	var walk func(id string)
	walk = func(id string) {
		expansions++
		if len(out) >= MaxPaths || visits[id] >= maxVisits || expansions > maxExpansions {
			return
		}
		n := p.nodes[id]
		visits[id]++
		defer func() { visits[id]-- }()
		if n.Type == KindEnd {
			path := append(append([]Step{}, steps...), Step{Node: id})
			out = append(out, Path{Steps: path})
			return
		}
		for _, way := range ways(n) {
			next, ok := n.next[way]
			if !ok {
				continue
			}
			steps = append(steps, Step{Node: id, Way: way})
			walk(next)
			steps = steps[:len(steps)-1]
		}
	}
	walk(p.start)
	return out
}

// ways lists a node's ways out in a stable order.
func ways(n *cnode) []string {
	o := nodeOuts(n.Node)
	var out []string
	if o.next {
		out = append(out, "")
	}
	out = append(out, o.named...)
	if o.elseBranch {
		out = append(out, HandleElse)
	}
	if o.errorEdge {
		out = append(out, HandleError)
	}
	return out
}
