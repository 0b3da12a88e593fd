// Package dsl owns conversation flows: the React-Flow-style JSON format
// (nodes, edges, triggers), its validation with node ids and field paths,
// the interpreter that runs a flow per conversation, rendering (Mermaid),
// path enumeration and generation from a plain-language description.
package dsl
