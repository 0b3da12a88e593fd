package evals

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// names resolves a workspace's names for setups and expectations.
type names struct {
	ws       *store.Workspace
	users    []*store.User
	teams    []*store.Team
	agents   []*store.AIAgent
	stages   []*store.LifecycleStage
	notes    []*store.Label
	fields   []*store.ContactField
	kbs      []*store.KnowledgeBase
	docNames map[string]string // document ID → source file name
}

func loadNames(ctx context.Context, q store.Queries, ws *store.Workspace) (*names, error) {
	n := &names{ws: ws, docNames: map[string]string{}}
	var err error
	if n.users, err = q.ListUsers(ctx, ws.ID); err != nil {
		return nil, err
	}
	if n.teams, err = q.ListTeams(ctx, ws.ID); err != nil {
		return nil, err
	}
	if n.agents, err = q.ListAIAgents(ctx, ws.ID); err != nil {
		return nil, err
	}
	if n.stages, err = q.ListLifecycleStages(ctx, ws.ID); err != nil {
		return nil, err
	}
	if n.notes, err = q.ListLabels(ctx, ws.ID, store.ClosingNote); err != nil {
		return nil, err
	}
	if n.fields, err = q.ListContactFields(ctx, ws.ID); err != nil {
		return nil, err
	}
	if n.kbs, err = q.ListKnowledgeBases(ctx, ws.ID); err != nil {
		return nil, err
	}
	for _, kb := range n.kbs {
		docs, err := q.ListDocuments(ctx, ws.ID, kb.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			n.docNames[d.ID] = d.Source
		}
	}
	return n, nil
}

func (n *names) agent(name string) (*store.AIAgent, error) {
	var all []string
	for _, a := range n.agents {
		if a.Name == name {
			return a, nil
		}
		all = append(all, a.Name)
	}
	return nil, fmt.Errorf("the workspace has no AI agent %q; its AI agents: %s", name, suggest.List(suggest.Nearest(name, all), 10))
}

func (n *names) stage(name string) (string, error) {
	var all []string
	for _, s := range n.stages {
		if s.Name == name {
			return s.ID, nil
		}
		all = append(all, s.Name)
	}
	return "", fmt.Errorf("no lifecycle stage %q; stages: %s", name, suggest.List(all, 20))
}

func (n *names) stageName(id string) string {
	for _, s := range n.stages {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}

func (n *names) noteName(id string) string {
	for _, l := range n.notes {
		if l.ID == id {
			return l.Name
		}
	}
	return ""
}

// assignee resolves an Assignee to the store's.
func (n *names) assignee(a *Assignee) (store.Assignee, error) {
	switch {
	case a == nil || a.None:
		return store.Assignee{}, nil
	case a.User != "":
		for _, u := range n.users {
			if u.Name == a.User || u.Email == a.User {
				return store.Assignee{Type: store.AssigneeUser, ID: u.ID}, nil
			}
		}
		return store.Assignee{}, fmt.Errorf("no user %q (by name or email)", a.User)
	case a.Team != "":
		for _, t := range n.teams {
			if t.Name == a.Team {
				return store.Assignee{Type: store.AssigneeTeam, ID: t.ID}, nil
			}
		}
		return store.Assignee{}, fmt.Errorf("no team %q", a.Team)
	default:
		ag, err := n.agent(a.AIAgent)
		if err != nil {
			return store.Assignee{}, err
		}
		return store.Assignee{Type: store.AssigneeAIAgent, ID: ag.ID}, nil
	}
}

// describe names a store assignee as a suite writes it.
func (n *names) describe(a store.Assignee) Assignee {
	switch a.Type {
	case store.AssigneeUser:
		for _, u := range n.users {
			if u.ID == a.ID {
				return Assignee{User: u.Name}
			}
		}
	case store.AssigneeTeam:
		for _, t := range n.teams {
			if t.ID == a.ID {
				return Assignee{Team: t.Name}
			}
		}
	case store.AssigneeAIAgent:
		for _, ag := range n.agents {
			if ag.ID == a.ID {
				return Assignee{AIAgent: ag.Name}
			}
		}
	}
	return Assignee{None: true}
}

// applySetup creates the case's contact and conversation (handled by ag
// unless the setup says otherwise) and its earlier messages.
func applySetup(ctx context.Context, rt *conversation.Runtime, n *names, ag *store.AIAgent, c *Case, now time.Time) (*store.Conversation, error) {
	cs := c.Setup.Contact
	contact := &store.Contact{Name: cs.Name, Email: cs.Email, Phone: cs.Phone, Tags: cs.Tags, Fields: map[string]any{}}
	if contact.Name == "" {
		contact.Name = "Visiteur"
	}
	if cs.Stage != "" {
		id, err := n.stage(cs.Stage)
		if err != nil {
			return nil, fmt.Errorf("setup.contact.stage: %w", err)
		}
		contact.LifecycleStageID = id
	}
	for key, v := range cs.Fields {
		f := n.field(key)
		if f == nil {
			return nil, fmt.Errorf("setup.contact.fields.%s: no such contact field; fields: %s", key, n.fieldKeys())
		}
		nv, err := tools.NormalizeValue(f, v, n.ws.Settings.DefaultCountry)
		if err != nil {
			return nil, fmt.Errorf("setup.contact.fields.%s: %w", key, err)
		}
		contact.Fields[f.Key] = nv
	}
	st := rt.Store()
	conv, err := rt.Start(ctx, n.ws, contact, "eval", ag.ID)
	if err != nil {
		return nil, err
	}
	changed := false
	if a := c.Setup.Conversation.Assignee; a != nil {
		if conv.Assignee, err = n.assignee(a); err != nil {
			return nil, fmt.Errorf("setup.conversation.assignee: %w", err)
		}
		changed = true
	}
	if c.Setup.Conversation.Status == string(store.StatusClosed) {
		conv.Status, conv.ClosedAt, changed = store.StatusClosed, &now, true
	}
	if changed {
		if err := st.UpdateConversation(ctx, conv); err != nil {
			return nil, err
		}
	}
	for _, m := range c.Setup.Messages {
		msg := &store.Message{WorkspaceID: n.ws.ID, ConversationID: conv.ID, Role: store.Role(m.Role), Text: m.Text}
		if m.Role == string(store.RoleAIAgent) {
			msg.AuthorID = ag.ID
		}
		if err := st.AppendMessage(ctx, msg); err != nil {
			return nil, err
		}
	}
	return conv, nil
}

func (n *names) field(key string) *store.ContactField {
	for _, f := range n.fields {
		if f.Key == key || f.Name == key {
			return f
		}
	}
	return nil
}

func (n *names) fieldKeys() string {
	var keys []string
	for _, f := range n.fields {
		keys = append(keys, f.Key)
	}
	return strings.Join(keys, ", ")
}
