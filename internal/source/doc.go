// Package source reads the files users write — workspace files, flows in
// JSON or YAML, evaluation suites — into Go values, with one parser
// (github.com/goccy/go-yaml, which reads JSON too) and one kind of
// problem: file:line:column, field path, the flow node concerned, what is
// wrong and what would be valid.
//
// Decode fills a struct by reflection from the syntax tree and collects
// every problem of shape at once (unknown keys with a "did you mean",
// values of the wrong kind, YAML anchors and aliases, nesting too deep)
// instead of stopping at the first. It records where every field path
// is, so that the semantic checks of each package (workspace, dsl,
// evals) report their own problems at the right place with At and
// Missing. It keeps the texts it decoded and the file, so that
// TextPosition places any character of a text — a word inside a block of
// instructions — at its own line and column. The package lives under
// internal because only this module's file formats use it.
package source
