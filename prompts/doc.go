// Package prompts owns the prompt templates (embedded text/template files,
// never string literals in Go code) and the model of an admin's prose
// instructions that they render.
package prompts
