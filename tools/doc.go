// Package tools is the action catalogue: every platform action an AI agent
// can call as an LLM tool and a flow can run as an action block — close a
// conversation, assign it, update contact fields, call an HTTP API… One
// implementation serves both callers and knows neither.
//
// An action is declared once, as an Action: its name, its description, a
// typed argument struct (whose JSON Schema is generated, with each limit
// written once, in a tag or a constant), the channels and phases it
// applies to, and its run functions. Register adds it to the registry;
// from then on it is in Names, offered to the AI agents that enable it,
// validated and run in flows (whose parameter tables derive from the same
// struct) and in response rules. A built-in action is one file plus one
// line in builtin.go; a program adds its own with Register before it
// builds its runtime.
package tools
