package evals_test

import (
	"context"
	"fmt"

	"github.com/causerie/causerie/evals"
)

// Replaying an evaluation suite: each case's model traffic comes from its
// cassette (none is needed here: the salon's booking flow answers without
// a model), every trial runs on a fresh copy of the workspace, and the
// report scores the cases and the flow's coverage.
func Example() {
	suite, err := evals.Load("../examples/salon/evals/flows.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := evals.Run(context.Background(), []*evals.Suite{suite}, evals.Options{Mode: evals.Replay, Parallel: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Suites[0].Cases {
		fmt.Printf("%s: %d/%d\n", c.Name, c.Passes, len(c.Trials))
	}
	cov := rep.Suites[0].FlowCoverage[0]
	fmt.Printf("%s: nodes %d/%d, edges %d/%d; %d failed\n", cov.Flow, cov.NodeCount[0], cov.NodeCount[1],
		cov.EdgeCount[0], cov.EdgeCount[1], rep.Failed())
	// Output:
	// coupe, de bout en bout: 1/1
	// coloration, avec étiquette: 1/1
	// date incomprise → l'équipe de planification: 1/1
	// le visiteur annule: 1/1
	// prise-de-rendez-vous: nodes 13/14, edges 13/15; 0 failed
}
