package dsl

import (
	"fmt"

	"github.com/causerie/causerie/internal/source"
)

// problems collects the problems of one flow, locating paths in the file
// it was parsed from.
type problems struct {
	f   *Flow
	out source.Problems
}

// add records a problem at path, about node (may be "").
func (c *problems) add(node, path, format string, args ...any) {
	p := source.Problem{Node: node, Path: path, Message: fmt.Sprintf(format, args...)}
	if c.f != nil {
		p = c.f.src.Locate(p)
	}
	c.out = append(c.out, p)
}
