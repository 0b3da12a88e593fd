package dsl

import (
	"encoding/json"
	"slices"

	"github.com/causerie/causerie/internal/source"
)

// Flow is a flow document.
type Flow struct {
	// ID is the flow's stable key in its workspace ("prise-de-rendez-vous").
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled,omitempty"`
	// Priority orders flows whose triggers match the same message: the
	// highest wins (default 0; ties by id).
	Priority int       `json:"priority,omitempty"`
	Triggers []Trigger `json:"triggers,omitempty"`
	// Variables are the flow's variables with their initial values.
	Variables map[string]any `json:"variables,omitempty"`
	// ExitWords leave the flow when they are the visitor's whole message;
	// empty uses the router's (stop, annuler, quitter…).
	ExitWords []string `json:"exit_words,omitempty"`
	// ExitMessage is sent when the visitor leaves; "" uses the default of
	// the workspace's language.
	ExitMessage string `json:"exit_message,omitempty"`
	// FallbackMessage is sent when a step fails and has no error edge.
	FallbackMessage string `json:"fallback_message,omitempty"`
	// Start is the first node; "" means the first node that no edge
	// enters.
	Start string `json:"start,omitempty"`
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`

	// src locates parsed values for problems (see Parse); nil for a flow
	// built in Go.
	src *source.Decoder
}

// IsEnabled reports whether the flow is on (the default).
func (f *Flow) IsEnabled() bool { return f.Enabled == nil || *f.Enabled }

// Trigger starts a flow when a visitor's message matches one of its
// keywords.
type Trigger struct {
	Keywords []string `json:"keywords"`
	// Match is contains (default: the keyword's words appear in order),
	// exact (the whole message) or regex. All ignore case and accents.
	Match string `json:"match,omitempty"`
	// Except lists words that stop the trigger when the message has them
	// (« annuler » on a booking flow), whatever the keywords.
	Except []string `json:"except,omitempty"`
}

// Match modes of triggers and response rules.
const (
	MatchContains = "contains"
	MatchExact    = "exact"
	MatchRegex    = "regex"
)

// MatchModes lists the valid match modes.
var MatchModes = []string{MatchContains, MatchExact, MatchRegex}

// Node is one step, as a React-Flow node.
type Node struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Position Position `json:"position"`
	Data     NodeData `json:"data"`
}

// Position is where the editor draws the node.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// NodeData is what the node does: its label for people, and Parameters
// for the interpreter (see the Kind tables in params.go).
type NodeData struct {
	Label       string         `json:"label,omitempty"`
	Subtitle    string         `json:"subtitle,omitempty"`
	Channel     string         `json:"channel,omitempty"`
	Description string         `json:"description,omitempty"`
	Parameters  map[string]any `json:"parameters,omitempty"`
}

// Edge joins two nodes. SourceHandle says which way out of the source it
// is: "" for the next step, "error", a choice option, "true"/"false" or a
// condition case.
type Edge struct {
	ID           string `json:"id"`
	Source       string `json:"source"`
	SourceHandle string `json:"sourceHandle,omitempty"`
	Target       string `json:"target"`
	Label        string `json:"label,omitempty"`
}

// Node kinds (Node.Type).
const (
	KindMessage     = "message"
	KindQuestion    = "question"
	KindChoice      = "choice"
	KindCondition   = "condition"
	KindSetVariable = "set_variable"
	KindAction      = "action"
	KindAIReply     = "ai_reply"
	KindHandoff     = "handoff"
	KindEnd         = "end"
)

// Kinds lists the node kinds, in the order an editor shows them:
// interaction, logic, contact and actions.
var Kinds = []string{KindMessage, KindQuestion, KindChoice, KindCondition, KindSetVariable, KindAction, KindAIReply,
	KindHandoff, KindEnd}

// Handles with a meaning of their own.
const (
	HandleError = "error" // a failed action, or a question still unanswered after its retries
	HandleTrue  = "true"
	HandleFalse = "false"
	HandleElse  = "else"
)

// defaultHandles are the names that mean "the next step".
var defaultHandles = []string{"", "next", "default", "success", "out"}

func isDefaultHandle(h string) bool { return slices.Contains(defaultHandles, h) }

// JSON is the flow as a JSON document, as the store keeps it.
func (f *Flow) JSON() []byte {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil { // only for parameter values JSON cannot hold, which Parse never makes
		return []byte("{}")
	}
	return b
}

// TextPosition returns the file, line and column of byte offset of the
// text at path (nodes[2].data.parameters.text), for tools that point
// inside a text; false for a flow built in Go.
func (f *Flow) TextPosition(path string, offset int) (file string, line, col int, ok bool) {
	if f.src == nil {
		return "", 0, 0, false
	}
	line, col, ok = f.src.TextPosition(path, offset)
	return f.src.File(), line, col, ok
}
