package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/tools"
)

// Summarizer is the model-backed tools.Summarizer: it summarises the last
// messages of a closing conversation, in its language, and picks its
// closing note.
type Summarizer struct {
	Model Model
}

// Summarize implements tools.Summarizer.
func (s *Summarizer) Summarize(ctx context.Context, req tools.SummaryRequest) (tools.Summary, error) {
	instructions, err := prompts.RenderSummary(prompts.Summary{Language: req.Language, ClosingNotes: req.ClosingNotes})
	if err != nil {
		return tools.Summary{}, err
	}
	var transcript strings.Builder
	for _, m := range req.Messages {
		fmt.Fprintf(&transcript, "%s: %s\n", m.Role, m.Text)
	}
	zero := 0.0
	resp, err := s.Model.Chat(ctx, Request{Temperature: &zero, Messages: []Message{
		{Role: RoleSystem, Content: instructions},
		{Role: RoleUser, Content: transcript.String()},
	}})
	if err != nil {
		return tools.Summary{}, err
	}
	var out tools.Summary
	text := strings.TrimSpace(resp.Content)
	text = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(text, "```json"), "```"), "```")
	if err := json.Unmarshal([]byte(strings.TrimSpace(text)), &out); err != nil || out.Text == "" {
		// Not the JSON asked for: keep the text as the summary.
		return tools.Summary{Text: strings.TrimSpace(resp.Content)}, nil
	}
	return out, nil
}
