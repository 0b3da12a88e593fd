package tools

import (
	"encoding/json"
	"fmt"
)

// Result is what an action returns to its caller — as JSON, to the model
// that called it as a tool. A failure is a Result too (OK false, with a
// code and the valid options), so that the model can correct itself; Go
// errors are kept for infrastructure failures.
type Result struct {
	OK      bool           `json:"ok"`
	Message string         `json:"message"`
	Error   *Failure       `json:"error,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	// Replayed is set when the result was recorded by an earlier execution
	// with the same idempotency key; nothing was done again.
	Replayed bool `json:"replayed,omitempty"`
}

// Failure says why an action failed, in a form a model can act on.
type Failure struct {
	Code  string   `json:"code"`
	Valid []string `json:"valid,omitempty"`
}

// Failure codes.
const (
	CodeUnknownAction        = "unknown_action"
	CodeNotAvailable         = "not_available" // not on this channel, or not in this phase
	CodeNotAllowed           = "not_allowed"   // outside what the workspace lets an AI agent do
	CodeInvalidArguments     = "invalid_arguments"
	CodeNoConversation       = "no_conversation"
	CodeNoContact            = "no_contact"
	CodeUnknownNote          = "unknown_closing_note"
	CodeUnknownTeam          = "unknown_team"
	CodeUnknownUser          = "unknown_user"
	CodeUnknownAIAgent       = "unknown_ai_agent"
	CodeUnknownField         = "unknown_field"
	CodeInvalidValue         = "invalid_value"
	CodeUnknownStage         = "unknown_stage"
	CodeUnknownTag           = "unknown_tag"
	CodeSingleTeam           = "round_robin_single_team"
	CodeNobodyAvailable      = "nobody_available"
	CodeInProgress           = "in_progress"
	CodeNotConfigured        = "not_configured"
	CodeBlocked              = "blocked"
	CodeHTTPSRequired        = "https_required"
	CodeTimeout              = "timeout"
	CodeRequestFailed        = "request_failed"
	CodeSendFailed           = "send_failed"
	CodeInternal             = "internal_error"
	CodeUnknownKnowledgeBase = "unknown_knowledge_base"
)

// internal is the failure for a storage error inside an action: the action
// is rolled back and the model told it did not happen.
func internal(what string, err error) Result {
	return Failf(CodeInternal, nil, "%s failed inside Causerie (%v); nothing was changed", what, err)
}

// Ok is a successful result.
func Ok(message string, data map[string]any) Result {
	return Result{OK: true, Message: message, Data: data}
}

// Fail is a failed result; valid lists what would have been accepted.
func Fail(code, message string, valid ...string) Result {
	return Result{Message: message, Error: &Failure{Code: code, Valid: valid}}
}

// Failf is Fail with a formatted message.
func Failf(code string, valid []string, format string, args ...any) Result {
	return Fail(code, fmt.Sprintf(format, args...), valid...)
}

// JSON is the result as the model reads it.
func (r Result) JSON() string {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf(`{"ok":false,"message":%q}`, err.Error())
	}
	return string(b)
}
