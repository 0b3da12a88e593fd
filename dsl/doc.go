// Package dsl owns conversation flows: the React-Flow-style format (nodes,
// edges, triggers) in JSON or YAML, its validation with node ids and field
// paths, the interpreter that runs a flow per conversation, the Router
// that puts flows and response rules in front of the AI agent, rendering
// (Mermaid) and path enumeration.
//
// A flow is a graph: nodes of the kinds in [Kinds] joined by edges. Edges
// leave a node through a handle (sourceHandle): none for the next step,
// "error" for a failed step, an option of a choice, true/false or a case
// of a condition. The interpreter walks the graph until a node needs the
// visitor (a question or a choice) or the flow ends; the walk is saved in
// the store after every visitor message (store.FlowRun), so it survives a
// restart.
package dsl
