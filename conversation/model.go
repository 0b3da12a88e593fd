package conversation

import (
	"context"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/dsl"
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
