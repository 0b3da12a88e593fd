package evals

import (
	"embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run.
type Report struct {
	Trials   int            `json:"trials"`
	Started  time.Time      `json:"started"`
	Duration float64        `json:"duration_s"`
	Suites   []*SuiteReport `json:"suites"`
	// PassAt1 and PassHatK average the suites' (k = Trials).
	PassAt1  float64 `json:"pass_at_1"`
	PassHatK float64 `json:"pass_hat_k"`
}

// SuiteReport is a suite's outcome.
type SuiteReport struct {
	Name     string        `json:"name"`
	File     string        `json:"file"`
	Cases    []*CaseReport `json:"cases"`
	PassAt1  float64       `json:"pass_at_1"`
	PassHatK float64       `json:"pass_hat_k"`
	// Coverage lists the flow nodes ("flow/node") and edges
	// ("flow/a->b") the suite went through.
	Coverage []string `json:"coverage,omitempty"`
	// FlowCoverage measures it against each of the suite's flows.
	FlowCoverage []FlowCoverage `json:"flow_coverage,omitempty"`
}

// FlowCoverage is how much of a flow a suite exercised.
type FlowCoverage struct {
	Flow string `json:"flow"`
	// NodeCount and EdgeCount are visited and total.
	NodeCount   [2]int   `json:"nodes"`
	EdgeCount   [2]int   `json:"edges"`
	MissedNodes []string `json:"missed_nodes,omitempty"`
	MissedEdges []string `json:"missed_edges,omitempty"`
}

// CaseReport is a case's outcome over its trials.
type CaseReport struct {
	Name   string         `json:"name"`
	Trials []*TrialResult `json:"trials"`
	// Passes counts the trials that passed.
	Passes int `json:"passes"`
	// PassAt1 is the share of passing trials; PassHatK the chance that k
	// trials all pass (tau-bench's pass^k, k = the number of trials).
	PassAt1  float64 `json:"pass_at_1"`
	PassHatK float64 `json:"pass_hat_k"`
}

// Passed reports whether every trial passed.
func (c *CaseReport) Passed() bool { return c.Passes == len(c.Trials) }

func (r *Report) score() {
	for _, s := range r.Suites {
		seen := map[string]bool{}
		for _, c := range s.Cases {
			c.Passes = 0
			for _, t := range c.Trials {
				if t.Passed {
					c.Passes++
				}
				for _, v := range t.Visited {
					if !seen[v] {
						seen[v] = true
						s.Coverage = append(s.Coverage, v)
					}
				}
			}
			n := len(c.Trials)
			c.PassAt1 = PassHatK(n, c.Passes, 1)
			c.PassHatK = PassHatK(n, c.Passes, n)
			s.PassAt1 += c.PassAt1 / float64(len(s.Cases))
			s.PassHatK += c.PassHatK / float64(len(s.Cases))
		}
		slices.Sort(s.Coverage)
		r.PassAt1 += s.PassAt1 / float64(len(r.Suites))
		r.PassHatK += s.PassHatK / float64(len(r.Suites))
	}
}

// Failed counts the cases with a failing trial.
func (r *Report) Failed() int {
	n := 0
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if !c.Passed() {
				n++
			}
		}
	}
	return n
}

// Text writes the summary table and, for each failed trial, what failed
// and the transcript.
func (r *Report) Text(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SUITE\tCASE\tPASSED\tPASS@1\tPASS^%d\n", r.Trials)
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			mark := "✓"
			if !c.Passed() {
				mark = "✗"
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%d/%d\t%.2f\t%.2f\n", s.Name, mark, c.Name, c.Passes, len(c.Trials), c.PassAt1, c.PassHatK)
		}
		fmt.Fprintf(tw, "%s\t(suite)\t\t%.2f\t%.2f\n", s.Name, s.PassAt1, s.PassHatK)
	}
	tw.Flush()
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			for i, t := range c.Trials {
				if t.Passed {
					continue
				}
				fmt.Fprintf(w, "\n✗ %s › %s (trial %d)\n", s.Name, c.Name, i+1)
				if t.Error != "" {
					fmt.Fprintf(w, "  error: %s\n", t.Error)
				}
				for _, f := range t.Failures {
					fmt.Fprintf(w, "  - %s\n", f)
				}
				if len(t.Transcript) > 0 {
					fmt.Fprintln(w, "  transcript:")
					for _, l := range t.Transcript {
						fmt.Fprintf(w, "    %s\n", l)
					}
				}
			}
		}
		for _, fc := range s.FlowCoverage {
			fmt.Fprintf(w, "\n%s: flow %s — nodes %d/%d, edges %d/%d", s.Name, fc.Flow, fc.NodeCount[0], fc.NodeCount[1],
				fc.EdgeCount[0], fc.EdgeCount[1])
			if len(fc.MissedNodes) > 0 {
				fmt.Fprintf(w, "; never visited: %s", strings.Join(fc.MissedNodes, ", "))
			}
			if len(fc.MissedEdges) > 0 {
				fmt.Fprintf(w, "; never taken: %s", strings.Join(fc.MissedEdges, ", "))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "\n%d cases, %d failed; pass@1 %.2f, pass^%d %.2f (%.1f s)\n", r.cases(), r.Failed(), r.PassAt1, r.Trials, r.PassHatK, r.Duration)
}

