package agent

import (
	"context"
	"encoding/json"
	"io"
)

// Model is a chat model that can call tools. One method: the request says
// whether to stream (Request.OnDelta).
type Model interface {
	Chat(ctx context.Context, req Request) (*Response, error)
}

// Transcriber turns an audio file into text.
type Transcriber interface {
	Transcribe(ctx context.Context, audio io.Reader, filename string) (string, error)
}

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one chat message sent to the model.
type Message struct {
	Role    string
	Content string
	// ToolCalls are the calls an assistant message made.
	ToolCalls []ToolCall
	// ToolCallID is the call a tool message answers.
	ToolCallID string
}

// ToolCall is a model's request to run a tool.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text, as the model wrote it (possibly invalid)
}

// Tool describes a tool to the model.
type Tool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // JSON Schema
}

// Request is one chat call.
type Request struct {
	// Model names the model; "" uses the client's default.
	Model    string
	Messages []Message
	Tools    []Tool
	// Temperature, when set, is sent as is — 0 included.
	Temperature *float64
	// MaxTokens caps the reply; 0 leaves it to the server.
	MaxTokens int
	// OnDelta, when set, makes the call stream: it receives reply text as
	// it arrives. The Response still carries the whole reply.
	OnDelta func(text string)
	// ResponseFormat, when set, binds the reply's form (response_format);
	// nil sends none, as ordinary turns do.
	ResponseFormat *ResponseFormat
}

// Response formats (ResponseFormat.Type).
const (
	FormatJSONSchema = "json_schema" // the reply follows Schema
	FormatJSONObject = "json_object" // the reply is a JSON object ("JSON mode")
)

// ResponseFormat asks for a JSON reply: bound by a JSON Schema, or any
// JSON object.
type ResponseFormat struct {
	Type string
	// Name and Schema describe the schema of FormatJSONSchema.
	Name   string
	Schema json.RawMessage
}

// Response is a model's answer: text, tool calls, or both.
type Response struct {
	// ID identifies the model call (the API's completion id).
	ID        string
	Content   string
	ToolCalls []ToolCall
	Usage     Usage
	// FinishReason is the API's: "stop", "tool_calls", "length"…
	FinishReason string
}

// Usage counts a call's tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}
