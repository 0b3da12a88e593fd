package dsl

import (
	"context"
	"fmt"

	"github.com/causerie/causerie/tools"
)

// Simulation is an Env without a store: messages go to OnSay, actions are
// not executed (OnAct sees them; they succeed unless their node is in
// Fail), and ai_reply steps say AIText. `causerie flow run` walks flows
// with it, and the interpreter's benchmark measures steps with it.
type Simulation struct {
	// Lang is the language of default texts ("fr", "en").
	Lang string
	// Country reads phone numbers written without +, as the workspace's
	// default_country does ("FR").
	Country string
	// Contact is {{contact.…}}.
	Contact map[string]any
	// Fail lists node ids whose action (or AI reply) fails, to walk error
	// edges.
	Fail map[string]bool
	// AIText is what ai_reply steps with body_source ai write.
	AIText string
	// Input is the visitor's last message ({{message.text}}).
	Input string
	OnSay func(n *Node, text string)
	OnAct func(n *Node, action string, args map[string]any)

	ctx map[string]any
}

// Context implements Env.
func (s *Simulation) Context(context.Context) (map[string]any, error) {
	if s.ctx == nil {
		contact := s.Contact
		if contact == nil {
			contact = map[string]any{"name": "Camille", "email": "camille@example.fr", "phone": "", "tags": []any{}}
		}
		s.ctx = map[string]any{
			"contact":      contact,
			"conversation": map[string]any{"id": "conv_simulated", "channel": "cli", "status": "open"},
			"workspace":    map[string]any{"name": "Simulation", "slug": "simulation", "language": s.Lang, "default_country": s.Country},
			"message":      map[string]any{"text": ""},
		}
	}
	s.ctx["message"].(map[string]any)["text"] = s.Input
	return s.ctx, nil
}

// Language implements Env.
func (s *Simulation) Language() string { return s.Lang }

// FallbackText implements Env: a simulation has the default texts.
func (s *Simulation) FallbackText() string { return "" }

// Say implements Env.
func (s *Simulation) Say(_ context.Context, n *Node, text string, _ map[string]any) error {
	if s.OnSay != nil {
		s.OnSay(n, text)
	}
	return nil
}

// Act implements Env: nothing is executed.
func (s *Simulation) Act(_ context.Context, n *Node, _, action string, args map[string]any, _ map[string]any) (tools.Result, error) {
	if s.OnAct != nil {
		s.OnAct(n, action, args)
	}
	if n != nil && s.Fail[n.ID] {
		return tools.Fail(tools.CodeRequestFailed, fmt.Sprintf("%s failed (simulated)", action)), nil
	}
	// Keep the simulated contact in step, for {{contact.…}} later on.
	if contact, ok := s.ctx["contact"].(map[string]any); ok {
		switch action {
		case tools.UpdateContactFields:
			list, _ := args["fields"].([]any)
			for _, f := range list {
				if m, ok := f.(map[string]any); ok {
					if k, ok := m["field"].(string); ok {
						contact[k] = m["value"]
					}
				}
			}
		case tools.TagContact:
			tags, _ := contact["tags"].([]any)
			contact["tags"] = append(tags, args["tag"])
		}
	}
	return tools.Ok(action+" (simulated)", nil), nil
}

// Generate implements Env.
func (s *Simulation) Generate(_ context.Context, n *Node, _ AIRequest) (string, error) {
	if n != nil && s.Fail[n.ID] {
		return "", fmt.Errorf("simulated failure")
	}
	if s.AIText == "" {
		return "(an AI reply would be written here)", nil
	}
	return s.AIText, nil
}

// Record implements Env: a simulation keeps nothing.
func (s *Simulation) Record(context.Context, *Node, string, map[string]any) error { return nil }
