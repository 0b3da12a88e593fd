package tools

import "encoding/json"

// ActionTaken is an action run on a caller's behalf during a turn — by the
// AI agent (as a tool call), a flow or a response rule — as the
// conversation pipeline reports it to channels and evaluation suites.
type ActionTaken struct {
	Name   string          `json:"name"`
	Args   json.RawMessage `json:"args"`
	Result Result          `json:"result"`
	// ToolCallID is the model's tool-call id, "" when no model asked.
	ToolCallID string `json:"tool_call_id"`
}
