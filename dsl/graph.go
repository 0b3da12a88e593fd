package dsl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/causerie/causerie/internal/suggest"
)

// outs describes the ways out of a node: its named handles, and whether
// it has a next step (the default handle) and an error edge.
type outs struct {
	named      []string // choice options, condition branches
	next       bool
	errorEdge  bool
	elseBranch bool // the default handle is a condition's else
}

func nodeOuts(n *Node) outs {
	p := n.Data.Parameters
	switch n.Type {
	case KindMessage:
		return outs{next: true}
	case KindQuestion, KindAction, KindAIReply, KindHandoff, KindSetVariable:
		// set_variable's error edge: its expression could not be evaluated.
		return outs{next: true, errorEdge: true}
	case KindChoice:
		return outs{named: optionLabels(p), errorEdge: true}
	case KindCondition:
		// A condition's error edge: an expression could not be evaluated.
		if _, ok := p["cases"]; ok {
			return outs{named: caseLabels(p), elseBranch: true, errorEdge: true}
		}
		return outs{named: []string{HandleTrue, HandleFalse}, errorEdge: true}
	}
	return outs{}
}

func optionLabels(p map[string]any) []string {
	list, _ := p["options"].([]any)
	var out []string
	for _, o := range list {
		if s, ok := o.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func caseLabels(p map[string]any) []string {
	list, _ := p["cases"].([]any)
	var out []string
	for _, c := range list {
		if m, ok := c.(map[string]any); ok {
			if s, _ := m["label"].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// resolveHandle maps an edge's sourceHandle to the way out it names: ""
// for the next step, HandleError, HandleElse, an option or case label
// (a choice option may also be named by its number, 1-based, or
// "option-N"). ok is false when the node has no such way out.
func resolveHandle(n *Node, h string) (string, bool) {
	o := nodeOuts(n)
	h = strings.TrimSpace(h)
	switch {
	case isDefaultHandle(h) && o.next:
		return "", true
	case (isDefaultHandle(h) || h == HandleElse) && o.elseBranch:
		return HandleElse, true
	case h == HandleError && o.errorEdge:
		return HandleError, true
	}
	for _, name := range o.named {
		if name == h || suggest.Fold(name) == suggest.Fold(h) {
			return name, true
		}
	}
	if n.Type == KindChoice {
		num := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(h), "option"), "s"), "-_ ")
		if i, err := strconv.Atoi(num); err == nil && i >= 1 && i <= len(o.named) {
			return o.named[i-1], true
		}
	}
	return "", false
}

// handleNames lists a node's ways out as an edge names them, for messages.
func handleNames(n *Node) []string {
	o := nodeOuts(n)
	var out []string
	if o.next {
		out = append(out, `"" (next step)`)
	}
	for _, name := range o.named {
		out = append(out, strconv.Quote(name))
	}
	if o.elseBranch {
		out = append(out, strconv.Quote(HandleElse))
	}
	if o.errorEdge {
		out = append(out, strconv.Quote(HandleError))
	}
	return out
}

// startNode is the flow's first node: Start, else the first node no edge
// enters that has a way out, else the first node.
func startNode(f *Flow) string {
	if f.Start != "" {
		return f.Start
	}
	entered := map[string]bool{}
	leaves := map[string]bool{}
	for _, e := range f.Edges {
		if e.Source != e.Target {
			entered[e.Target] = true
		}
		leaves[e.Source] = true
	}
	for _, n := range f.Nodes {
		if !entered[n.ID] && leaves[n.ID] {
			return n.ID
		}
	}
	for _, n := range f.Nodes {
		if !entered[n.ID] {
			return n.ID
		}
	}
	if len(f.Nodes) > 0 {
		return f.Nodes[0].ID
	}
	return ""
}

// edges checks every edge and the ways out of every node.
func (v *validator) edges() {
	f := v.f
	ids := make([]string, 0, len(v.nodeAt))
	for _, n := range f.Nodes {
		if n.ID != "" {
			ids = append(ids, n.ID)
		}
	}
	edgeIDs := map[string]int{}
	taken := map[[2]string]int{} // (source, way out) → edge index
	for i, e := range f.Edges {
		p := fmt.Sprintf("edges[%d]", i)
		if e.ID != "" {
			if j, dup := edgeIDs[e.ID]; dup {
				v.p.add("", p+".id", "two edges have the id %q (also edges[%d]); ids must be unique", e.ID, j)
			}
			edgeIDs[e.ID] = i
		}
		srcOK := v.endpoint(p+".source", e.Source, ids, "source", "leaves")
		v.endpoint(p+".target", e.Target, ids, "target", "leads to")
		if !srcOK {
			continue
		}
		src := &f.Nodes[v.nodeAt[e.Source]]
		if v.local[src.ID] && !slices.Contains(Kinds, src.Type) {
			continue // its kind is unknown: its handles cannot be checked
		}
		if src.Type == KindEnd {
			v.p.add(src.ID, p, "an end node has no next step; remove this edge to %q, or change the node's type", e.Target)
			continue
		}
		way, ok := resolveHandle(src, e.SourceHandle)
		if !ok {
			names := handleNames(src)
			var plain []string
			for _, nm := range names {
				if s, err := strconv.Unquote(nm); err == nil {
					plain = append(plain, s)
				}
			}
			msg := fmt.Sprintf("%q is not a way out of %s node %q", e.SourceHandle, src.Type, src.ID)
			if e.SourceHandle == "" {
				msg = fmt.Sprintf("this edge has no sourceHandle, but a %s node's edges each name a way out", src.Type)
			}
			v.p.add(src.ID, p+".sourceHandle", "%s%s; its ways out: %s", msg, didYouMean(e.SourceHandle, plain),
				strings.Join(names, ", "))
			v.local[src.ID] = true
			continue
		}
		key := [2]string{src.ID, way}
		if j, dup := taken[key]; dup {
			what := "next step"
			if way != "" {
				what = fmt.Sprintf("way out %q", way)
			}
			v.p.add(src.ID, p, "node %q has two edges for its %s (also edges[%d]); keep one", src.ID, what, j)
			continue
		}
		taken[key] = i
	}

	// Every way out needs an edge.
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if n.ID == "" || v.nodeAt[n.ID] != i || v.local[n.ID] || !v.hasEdges(n.ID) {
			continue // orphans are reported once, by the graph check
		}
		o := nodeOuts(n)
		var lacking []string
		if o.next {
			if _, ok := taken[[2]string{n.ID, ""}]; !ok {
				v.p.add(n.ID, fmt.Sprintf("nodes[%d]", i), "%s node %q has no next step: add an edge from it (to an end node when the flow stops here)",
					n.Type, n.ID)
				v.local[n.ID] = true
				continue
			}
		}
		for _, name := range o.named {
			if _, ok := taken[[2]string{n.ID, name}]; !ok {
				lacking = append(lacking, strconv.Quote(name))
			}
		}
		if o.elseBranch {
			if _, ok := taken[[2]string{n.ID, HandleElse}]; !ok {
				lacking = append(lacking, strconv.Quote(HandleElse))
			}
		}
		if len(lacking) > 0 {
			what := "option"
			if n.Type == KindCondition {
				what = "branch"
			}
			if len(lacking) > 1 {
				what += "s"
			}
			v.p.add(n.ID, fmt.Sprintf("nodes[%d]", i), "%s node %q has no edge for its %s %s: add an edge with that sourceHandle",
				n.Type, n.ID, what, strings.Join(lacking, ", "))
			v.local[n.ID] = true
		}
	}
}

// endpoint checks that an edge's end names a node.
func (v *validator) endpoint(path, id string, ids []string, what, verb string) bool {
	if strings.TrimSpace(id) == "" {
		v.missing("", path, "the id of the node the edge %s", verb)
		return false
	}
	if _, ok := v.nodeAt[id]; ok {
		return true
	}
	v.p.add("", path, "there is no node %q%s; node ids: %s", id, didYouMean(id, ids), suggest.List(suggest.Nearest(id, ids), 8))
	return false
}

// hasEdges reports whether an edge starts or ends at node id (an index
// of the edges' ends, built once: validation stays linear).
func (v *validator) hasEdges(id string) bool {
	if v.edged == nil {
		v.edged = make(map[string]bool, 2*len(v.f.Edges))
		for _, e := range v.f.Edges {
			v.edged[e.Source], v.edged[e.Target] = true, true
		}
	}
	return v.edged[id]
}

// graph checks that every node can be reached from the start and can
// reach an end.
func (v *validator) graph() {
	f := v.f
	if len(f.Nodes) == 0 {
		return
	}
	start := startNode(f)
	if _, ok := v.nodeAt[start]; !ok {
		var ids []string
		for _, n := range f.Nodes {
			ids = append(ids, n.ID)
		}
		v.p.add("", "start", "there is no node %q%s; node ids: %s", start, didYouMean(start, ids), suggest.List(ids, 8))
		return
	}
	next := map[string][]string{}
	prev := map[string][]string{}
	brokenOut := map[string]bool{} // an edge to nowhere leaves it: already reported
	var ids []string
	for _, n := range f.Nodes {
		ids = append(ids, n.ID)
	}
	// An edge to a misspelt node counts as leading where it was meant
	// to: the misspelling is reported once, not again as an unconnected
	// node.
	meant := map[string]bool{}
	for _, e := range f.Edges {
		_, srcOK := v.nodeAt[e.Source]
		target := e.Target
		if _, ok := v.nodeAt[target]; !ok {
			target = suggest.Close(target, ids)
			meant[target] = true
		}
		_, dstOK := v.nodeAt[target]
		switch {
		case srcOK && dstOK:
			next[e.Source] = append(next[e.Source], target)
			prev[target] = append(prev[target], e.Source)
		case srcOK:
			brokenOut[e.Source] = true
		}
	}
	reached := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, t := range next[id] {
			if !reached[t] {
				reached[t] = true
				queue = append(queue, t)
			}
		}
	}
	for i, n := range f.Nodes {
		if n.ID == "" || v.nodeAt[n.ID] != i || reached[n.ID] {
			continue
		}
		if !v.hasEdges(n.ID) && !meant[n.ID] {
			v.p.add(n.ID, fmt.Sprintf("nodes[%d]", i), "node %q is not connected: no edge enters or leaves it; connect it or delete it", n.ID)
		} else {
			v.p.add(n.ID, fmt.Sprintf("nodes[%d]", i), "node %q cannot be reached: no path from the start (node %q) leads to it", n.ID, start)
		}
	}

	// Nodes that reach an end, or a problem already reported.
	good := map[string]bool{}
	queue = nil
	for _, n := range f.Nodes {
		if n.Type == KindEnd || v.local[n.ID] || brokenOut[n.ID] {
			good[n.ID] = true
			queue = append(queue, n.ID)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, s := range prev[id] {
			if !good[s] {
				good[s] = true
				queue = append(queue, s)
			}
		}
	}
	var trapped []string
	first := -1
	for i, n := range f.Nodes {
		if reached[n.ID] && !good[n.ID] && v.nodeAt[n.ID] == i {
			if first < 0 {
				first = i
			}
			trapped = append(trapped, strconv.Quote(n.ID))
		}
	}
	if first >= 0 {
		others := ""
		if len(trapped) > 1 {
			others = " (nor from " + strings.Join(trapped[1:], ", ") + ")"
		}
		v.p.add(f.Nodes[first].ID, fmt.Sprintf("nodes[%d]", first),
			"no end node can be reached from node %s%s: these steps loop with no way out; add an edge to an end node", trapped[0], others)
	}
}
