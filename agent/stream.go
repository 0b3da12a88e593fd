package agent

import openai "github.com/sashabaranov/go-openai"

// toolCallAccumulator rebuilds tool calls from streamed deltas. Servers
// differ: OpenAI sends an index on every delta and the id once; some
// OpenAI-compatible servers omit the index, or repeat the id on every
// delta, or send a whole call in one delta. A delta belongs to:
//   - the call with its index, when it has one (and no other id);
//   - else the call with its id, when it has one seen before;
//   - else a new call, when it has a new id or a name;
//   - else the last call (a continuation of its arguments).
type toolCallAccumulator struct {
	calls   []*ToolCall
	byIndex map[int]*ToolCall
	byID    map[string]*ToolCall
}

func (a *toolCallAccumulator) add(d openai.ToolCall) {
	if a.byIndex == nil {
		a.byIndex, a.byID = map[int]*ToolCall{}, map[string]*ToolCall{}
	}
	var c *ToolCall
	switch {
	case d.Index != nil && a.byIndex[*d.Index] != nil && (d.ID == "" || a.byIndex[*d.Index].ID == d.ID):
		c = a.byIndex[*d.Index]
	case d.Index == nil && d.ID != "" && a.byID[d.ID] != nil:
		c = a.byID[d.ID]
	case d.Index != nil || d.ID != "" || d.Function.Name != "" || len(a.calls) == 0:
		c = &ToolCall{}
		a.calls = append(a.calls, c)
		if d.Index != nil {
			a.byIndex[*d.Index] = c
		}
	default:
		c = a.calls[len(a.calls)-1]
	}
	if d.ID != "" && c.ID == "" {
		c.ID = d.ID
		a.byID[d.ID] = c
	}
	if d.Function.Name != "" && c.Name == "" {
		c.Name = d.Function.Name
	}
	c.Arguments += d.Function.Arguments
}

func (a *toolCallAccumulator) result() []ToolCall {
	out := make([]ToolCall, len(a.calls))
	for i, c := range a.calls {
		out[i] = *c
	}
	return out
}
