package evals

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/store"
)

// Captured is a stored conversation turned into a case, with what the
// case needs to run elsewhere: the flows it went through and the
// knowledge of its AI agent.
type Captured struct {
	Case *Case
	// Agent is the AI agent that had the conversation.
	Agent string
	// Flows are the stored flows the conversation went through.
	Flows []*store.Flow
	// Knowledge holds, by knowledge base name, the documents of the AI
	// agent's knowledge bases, as text.
	Knowledge map[string][]CapturedDocument
}

// CapturedDocument is a knowledge document written back out from its
// chunks.
type CapturedDocument struct {
	Source string
	Text   string
}

// Capture turns a stored conversation into a case: its visitor messages
// become turns, the actions taken (by the AI agent, flows, rules) become
// expected calls, and its final state (contact, conversation, tasks) the
// expected state — so a conversation that went right, or was fixed,
// becomes a regression test. It also gathers the flows and knowledge the
// case needs (see Captured.Write).
func Capture(ctx context.Context, q store.Queries, ws *store.Workspace, conversationID string) (*Captured, error) {
	c, agentName, err := captureCase(ctx, q, ws, conversationID)
	if err != nil {
		return nil, err
	}
	out := &Captured{Case: c, Agent: agentName, Knowledge: map[string][]CapturedDocument{}}
	started, err := q.ListEvents(ctx, ws.ID, store.EventFilter{ConversationID: conversationID, Type: "flow.started"})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range started {
		var p struct {
			Flow string `json:"flow"`
		}
		if json.Unmarshal(e.Payload, &p) != nil || p.Flow == "" || seen[p.Flow] {
			continue
		}
		seen[p.Flow] = true
		f, err := q.GetFlowByKey(ctx, ws.ID, p.Flow)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since: the case will say what it misses
		}
		if err != nil {
			return nil, err
		}
		out.Flows = append(out.Flows, f)
	}
	agents, err := q.ListAIAgents(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	kbs, err := q.ListKnowledgeBases(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	for _, ag := range agents {
		if ag.Name != agentName {
			continue
		}
		for _, kb := range kbs {
			if !slices.Contains(ag.KnowledgeBaseIDs, kb.ID) {
				continue
			}
			docs, err := q.ListDocuments(ctx, ws.ID, kb.ID)
			if err != nil {
				return nil, err
			}
			for _, d := range docs {
				chunks, err := q.ListChunks(ctx, ws.ID, d.ID)
				if err != nil {
					return nil, err
				}
				out.Knowledge[kb.Name] = append(out.Knowledge[kb.Name], CapturedDocument{Source: d.Source, Text: documentText(d, chunks)})
			}
		}
	}
	return out, nil
}

// documentText writes a document back as Markdown from its chunks: its
// title, each new heading, the passages.
func documentText(d *store.Document, chunks []*store.Chunk) string {
	var b strings.Builder
	if d.Title != "" {
		fmt.Fprintf(&b, "# %s\n\n", d.Title)
	}
	heading := ""
	for _, c := range chunks {
		if c.HeadingPath != heading && c.HeadingPath != "" {
			parts := strings.Split(c.HeadingPath, " > ")
			fmt.Fprintf(&b, "## %s\n\n", parts[len(parts)-1])
		}
		heading = c.HeadingPath
		b.WriteString(strings.TrimSpace(c.Text))
		b.WriteString("\n\n")
	}
	return b.String()
}

// Write writes the captured case as a suite at path for the workspace
// file workspaceFile (relative to the suite), its flows under flows/ and
// its knowledge under knowledge/<base>/ next to it, and returns the files
// it wrote.
func (c *Captured) Write(path, workspaceFile string) ([]string, error) {
	dir := filepath.Dir(path)
	s := Suite{Name: "captured", Workspace: workspaceFile, Agent: c.Agent, Cases: []Case{*c.Case}}
	var written []string
	write := func(rel string, data []byte) error {
		full := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return err
		}
		written = append(written, full)
		return nil
	}
	for _, f := range c.Flows {
		rel := filepath.Join("flows", safeName(f.Key)+".json")
		var doc bytes.Buffer
		if err := json.Indent(&doc, f.Document, "", "  "); err != nil {
			return nil, fmt.Errorf("flow %s: %w", f.Key, err)
		}
		if err := write(rel, append(doc.Bytes(), '\n')); err != nil {
			return nil, err
		}
		s.Flows = append(s.Flows, filepath.ToSlash(rel))
	}
	names := make([]string, 0, len(c.Knowledge))
	for kb := range c.Knowledge {
		names = append(names, kb)
	}
	slices.Sort(names)
	for _, kb := range names {
		for _, d := range c.Knowledge[kb] {
			rel := filepath.Join("knowledge", safeName(kb), safePath(d.Source))
			if ext := filepath.Ext(rel); ext != ".md" && ext != ".txt" {
				rel += ".md"
			}
			if err := write(rel, []byte(d.Text)); err != nil {
				return nil, err
			}
			if s.Knowledge == nil {
				s.Knowledge = map[string][]string{}
			}
			s.Knowledge[kb] = append(s.Knowledge[kb], filepath.ToSlash(rel))
		}
	}
	data, err := yaml.MarshalWithOptions(s, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, err
	}
	return append([]string{path}, written...), nil
}

