package conversation

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
)

// completer lets flows' ai_reply steps use the AI agents' chat model.
type completer struct{ m agent.Model }

func (c completer) Complete(ctx context.Context, req dsl.Completion) (string, error) {
	msgs := make([]agent.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = agent.Message{Role: m.Role, Content: m.Content}
	}
	temp := req.Temperature
	resp, err := c.m.Chat(ctx, agent.Request{Model: req.Model, Messages: msgs, Temperature: &temp, MaxTokens: req.MaxTokens})
	if err != nil {
		return "", err
	}
	return resp.Content, nil
}

// FlowGenerator lets flow generation (dsl/generate) use a chat model: a
// request's response format goes as response_format, and an endpoint
// that refuses it (400) is reported as generate.ErrFormatUnsupported, so
// that the generator tries the next format.
func FlowGenerator(m agent.Model) generate.Model { return flowGenerator{m} }

type flowGenerator struct{ m agent.Model }

func (g flowGenerator) Complete(ctx context.Context, req generate.Request) (string, error) {
	msgs := make([]agent.Message, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = agent.Message{Role: m.Role, Content: m.Content}
	}
	zero := 0.0
	areq := agent.Request{Messages: msgs, Temperature: &zero}
	switch req.Format {
	case generate.FormatJSONSchema:
		areq.ResponseFormat = &agent.ResponseFormat{Type: agent.FormatJSONSchema, Name: "flow", Schema: req.Schema}
	case generate.FormatJSONMode:
		areq.ResponseFormat = &agent.ResponseFormat{Type: agent.FormatJSONObject}
	}
	resp, err := g.m.Chat(ctx, areq)
	var ce *agent.CallError
	if err != nil && areq.ResponseFormat != nil && errors.As(err, &ce) && (ce.Status == http.StatusBadRequest || ce.Status == http.StatusUnprocessableEntity) {
		return "", fmt.Errorf("%w (%s): %w", generate.ErrFormatUnsupported, req.Format, err)
	}
	if err != nil {
		return "", err
	}
	return resp.Content, nil
}
