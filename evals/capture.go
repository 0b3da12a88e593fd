package evals

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/store"
)

// Capture turns a stored conversation into a case: its visitor messages
// become turns, the actions its AI agent took become expected calls, and
// its final state (contact, conversation, tasks) the expected state — so
// a conversation that went right, or was fixed, becomes a regression test.
// It returns the case and the name of the AI agent that handled it.
func Capture(ctx context.Context, q store.Queries, ws *store.Workspace, conversationID string) (*Case, string, error) {
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
		if !strings.HasPrefix(e.Actor, "ai_agent:") {
			continue
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
		if agentName == "" {
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

// CaptureSuite writes a captured case as a suite file (YAML) for the
// workspace file workspacePath.
func CaptureSuite(c *Case, agentName, workspacePath string) ([]byte, error) {
	s := Suite{Name: "captured", Workspace: workspacePath, Agent: agentName, Cases: []Case{*c}}
	return yaml.MarshalWithOptions(s, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}