func (r *Report) cases() int {
	n := 0
	for _, s := range r.Suites {
		n += len(s.Cases)
	}
	return n
}

// JSON writes the report as JSON (what --baseline reads back).
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JUnit writes the report as JUnit XML: a testsuite per suite, a testcase
// per case (failed if any trial failed).
func (r *Report) JUnit(w io.Writer) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      float64  `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name    `xml:"testsuites"`
		Suites  []testsuite `xml:"testsuite"`
	}
	var out testsuites
	for _, s := range r.Suites {
		ts := testsuite{Name: s.Name, Tests: len(s.Cases)}
		for _, c := range s.Cases {
			tc := testcase{Name: c.Name, Classname: s.Name}
			var b strings.Builder
			for i, t := range c.Trials {
				tc.Time += t.Duration
				if t.Passed {
					continue
				}
				fmt.Fprintf(&b, "trial %d:\n", i+1)
				if t.Error != "" {
					fmt.Fprintf(&b, "  error: %s\n", t.Error)
				}
				for _, f := range t.Failures {
					fmt.Fprintf(&b, "  - %s\n", f)
				}
				for _, l := range t.Transcript {
					fmt.Fprintf(&b, "    %s\n", l)
				}
			}
			if !c.Passed() {
				ts.Failures++
				tc.Failure = &failure{Message: fmt.Sprintf("%d of %d trials failed", len(c.Trials)-c.Passes, len(c.Trials)), Text: b.String()}
			}
			ts.Cases = append(ts.Cases, tc)
		}
		out.Suites = append(out.Suites, ts)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(out)
}

//go:embed report.html.tmpl
var htmlFiles embed.FS

var htmlReport = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"inc": func(i int) int { return i + 1 },
}).ParseFS(htmlFiles, "report.html.tmpl"))

// HTML writes a self-contained HTML report.
func (r *Report) HTML(w io.Writer) error { return htmlReport.Execute(w, r) }

// Flip is a case whose outcome changed since a baseline.
type Flip struct {
	Suite, Case string
	Was, Now    bool // passed
}

func (f Flip) String() string {
	verdict := func(p bool) string {
		if p {
			return "passed"
		}
		return "failed"
	}
	return fmt.Sprintf("%s › %s: %s, now %s", f.Suite, f.Case, verdict(f.Was), verdict(f.Now))
}

// LoadReport reads a JSON report of an earlier run (causerie eval
// --format json), a baseline to Compare with.
func LoadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var base Report
	if err := json.Unmarshal(data, &base); err != nil || base.Suites == nil {
		if err == nil {
			err = errors.New("it has no suites")
		}
		return nil, fmt.Errorf("baseline %s is not a JSON report of causerie eval --format json: %w", path, err)
	}
	return &base, nil
}

// Compare lists the cases whose outcome differs from the baseline report.
// Cases new since then are not flips.
func (r *Report) Compare(base *Report) []Flip {
	was := map[[2]string]bool{}
	for _, s := range base.Suites {
		for _, c := range s.Cases {
			was[[2]string{s.Name, c.Name}] = c.Passed()
		}
	}
	var flips []Flip
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if p, ok := was[[2]string{s.Name, c.Name}]; ok && p != c.Passed() {
				flips = append(flips, Flip{Suite: s.Name, Case: c.Name, Was: p, Now: c.Passed()})
			}
		}
	}
	return flips
}