var unsafeChars = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// safeName is a name as one path element.
func safeName(s string) string {
	s = strings.Trim(unsafeChars.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "unnamed"
	}
	return s
}

// safePath keeps a source's folders but nothing that climbs out.
func safePath(source string) string {
	var parts []string
	for _, p := range strings.Split(filepath.ToSlash(source), "/") {
		if p == "" || p == "." || p == ".." {
			continue
		}
		parts = append(parts, safeName(p))
	}
	if len(parts) == 0 {
		return "document"
	}
	return filepath.Join(parts...)
}

func captureCase(ctx context.Context, q store.Queries, ws *store.Workspace, conversationID string) (*Case, string, error) {
	conv, err := q.GetConversation(ctx, ws.ID, conversationID)
	if err != nil {
		return nil, "", err
	}
	n, err := loadNames(ctx, q, ws)
	if err != nil {
		return nil, "", err
	}
	msgs, err := q.ListMessages(ctx, ws.ID, conv.ID, store.MessageFilter{})
	if err != nil {
		return nil, "", err
	}
	contact, err := q.GetContact(ctx, ws.ID, conv.ContactID)
	if err != nil {
		return nil, "", err
	}
	c := &Case{Name: "captured " + conv.ID}
	c.Setup.Contact = ContactSetup{Name: contact.Name, Email: contact.Email, Phone: contact.Phone}
	agentName := ""
	for _, m := range msgs {
		switch m.Role {
		case store.RoleVisitor:
			if strings.TrimSpace(m.Text) != "" {
				c.Turns = append(c.Turns, Turn{Visitor: m.Text})
			}
		case store.RoleAIAgent:
			if agentName == "" {
				agentName = n.describe(store.Assignee{Type: store.AssigneeAIAgent, ID: m.AuthorID}).AIAgent
			}
		}
	}
	if len(c.Turns) == 0 {
		return nil, "", fmt.Errorf("conversation %s has no visitor message to replay", conv.ID)
	}
	events, err := q.ListEvents(ctx, ws.ID, store.EventFilter{ConversationID: conv.ID, Type: "action.executed"})
	if err != nil {
		return nil, "", err
	}
	count := map[string]int{}
	for _, e := range events {
		if strings.HasPrefix(e.Actor, "user:") {
			continue // a human's action is not the runtime's to replay
		}
		var a struct {
			Action string         `json:"action"`
			Args   map[string]any `json:"args"`
			Result struct {
				OK bool `json:"ok"`
			} `json:"result"`
		}
		if json.Unmarshal(e.Payload, &a) != nil || a.Action == "" {
			continue
		}
		ok := a.Result.OK
		c.Expect.Actions.Called = append(c.Expect.Actions.Called, ActionMatch{Tool: a.Action, Args: withoutActionType(a.Args), OK: &ok})
		if ok {
			c.Expect.Actions.Order = append(c.Expect.Actions.Order, a.Action)
			count[a.Action]++
		}
		if agentName == "" && strings.HasPrefix(e.Actor, "ai_agent:") {
			agentName = n.describe(store.Assignee{Type: store.AssigneeAIAgent, ID: strings.TrimPrefix(e.Actor, "ai_agent:")}).AIAgent
		}
	}
	if len(count) > 0 {
		c.Expect.Actions.Count = count
	}
	if agentName == "" {
		return nil, "", fmt.Errorf("no AI agent took part in conversation %s: nothing to evaluate", conv.ID)
	}
	cs := &ContactState{Email: contact.Email, Phone: contact.Phone, Stage: n.stageName(contact.LifecycleStageID), Fields: contact.Fields}
	if len(contact.Tags) > 0 {
		cs.Tags = slices.Clone(contact.Tags)
	}
	c.Expect.State.Contact = cs
	who := n.describe(conv.Assignee)
	c.Expect.State.Conversation = &ConversationState{Status: string(conv.Status), Assignee: &who, ClosingNote: n.noteName(conv.ClosingNoteID)}
	tasks, err := q.ListTasks(ctx, ws.ID, store.TaskFilter{ContactID: contact.ID})
	if err != nil {
		return nil, "", err
	}
	c.Expect.State.Tasks = []TaskState{}
	for _, t := range tasks {
		ts := TaskState{Title: t.Title, Priorite: string(t.Priority)}
		if !t.Assignee.IsZero() {
			a := n.describe(t.Assignee)
			ts.Assignation = &a
		}
		c.Expect.State.Tasks = append(c.Expect.State.Tasks, ts)
	}
	return c, agentName, nil
}

func withoutActionType(args map[string]any) map[string]any {
	delete(args, "action_type")
	if len(args) == 0 {
		return nil
	}
	return args
}
