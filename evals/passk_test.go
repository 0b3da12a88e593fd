package evals_test

import (
	"math"
	"testing"

	"github.com/causerie/causerie/evals"
)

// Hand-worked values of pass^k = C(c,k)/C(n,k).
func TestPassHatK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, c, k int
		want    float64
	}{
		{4, 3, 1, 0.75},        // pass@1: 3 of 4
		{4, 3, 2, 0.5},         // C(3,2)/C(4,2) = 3/6
		{4, 3, 3, 0.25},        // C(3,3)/C(4,3) = 1/4
		{4, 3, 4, 0},           // one failure: never 4 in a row
		{5, 5, 5, 1},           // all pass
		{8, 4, 2, 6.0 / 28},    // C(4,2)/C(8,2)
		{10, 7, 3, 35.0 / 120}, // C(7,3)/C(10,3)
		{3, 0, 1, 0},
		{3, 2, 0, 0}, // k out of range
		{3, 2, 4, 0},
	} {
		if got := evals.PassHatK(tc.n, tc.c, tc.k); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("PassHatK(%d, %d, %d) = %v, want %v", tc.n, tc.c, tc.k, got, tc.want)
		}
	}
}
