// Package generate makes flows from what people write: offline, from the
// structured step lists and Mermaid flowcharts of seed 001 (FromSteps,
// FromMermaid, Offline); with a model, from plain language, bound by the
// flow format's JSON Schema and repaired against the validator and the
// workspace (Generator). Every draft, however it was made, goes through
// Finish: readable unique ids, an exit on every waiting step, every path
// reaching an end, triggers, and a left-to-right layout — never left to
// the model.
package generate

import (
	"errors"

	"github.com/causerie/causerie/dsl"
)

// FinishOptions tune Finish.
type FinishOptions struct {
	// Lang is the flow's language ("fr", "en") for the texts Finish adds
	// (an exit's message, an end's goodbye).
	Lang string
	// Keywords become the trigger's keywords when the draft has none.
	Keywords []string
}

// errTODO marks the contract until the package is implemented.
var errTODO = errors.New("generate: not implemented yet")

// Finish makes a draft flow deterministic and ready for an editor (see
// the package doc); it returns an error listing what it could not fix.
func Finish(f *dsl.Flow, o FinishOptions) error { return errTODO }

// Offline generates a flow from a structured description — a step list
// (French or English, numbered or bulleted) or a Mermaid flowchart —
// without a model. A description it cannot map gets an error that says
// which line and why, and suggests the model path.
func Offline(name, text, lang string) (*dsl.Flow, error) { return nil, errTODO }
