package yamlfile

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in a file.
type Problem struct {
	File   string
	Line   int // 1-based; 0 when the problem has no position
	Column int
	// Path is the field path, e.g. "teams[0].members[1]".
	Path    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in a file; as an error it lists them
// one per line.
type Problems []Problem

func (ps Problems) Error() string { return List(ps) }

// List formats problems as an error message: a count, then one problem per
// line. Other packages with their own problem type (dsl) share it.
func List[P fmt.Stringer](ps []P) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	head := "1 problem"
	if len(ps) != 1 {
		head = fmt.Sprintf("%d problems", len(ps))
	}
	return head + ":\n" + strings.Join(lines, "\n")
}
