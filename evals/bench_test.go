package evals_test

import (
	"testing"

	"github.com/causerie/causerie/evals"
)

// BenchmarkReplay1000 replays the example suites' 14 cases 72 times each
// (1,008 case runs: fresh workspace copy, turns, assertions) in parallel,
// and reports the wall time of the whole run.
func BenchmarkReplay1000(b *testing.B) {
	suites := loadExamples(b)
	for b.Loop() {
		rep, err := evals.Run(ctx, suites, evals.Options{Mode: evals.Replay, Trials: 72})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Failed() > 0 {
			b.Fatalf("%d cases failed", rep.Failed())
		}
		b.ReportMetric(rep.Duration, "s/1008-cases")
	}
}
