package lint_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

// corpusCase is one example of testdata/corpus.yaml.
type corpusCase struct {
	Source       string   `yaml:"source"`
	Note         string   `yaml:"note"`
	Actions      []string `yaml:"actions"`
	Instructions string   `yaml:"instructions"`
	Want         []struct {
		Kind  lint.Kind `yaml:"kind"`
		Words string    `yaml:"words"`
	} `yaml:"want"`
}

func loadCorpus(t *testing.T) (good, bad []corpusCase, ws string) {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Good []corpusCase `yaml:"good"`
		Bad  []corpusCase `yaml:"bad"`
	}
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile("testdata/workspace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c.Good, c.Bad, string(w)
}

// caseFile is the corpus workspace with the case's AI agent first, its
// instructions in a literal block; first is the file line of the
// instructions' first line.
func caseFile(ws string, c corpusCase) (file string, first int, all bool) {
	actions := c.Actions
	all = actions == nil
	if all {
		actions = tools.Names()
	}
	var b strings.Builder
	b.WriteString(ws)
	b.WriteString("\nai_agents:\n  - name: Assistante\n")
	fmt.Fprintf(&b, "    actions: [%s]\n", strings.Join(actions, ", "))
	b.WriteString("    instructions: |\n")
	first = strings.Count(b.String(), "\n") + 1
	for _, line := range strings.Split(strings.TrimRight(c.Instructions, "\n"), "\n") {
		b.WriteString("      " + line + "\n")
	}
	b.WriteString("  - name: Agent Facturation\n    instructions: Tu traites la facturation.\n")
	return b.String(), first, all
}

// where returns the line and column of byte off of the instructions, as
// the file caseFile wrote holds them (6 spaces of indentation).
func where(instructions string, first, off int) (int, int) {
	before := instructions[:off]
	line := first + strings.Count(before, "\n")
	col := 7 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return line, col
}

func lintCase(t *testing.T, ws string, c corpusCase) (lint.Findings, string, int, bool) {
	t.Helper()
	file, first, all := caseFile(ws, c)
	f, err := workspace.Parse("case.yaml", []byte(file))
	if err != nil {
		t.Fatalf("the case's workspace does not parse: %v\n%s", err, file)
	}
	var out lint.Findings
	for _, fd := range lint.Workspace(f) {
		if strings.HasPrefix(fd.Path, "ai_agents[1]") || (all && fd.Kind == lint.ActionUnused) {
			continue // the second agent only makes the corpus name an AI agent
		}
		out = append(out, fd)
	}
	return out, file, first, all
}

func TestCorpusGood(t *testing.T) {
	good, _, ws := loadCorpus(t)
	for i, c := range good {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			got, _, _, _ := lintCase(t, ws, c)
			for _, f := range got {
				t.Errorf("a clean example (%s) has a finding: %s\ninstructions: %s", c.Source, f, c.Instructions)
			}
		})
	}
	t.Logf("%d clean examples, no finding", len(good))
}

func TestCorpusBad(t *testing.T) {
	_, bad, ws := loadCorpus(t)
	planted := 0
	for i, c := range bad {
		planted += len(c.Want)
		t.Run(fmt.Sprintf("%d-%s", i, c.Want[0].Kind), func(t *testing.T) {
			got, file, first, _ := lintCase(t, ws, c)
			instr := strings.TrimRight(c.Instructions, "\n") + "\n"
			var left []string
			for _, f := range got {
				left = append(left, fmt.Sprintf("%s %q", f.Kind, f.Words))
			}
			for _, w := range c.Want {
				k := slices.IndexFunc(got, func(f lint.Finding) bool { return f.Kind == w.Kind && f.Words == w.Words })
				if k < 0 {
					t.Errorf("%s %q not found in %q; found: %v", w.Kind, w.Words, c.Instructions, left)
					continue
				}
				f := got[k]
				got = slices.Delete(got, k, k+1)
				left = slices.Delete(left, k, k+1)
				if f.File != "case.yaml" {
					t.Errorf("%s: file %q, want case.yaml", w.Kind, f.File)
				}
				if f.Message == "" || f.Fix == "" {
					t.Errorf("%s: a finding needs a message and a fix: %+v", w.Kind, f)
				}
				if w.Kind == lint.ActionUnused {
					line := 1 + strings.Count(file[:strings.Index(file, "    actions: [")], "\n")
					if f.Line != line {
						t.Errorf("%s: line %d, want the actions' line %d", w.Kind, f.Line, line)
					}
					continue
				}
				if instr[f.Start:f.End] != w.Words {
					t.Errorf("%s: Start..End hold %q, want %q", w.Kind, instr[f.Start:f.End], w.Words)
				}
				line, col := where(instr, first, f.Start)
				if f.Line != line || f.Column != col {
					t.Errorf("%s %q at %d:%d, want %d:%d", w.Kind, w.Words, f.Line, f.Column, line, col)
				}
			}
			for _, f := range got {
				t.Errorf("an unexpected finding: %s", f)
			}
		})
	}
	t.Logf("%d bad examples, %d planted findings", len(bad), planted)
}
