package dsl

import "context"

// Model writes the text of an ai_reply step (body_source ai). Package
// conversation adapts the AI agent's chat model to it, so that flows do
// not depend on the agent.
type Model interface {
	Complete(ctx context.Context, req Completion) (string, error)
}

// Completion is a chat completion request without tools.
type Completion struct {
	// Model names the model; "" for the configured one.
	Model    string
	Messages []ChatMessage
	// Temperature is sent as is, 0 included.
	Temperature float64
	// MaxTokens caps the reply; 0 leaves it to the server.
	MaxTokens int
}

// ChatMessage is one message of a Completion.
type ChatMessage struct {
	Role    string // "system", "user" or "assistant"
	Content string
}
