package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says what a finding costs: an error is an instruction that
// will fail (an unknown name, an action that is not enabled, a scheduled
// action); a warning one that makes the agent unpredictable; an info
// something to look at.
type Severity string

// The severities, most serious first.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Finding is one problem of a text. Its position is that of the quoted
// words in the file (inside the YAML block scalar); Start and End are
// their byte offsets in the text itself, for an editor that underlines
// them.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	// Path is the field path of the text: ai_agents[0].instructions,
	// response_rules[2].reply, nodes[3].data.text.
	Path string `json:"path"`
	// Subject names what the text belongs to: AI agent "Assistante Salon".
	Subject string `json:"subject,omitempty"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	// Words are the words of the text the finding is about, as written.
	Words string `json:"words"`
	// Message says what is wrong and why (seed 002's rule).
	Message string `json:"message"`
	// Fix says what to write instead.
	Fix string `json:"fix"`
	// Suggestions are the nearest valid names, closest first.
	Suggestions []string `json:"suggestions,omitempty"`
}

// String formats the finding as
// file:line:col: error unknown-team: "@Ventes": message; fix.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", f.Line, f.Column)
		}
		b.WriteString(": ")
	} else if f.Path != "" {
		b.WriteString(f.Path)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", f.Line, f.Column)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s %s: ", f.Severity, f.Kind)
	if f.Words != "" {
		fmt.Fprintf(&b, "%q: ", oneLine(f.Words))
	}
	b.WriteString(f.Message)
	if f.Fix != "" {
		b.WriteString("; " + f.Fix)
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "…"
	}
	return s
}

// Findings are the findings of one lint, in file order.
type Findings []Finding

// Count returns how many findings have severity s.
func (fs Findings) Count(s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Fails reports whether the findings fail a check: any error, or with
// strict any warning too.
func (fs Findings) Fails(strict bool) bool {
	return fs.Count(Error) > 0 || (strict && fs.Count(Warning) > 0)
}

// Summary is "2 errors, 1 warning, 3 infos" (or "no findings").
func (fs Findings) Summary() string {
	if len(fs) == 0 {
		return "no findings"
	}
	var parts []string
	for _, s := range []Severity{Error, Warning, Info} {
		n := fs.Count(s)
		if n == 0 {
			continue
		}
		word := string(s)
		if n > 1 {
			word += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, word))
	}
	return strings.Join(parts, ", ")
}

func (fs Findings) sort() {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Severity.rank(), b.Severity.rank()))
	})
}
