package evals_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/evals"
)

// BenchmarkReplay1000 replays the example suites' cases, each as many
// times as it takes to make at least 1,000 case runs (fresh workspace
// copy, turns, assertions), in parallel, and reports the wall time of the
// whole run per 1,000 cases.
func BenchmarkReplay1000(b *testing.B) {
	suites := loadExamples(b)
	cases := 0
	for _, s := range suites {
		cases += len(s.Cases)
	}
	trials := (1000 + cases - 1) / cases
	for b.Loop() {
		rep, err := evals.Run(ctx, suites, evals.Options{Mode: evals.Replay, Trials: trials})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Failed() > 0 {
			var out strings.Builder
			rep.Text(&out)
			b.Fatalf("%d cases failed:\n%s", rep.Failed(), out.String())
		}
		b.ReportMetric(rep.Duration*1000/float64(cases*trials), "s/1000-cases")
		b.ReportMetric(float64(cases*trials), "cases")
	}
}
