package source

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong in a file.
type Problem struct {
	File   string // "" when the document did not come from a file
	Line   int    // 1-based; 0 when the problem has no position
	Column int
	// Path is the field path in the document, e.g.
	// "nodes[2].data.parameters.timeout_seconds".
	Path string
	// Node is the flow node the problem is about, "" if none.
	Node    string
	Message string
	// Valid lists the valid values (or keys), when they are few and known.
	Valid []string
}

// String formats the problem as
// file:line:col: node "x": path: message (valid: a, b).
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
		}
		b.WriteString(": ")
	}
	if p.Node != "" {
		fmt.Fprintf(&b, "node %q: ", p.Node)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if len(p.Valid) > 0 {
		b.WriteString(" (valid: ")
		b.WriteString(strings.Join(p.Valid, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Problems is every problem found in one or more files; as an error it
// lists them one per line, in file order.
type Problems []Problem

// Error returns "N problems:" then one problem per line, sorted (see
// Sort).
func (ps Problems) Error() string {
	sorted := slices.Clone(ps)
	sorted.Sort()
	lines := make([]string, len(sorted))
	for i, p := range sorted {
		lines[i] = p.String()
	}
	head := "1 problem"
	if len(ps) != 1 {
		head = fmt.Sprintf("%d problems", len(ps))
	}
	return head + ":\n" + strings.Join(lines, "\n")
}

// Sort orders problems by file (in the order files first appear), then by
// position; problems without a position (about something the file lacks)
// come last in their file, in the order found.
func (ps Problems) Sort() {
	files := map[string]int{}
	for _, p := range ps {
		if _, ok := files[p.File]; !ok {
			files[p.File] = len(files)
		}
	}
	line := func(p Problem) int {
		if p.Line == 0 {
			return int(^uint(0) >> 1)
		}
		return p.Line
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(files[a.File], files[b.File]), cmp.Compare(line(a), line(b)), cmp.Compare(a.Column, b.Column))
	})
}
