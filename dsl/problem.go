package dsl

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/causerie/causerie/internal/yamlfile"
)

// Problem is one thing wrong in a flow.
type Problem struct {
	File   string // "" when the flow did not come from a file
	Line   int    // 1-based; 0 when unknown
	Column int
	// NodeID is the node the problem is about, "" for the flow itself or
	// an edge.
	NodeID string
	// Path is the field path in the document, e.g.
	// "nodes[2].data.parameters.timeout_seconds".
	Path    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
		}
		b.WriteString(": ")
	}
	if p.NodeID != "" {
		fmt.Fprintf(&b, "node %q: ", p.NodeID)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in a flow; as an error it lists them one
// per line.
type Problems []Problem

func (ps Problems) Error() string { return yamlfile.List(ps) }

// sort orders problems by position in the file; problems without a
// position (about something the file lacks) come last, in the order found.
func (ps Problems) sort() {
	line := func(p Problem) int {
		if p.Line == 0 {
			return math.MaxInt
		}
		return p.Line
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(line(a), line(b)), cmp.Compare(a.Column, b.Column))
	})
}

// problems collects the problems of one flow, locating paths in its file.
type problems struct {
	f   *Flow
	out Problems
}

// add records a problem at path, about node (may be "").
func (c *problems) add(node, path, format string, args ...any) {
	p := Problem{NodeID: node, Path: path, Message: fmt.Sprintf(format, args...)}
	if c.f != nil {
		p.File = c.f.file
		for q := path; ; {
			if pos, ok := c.f.pos[q]; ok {
				p.Line, p.Column = pos.Line, pos.Column
				break
			}
			i := strings.LastIndexAny(q, ".[")
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	c.out = append(c.out, p)
}
