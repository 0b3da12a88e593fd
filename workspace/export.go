package workspace

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/store"
)

// Export reads the workspace with the given slug back as a File. Applying
// the result to the same store changes nothing.
func Export(ctx context.Context, q store.Queries, slug string) (*File, error) {
	ws, err := q.GetWorkspaceBySlug(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	id := ws.ID
	f := &File{Workspace: Header{Slug: ws.Slug, Name: ws.Name, Language: ws.Language, Settings: Settings{
		AssignUnavailableUsers: ws.Settings.AssignUnavailableUsers,
		HTTPAllowlist:          ws.Settings.HTTPAllowlist,
		DefaultCountry:         ws.Settings.DefaultCountry,
		EmailRecipients:        ws.Settings.EmailRecipients,
		HTTPActions:            ws.Settings.HTTPActions,
		AIAgentsFreeHTTP:       ws.Settings.AIAgentsFreeHTTP,
		FallbackTeam:           ws.Settings.FallbackTeam,
		FallbackMessages:       ws.Settings.FallbackMessages,
		WidgetOrigins:          ws.Settings.WidgetOrigins,
		IdentitySecret:         ws.Settings.IdentitySecret,
	}}}
	if c := ws.Settings.CRM; c != nil {
		f.Workspace.Settings.CRM = &CRM{URL: c.URL, Headers: c.Headers}
	}

	users, err := q.ListUsers(ctx, id)
	if err != nil {
		return nil, err
	}
	emails := map[string]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
		s := User{Email: u.Email, Name: u.Name}
		if u.Availability != store.Available {
			s.Availability = string(u.Availability)
		}
		f.Users = append(f.Users, s)
	}
	teams, err := q.ListTeams(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		f.Teams = append(f.Teams, Team{Name: t.Name, Members: lookup(t.MemberIDs, emails)})
	}
	kbs, err := q.ListKnowledgeBases(ctx, id)
	if err != nil {
		return nil, err
	}
	kbNames := map[string]string{}
	for _, kb := range kbs {
		kbNames[kb.ID] = kb.Name
		s := KnowledgeBase{Name: kb.Name, Description: kb.Description}
		if kb.Language != "simple" {
			s.Language = kb.Language
		}
		f.KnowledgeBases = append(f.KnowledgeBases, s)
	}
	agents, err := q.ListAIAgents(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		f.AIAgents = append(f.AIAgents, AIAgent{Name: a.Name, Instructions: a.Instructions, Model: a.Model,
			Actions: a.Actions, KnowledgeBases: lookup(a.KnowledgeBaseIDs, kbNames),
			Knowledge: Knowledge{Ground: a.Knowledge.Ground, TopK: a.Knowledge.TopK, MessageBefore: a.Knowledge.MessageBefore}})
	}
	fields, err := q.ListContactFields(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, cf := range fields {
		f.ContactFields = append(f.ContactFields, ContactField{ID: cf.Key, Name: cf.Name, Type: string(cf.Type), Options: cf.Options})
	}
	stages, err := q.ListLifecycleStages(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		f.LifecycleStages = append(f.LifecycleStages, st.Name)
		if st.ID == ws.Settings.DefaultLifecycleStageID {
			f.Workspace.Settings.DefaultLifecycleStage = st.Name
		}
	}
	for _, l := range []struct {
		kind store.LabelKind
		dst  *[]Label
	}{{store.ClosingNote, &f.ClosingNotes}, {store.Tag, &f.Tags}, {store.Classification, &f.Classifications}} {
		labels, err := q.ListLabels(ctx, id, l.kind)
		if err != nil {
			return nil, err
		}
		for _, lb := range labels {
			*l.dst = append(*l.dst, Label{Name: lb.Name, Description: lb.Description})
		}
	}
	rules, err := q.ListResponseRules(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		s := ResponseRule{Name: r.Name, Keywords: r.Keywords, Reply: r.Reply}
		if r.Match != "contains" {
			s.Match = r.Match
		}
		if !r.Enabled {
			off := false
			s.Enabled = &off
		}
		for _, act := range r.Actions {
			ra := RuleAction{Action: act.Action}
			if len(act.Args) > 0 {
				if err := json.Unmarshal(act.Args, &ra.Args); err != nil {
					return nil, fmt.Errorf("response rule %q: arguments of %s: %w", r.Name, act.Action, err)
				}
			}
			s.Actions = append(s.Actions, ra)
		}
		f.ResponseRules = append(f.ResponseRules, s)
	}
	return f, nil
}

// Marshal writes f as YAML, the format Parse reads.
func Marshal(f *File) ([]byte, error) {
	return yaml.MarshalWithOptions(f, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}

// MarshalYAML writes a label without description as its plain name.
func (l Label) MarshalYAML() (any, error) {
	if l.Description == "" {
		return l.Name, nil
	}
	type plain Label
	return plain(l), nil
}
