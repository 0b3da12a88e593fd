// Package generate makes flows from what people write: offline, from the
// structured step lists and Mermaid flowcharts of seed 001 (FromSteps,
// FromMermaid, Offline); with a model, from plain language, bound by the
// flow format's JSON Schema and repaired against the validator and the
// workspace (Generator). Every draft, however it was made, goes through
// Finish: readable unique ids, an exit on every waiting step, every path
// reaching an end, triggers, and a left-to-right layout — never left to
// the model.
package generate

// FinishOptions tune Finish.
type FinishOptions struct {
	// Lang is the flow's language ("fr", "en") for the texts Finish adds
	// (an exit's message, an end's goodbye).
	Lang string
	// Keywords become the trigger's keywords when the draft has none.
	Keywords []string
}
