package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/causerie/causerie/dsl"
)

// Diff is what changed between two versions of a flow, by node and edge.
type Diff struct {
	AddedNodes   []string `json:"added_nodes,omitempty"`
	RemovedNodes []string `json:"removed_nodes,omitempty"`
	ChangedNodes []string `json:"changed_nodes,omitempty"`
	// Edges are written "source -[handle]-> target".
	AddedEdges   []string `json:"added_edges,omitempty"`
	RemovedEdges []string `json:"removed_edges,omitempty"`
}

// Empty reports whether nothing changed.
func (d *Diff) Empty() bool {
	return len(d.AddedNodes)+len(d.RemovedNodes)+len(d.ChangedNodes)+len(d.AddedEdges)+len(d.RemovedEdges) == 0
}

// Compare lists the nodes (by id) and edges (by source, handle and
// target) added, removed or changed from old to new; a node whose
// position alone moved is not changed.
func Compare(old, new *dsl.Flow) *Diff {
	d := &Diff{}
	before := map[string]dsl.Node{}
	for _, n := range old.Nodes {
		before[n.ID] = n
	}
	after := map[string]bool{}
	for _, n := range new.Nodes {
		after[n.ID] = true
		o, ok := before[n.ID]
		switch {
		case !ok:
			d.AddedNodes = append(d.AddedNodes, describe(n))
		case nodeKey(o) != nodeKey(n):
			d.ChangedNodes = append(d.ChangedNodes, describe(n))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(before)) {
		if !after[id] {
			d.RemovedNodes = append(d.RemovedNodes, describe(before[id]))
		}
	}
	edges := func(f *dsl.Flow) map[string]bool {
		m := map[string]bool{}
		for _, e := range f.Edges {
			h := e.SourceHandle
			if h == "" {
				h = "next"
			}
			m[fmt.Sprintf("%s -[%s]-> %s", e.Source, h, e.Target)] = true
		}
		return m
	}
	eb, ea := edges(old), edges(new)
	for _, e := range slices.Sorted(maps.Keys(ea)) {
		if !eb[e] {
			d.AddedEdges = append(d.AddedEdges, e)
		}
	}
	for _, e := range slices.Sorted(maps.Keys(eb)) {
		if !ea[e] {
			d.RemovedEdges = append(d.RemovedEdges, e)
		}
	}
	return d
}

func describe(n dsl.Node) string {
	if n.Data.Label != "" {
		return fmt.Sprintf("%s (%s, %q)", n.ID, n.Type, n.Data.Label)
	}
	return fmt.Sprintf("%s (%s)", n.ID, n.Type)
}

func nodeKey(n dsl.Node) string {
	n.Position = dsl.Position{}
	b, _ := json.Marshal(n)
	return string(b)
}

// String writes the diff for people, one change a line: "+ node …",
// "- edge …", "~ node …".
func (d *Diff) String() string {
	if d.Empty() {
		return "no change\n"
	}
	var b strings.Builder
	for _, x := range []struct {
		sign, what string
		items      []string
	}{{"+", "node", d.AddedNodes}, {"-", "node", d.RemovedNodes}, {"~", "node", d.ChangedNodes},
		{"+", "edge", d.AddedEdges}, {"-", "edge", d.RemovedEdges}} {
		for _, it := range x.items {
			fmt.Fprintf(&b, "%s %s %s\n", x.sign, x.what, it)
		}
	}
	return b.String()
}
