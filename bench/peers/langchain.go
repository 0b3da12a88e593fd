package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/tools"
)

// memContact is a peer's contact: in memory, one per turn.
type memContact struct {
	mu     sync.Mutex
	fields map[string]any
	tags   []string
}

func (c *memContact) check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.fields["budget"].(float64); !ok || v != 150 {
		return fmt.Errorf("budget is %v, want 150 (update_contact_fields did not run)", c.fields["budget"])
	}
	if !slices.Contains(c.tags, "coloration") {
		return fmt.Errorf("tags %v lack coloration (tag_contact did not run)", c.tags)
	}
	return nil
}

type contactKey struct{}

// contactOf is the turn's contact, which the tools act on: the executor
// passes the turn's context to each tool's Call.
func contactOf(ctx context.Context) (*memContact, error) {
	c, ok := ctx.Value(contactKey{}).(*memContact)
	if !ok {
		return nil, fmt.Errorf("no contact in the tool's context")
	}
	return c, nil
}

// updateFieldsTool and tagTool are langchaingo tools (tools.Tool: a name,
// a description, Call with the model's input as text) on the turn's
// in-memory contact; calls counts their executions.
type updateFieldsTool struct{ calls *atomic.Int64 }

func (updateFieldsTool) Name() string { return "update_contact_fields" }
func (updateFieldsTool) Description() string {
	return `Update one or more custom fields of the contact. Input: JSON {"fields":[{"field":"<name or id>","value":<value>}]}.`
}

func (t updateFieldsTool) Call(ctx context.Context, input string) (string, error) {
	c, err := contactOf(ctx)
	if err != nil {
		return "", err
	}
	var args struct {
		Fields []struct {
			Field string `json:"field"`
			Value any    `json:"value"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(input), &args); err != nil || len(args.Fields) == 0 {
		return fmt.Sprintf("invalid input %q: want {\"fields\":[{\"field\":…,\"value\":…}]}", input), nil
	}
	c.mu.Lock()
	for _, f := range args.Fields {
		c.fields[strings.ToLower(f.Field)] = f.Value
	}
	c.mu.Unlock()
	t.calls.Add(1)
	return `{"ok":true,"updated":` + fmt.Sprint(len(args.Fields)) + `}`, nil
}

type tagTool struct{ calls *atomic.Int64 }

func (tagTool) Name() string { return "tag_contact" }
func (tagTool) Description() string {
	return `Add a tag to the contact. Input: JSON {"tag":"<tag name>"}.`
}

func (t tagTool) Call(ctx context.Context, input string) (string, error) {
	c, err := contactOf(ctx)
	if err != nil {
		return "", err
	}
	var args struct {
		Tag string `json:"tag"`
	}
	if err := json.Unmarshal([]byte(input), &args); err != nil || args.Tag == "" {
		return fmt.Sprintf("invalid input %q: want {\"tag\":…}", input), nil
	}
	c.mu.Lock()
	if !slices.Contains(c.tags, args.Tag) {
		c.tags = append(c.tags, args.Tag)
	}
	c.mu.Unlock()
	t.calls.Add(1)
	return `{"ok":true,"tagged":` + fmt.Sprintf("%q", args.Tag) + `}`, nil
}

// langchain is langchaingo's agent loop: the OpenAI functions agent (the
// agent langchaingo provides for tool-calling chat models; it sends the
// tools as OpenAI tools and runs every tool call of a response) in an
// Executor, run with chains.Run, its openai LLM pointed at the scripted
// server. The system message is the salon AI agent's instructions.
type langchain struct {
	exec  *agents.Executor
	calls atomic.Int64
}

func newLangchain(modelURL, instructions string) (*langchain, error) {
	llm, err := openai.New(openai.WithBaseURL(modelURL), openai.WithToken("peers"), openai.WithModel("gpt-4o-mini"))
	if err != nil {
		return nil, err
	}
	l := &langchain{}
	ts := []tools.Tool{updateFieldsTool{&l.calls}, tagTool{&l.calls}}
	ag := agents.NewOpenAIFunctionsAgent(llm, ts, agents.NewOpenAIOption().WithSystemMessage(instructions))
	l.exec = agents.NewExecutor(ag)
	return l, nil
}

func (l *langchain) name() string     { return "langchaingo v0.1.14" }
func (l *langchain) store() string    { return "in memory" }
func (l *langchain) database() string { return "" }
func (l *langchain) close()           {}

func (l *langchain) block(ctx context.Context, turns, concurrency int, m meter) (*blockResult, error) {
	contacts := make([]*memContact, turns)
	for i := range contacts {
		contacts[i] = &memContact{fields: map[string]any{}}
	}
	calls0 := l.calls.Load()
	m.start()
	cpu0 := selfCPU()
	lat, wall, err := drive(ctx, turns, concurrency, func(ctx context.Context, i int) error {
		out, err := chains.Run(context.WithValue(ctx, contactKey{}, contacts[i]), l.exec, visitorMessage)
		if err != nil {
			return err
		}
		if out != finalReply {
			return fmt.Errorf("turn %d: the agent answered %q, want %q", i, out, finalReply)
		}
		return nil
	})
	cpu := selfCPU() - cpu0
	m.stop()
	if err != nil {
		return nil, err
	}
	for i, c := range contacts {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("turn %d: %w", i, err)
		}
	}
	runs := int(l.calls.Load() - calls0)
	if runs != 2*turns {
		return nil, fmt.Errorf("the tools ran %d times in %d turns, want %d", runs, turns, 2*turns)
	}
	return &blockResult{latencies: lat, wall: wall, cpu: cpu, toolRuns: runs}, nil
}
