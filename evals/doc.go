// Package evals owns evaluation suites: the suite format (transcripts with
// expected actions, state and replies), the runner, assertions,
// record/replay of model traffic, pass^k, and the reports CI reads.
package evals
