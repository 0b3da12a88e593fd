package evals

// PassHatK is tau-bench's pass^k for one case: the probability that k
// trials drawn from its n trials, c of which passed, all pass —
// C(c, k) / C(n, k). pass^1 is the pass rate; pass^k falls as k grows
// unless the agent is consistent.
func PassHatK(n, c, k int) float64 {
	if k <= 0 || k > n || c < k {
		return 0
	}
	// C(c,k)/C(n,k) = Π_{i=0}^{k-1} (c-i)/(n-i)
	p := 1.0
	for i := range k {
		p *= float64(c-i) / float64(n-i)
	}
	return p
}
