package agent

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// systemPrompt renders the system prompt: platform rules, the workspace's
// entities as enumerations, the instructions — rendered once per workspace
// version — then the turn's time, the contact's profile and the passages.
// It also returns the contact it read.
func (a *Agent) systemPrompt(ctx context.Context, ws *store.Workspace, ag *store.AIAgent, conv *store.Conversation, knowledge []tools.Passage) (string, *store.Contact, error) {
	q := a.store
	static, err := a.staticPrompt(ctx, ws, ag)
	if err != nil {
		return "", nil, err
	}
	p := prompts.System{Now: a.now(time.UTC)}
	for _, k := range knowledge {
		source := k.URL
		if source == "" {
			source = k.Heading
		}
		p.Knowledge = append(p.Knowledge, prompts.Passage{Title: k.Title, Source: source, Text: k.Text})
	}
	fields, err := q.ListContactFields(ctx, ws.ID)
	if err != nil {
		return "", nil, err
	}
	stages, err := q.ListLifecycleStages(ctx, ws.ID)
	if err != nil {
		return "", nil, err
	}
	stageNames := map[string]string{}
	for _, s := range stages {
		stageNames[s.ID] = s.Name
	}
	c, err := q.GetContact(ctx, ws.ID, conv.ContactID)
	if err != nil {
		return "", nil, err
	}
	p.Contact = prompts.Contact{Name: c.Name, Email: c.Email, Phone: c.Phone, Stage: stageNames[c.LifecycleStageID], Tags: c.Tags}
	for _, f := range fields {
		if v, ok := c.Fields[f.Key]; ok {
			p.Contact.Fields = append(p.Contact.Fields, prompts.FieldValue{ID: f.Key, Name: f.Name, Value: tools.Format(v)})
		}
	}
	turn, err := prompts.RenderSystemTurn(p)
	return static + "\n" + turn, c, err
}

// staticPrompt returns the static part of ag's system prompt: rendered
// again only when the workspace's version moved (any change to the
// entities it lists, or to the agent, bumps it).
func (a *Agent) staticPrompt(ctx context.Context, ws *store.Workspace, ag *store.AIAgent) (string, error) {
	a.mu.Lock()
	cached, ok := a.static[ag.ID]
	a.mu.Unlock()
	if ok && ws.Version > 0 && cached.version == ws.Version {
		return cached.text, nil
	}
	q := a.store
	p := prompts.System{Language: ws.Language, Workspace: ws.Name, Agent: ag.Name, Instructions: ag.Instructions}
	users, err := q.ListUsers(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	userNames := map[string]string{}
	for _, u := range users {
		userNames[u.ID] = u.Name
		p.Users = append(p.Users, fmt.Sprintf("%s <%s>", u.Name, u.Email))
	}
	teams, err := q.ListTeams(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		pt := prompts.Team{Name: t.Name}
		for _, id := range t.MemberIDs {
			pt.Members = append(pt.Members, userNames[id])
		}
		p.Teams = append(p.Teams, pt)
	}
	agents, err := q.ListAIAgents(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	for _, o := range agents {
		if o.ID != ag.ID {
			p.AIAgents = append(p.AIAgents, o.Name)
		}
	}
	fields, err := q.ListContactFields(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	for _, f := range fields {
		p.Fields = append(p.Fields, prompts.Field{ID: f.Key, Name: f.Name, Type: string(f.Type), Options: f.Options})
	}
	stages, err := q.ListLifecycleStages(ctx, ws.ID)
	if err != nil {
		return "", err
	}
	for _, s := range stages {
		p.Stages = append(p.Stages, s.Name)
	}
	notes, err := q.ListLabels(ctx, ws.ID, store.ClosingNote)
	if err != nil {
		return "", err
	}
	for _, n := range notes {
		p.ClosingNotes = append(p.ClosingNotes, prompts.Note{Name: n.Name, Description: n.Description})
	}
	tags, err := q.ListLabels(ctx, ws.ID, store.Tag)
	if err != nil {
		return "", err
	}
	for _, t := range tags {
		p.Tags = append(p.Tags, t.Name)
	}
	text, err := prompts.RenderSystemStatic(p)
	if err != nil {
		return "", err
	}
	if ws.Version > 0 {
		a.mu.Lock()
		a.static[ag.ID] = staticPrompt{version: ws.Version, text: text}
		a.mu.Unlock()
	}
	return text, nil
}

// historyWindow is how many stored messages are considered before the
// token budget trims them.
const historyWindow = 100

// history turns the conversation's latest messages into chat messages,
// fitted to the token budget (the newest always kept).
func (a *Agent) history(ctx context.Context, conv *store.Conversation) ([]Message, error) {
	msgs, err := a.store.ListMessages(ctx, conv.WorkspaceID, conv.ID, store.MessageFilter{Last: historyWindow})
	if err != nil {
		return nil, err
	}
	// A reply belongs right after the message it answers, even when
	// another visitor message arrived (and was stored) during its turn.
	position := func(m *store.Message) float64 {
		if to, ok := m.Metadata["in_reply_to"].(float64); ok && m.Role == store.RoleAIAgent {
			return to + 0.5
		}
		return float64(m.Seq)
	}
	slices.SortStableFunc(msgs, func(x, y *store.Message) int { return cmp.Compare(position(x), position(y)) })
	var out []Message
	for _, m := range msgs {
		switch m.Role {
		case store.RoleVisitor:
			out = append(out, Message{Role: RoleUser, Content: m.Text})
		case store.RoleAIAgent:
			out = append(out, Message{Role: RoleAssistant, Content: m.Text})
		case store.RoleHuman:
			out = append(out, Message{Role: RoleAssistant, Content: prompts.HumanWrote(m.Text)})
		}
	}
	texts := make([]string, len(out))
	for i, m := range out {
		texts[i] = m.Content
	}
	n := prompts.Fit(texts, a.opts.HistoryTokens)
	return out[len(out)-n:], nil
}

// toolSpecs describes the agent's enabled actions as model tools: the
// catalogue's, then the workspace's named HTTP actions it enables.
func (a *Agent) toolSpecs(ws *store.Workspace, ag *store.AIAgent) []Tool {
	var out []Tool
	for _, name := range a.tools.Names() {
		if !slices.Contains(ag.Actions, name) {
			continue
		}
		if name == tools.SearchKnowledge && a.opts.Knowledge == nil {
			continue // nothing to search with: offering it only invites a failed call
		}
		act := a.tools.Action(name)
		out = append(out, Tool{Name: act.Name, Description: act.Description, Parameters: act.ModelSchema()})
	}
	for _, name := range ag.Actions {
		if h := ws.Settings.HTTPAction(name); h != nil && a.tools.Action(name) == nil {
			out = append(out, Tool{Name: h.Name, Description: h.Description, Parameters: tools.NamedHTTPSchema(h)})
		}
	}
	return out
}
