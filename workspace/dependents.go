package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
)

// ApplyOptions change what Apply does.
type ApplyOptions struct {
	// DryRun computes the changes and reports them without applying any.
	DryRun bool
	// Force deletes what the file no longer lists even when something
	// still uses it; Result.Dangling says what was left pointing at
	// nothing. Conversations assigned to a deleted user or team are
	// unassigned either way.
	Force bool
}

// Use is one thing that still uses what an apply deletes.
type Use struct {
	Deleted Change
	// By says what uses it: `flow "relance": node "tag": …`,
	// `ai_agents[0].instructions mention "Ventes"`, `3 open conversations`.
	By string
}

func (u Use) String() string {
	return fmt.Sprintf("%s %q is still used by %s", u.Deleted.Kind, u.Deleted.Name, u.By)
}

// InUseError refuses an apply that would delete what something still
// uses.
type InUseError struct{ Uses []Use }

func (e *InUseError) Error() string {
	var b strings.Builder
	b.WriteString("the file no longer lists what is still in use:\n")
	for _, u := range e.Uses {
		b.WriteString("  - " + u.String() + "\n")
	}
	b.WriteString("keep them in the file, change what uses them first, or apply with --force to delete them anyway " +
		"(what they leave dangling is reported)")
	return b.String()
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// before is what the workspace held before the apply, to find what the
// apply breaks.
type before struct {
	users map[string]*store.User // by email
	teams map[string]*store.Team // by name
	// flowProblems are the problems each enabled flow already had against
	// the workspace: only new ones are the apply's doing.
	flowProblems map[string]bool
}

func (a *applier) snapshot(ctx context.Context) error {
	a.was = &before{users: map[string]*store.User{}, teams: map[string]*store.Team{}, flowProblems: map[string]bool{}}
	users, err := a.q.ListUsers(ctx, a.ws.ID)
	if err != nil {
		return err
	}
	for _, u := range users {
		a.was.users[u.Email] = u
	}
	teams, err := a.q.ListTeams(ctx, a.ws.ID)
	if err != nil {
		return err
	}
	for _, t := range teams {
		a.was.teams[t.Name] = t
	}
	return a.flowProblems(ctx, func(flow, problem string) { a.was.flowProblems[flow+"\x00"+problem] = true })
}

// flowProblems checks every enabled flow against the workspace as it
// stands in the transaction.
func (a *applier) flowProblems(ctx context.Context, found func(flow, problem string)) error {
	flows, err := a.q.ListFlows(ctx, a.ws.ID, store.FlowFilter{EnabledOnly: true})
	if err != nil {
		return err
	}
	for _, f := range flows {
		flow, err := dsl.Parse(f.Key+".json", f.Document)
		if err != nil {
			continue // a stored flow that no longer parses is not this apply's doing
		}
		problems, err := dsl.CheckWorkspace(ctx, a.q, a.ws.ID, flow)
		if err != nil {
			return err
		}
		for _, p := range problems {
			p.File = ""
			found(f.Key, p.String())
		}
	}
	return nil
}

// dependents finds what still uses what the apply deleted, and
// unassigns the conversations of deleted users and teams. Without Force,
// any use refuses the apply.
func (a *applier) dependents(ctx context.Context) error {
	var deleted []Change
	for _, c := range a.res.Changes {
		if c.Op == Deleted && slices.Contains([]string{"user", "team", "tag", "contact field", "lifecycle stage", "closing note"}, c.Kind) {
			deleted = append(deleted, c)
		}
	}
	if len(deleted) == 0 {
		return nil
	}
	var uses []Use
	// Flows: a problem against the workspace that was not there before.
	err := a.flowProblems(ctx, func(flow, problem string) {
		if a.was.flowProblems[flow+"\x00"+problem] {
			return
		}
		for _, d := range deleted {
			if strings.Contains(problem, fmt.Sprintf("%q", d.Name)) {
				uses = append(uses, Use{Deleted: d, By: fmt.Sprintf("flow %q: %s", flow, problem)})
				return
			}
		}
	})
	if err != nil {
		return err
	}
	// AI agents' instructions that name it.
	for i, ag := range a.f.AIAgents {
		text := suggest.Fold(ag.Instructions)
		for _, d := range deleted {
			for _, name := range a.namesOf(d) {
				if name != "" && strings.Contains(text, suggest.Fold(name)) {
					uses = append(uses, Use{Deleted: d, By: fmt.Sprintf("ai_agents[%d].instructions (%s), which mention %q", i, ag.Name, name)})
					break
				}
			}
		}
	}
	// Conversations assigned to a deleted user or team (read once, only
	// when one was deleted).
	var orphans, convs []*store.Conversation
	for _, d := range deleted {
		var match func(c *store.Conversation) bool
		switch d.Kind {
		case "user":
			u := a.was.users[d.Name]
			if u == nil {
				continue
			}
			match = func(c *store.Conversation) bool {
				return c.Assignee.Type == store.AssigneeUser && c.Assignee.ID == u.ID
			}
		case "team":
			t := a.was.teams[d.Name]
			if t == nil {
				continue
			}
			match = func(c *store.Conversation) bool {
				return c.TeamID == t.ID || (c.Assignee.Type == store.AssigneeTeam && c.Assignee.ID == t.ID)
			}
		default:
			continue
		}
		if convs == nil {
			var err error
			if convs, err = a.q.ListConversations(ctx, a.ws.ID, store.ConversationFilter{}); err != nil {
				return err
			}
		}
		open := 0
		for _, c := range convs {
			if match(c) {
				orphans = append(orphans, c)
				if c.Status == store.StatusOpen {
					open++
				}
			}
		}
		if open > 0 {
			uses = append(uses, Use{Deleted: d, By: fmt.Sprintf("%d open conversation(s) assigned to it", open)})
		}
	}
	if len(uses) > 0 && !a.opts.Force && !a.opts.DryRun {
		return &InUseError{Uses: uses}
	}
	if len(uses) > 0 && a.opts.DryRun && !a.opts.Force {
		a.res.Refused = &InUseError{Uses: uses}
		return nil
	}
	for _, u := range uses {
		a.res.Dangling = append(a.res.Dangling, u.String())
	}
	for _, c := range orphans {
		from := c.Assignee
		c.Assignee, c.TeamID = store.Assignee{}, ""
		if err := a.q.UpdateConversation(ctx, c); err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"from_type": string(from.Type), "from_id": from.ID,
			"reason": "its assignee was deleted by apply"})
		if err := a.q.AppendEvent(ctx, &store.Event{WorkspaceID: a.ws.ID, ConversationID: c.ID, Type: "conversation.unassigned",
			Actor: "system:apply", Payload: payload}); err != nil {
			return err
		}
	}
	return nil
}

// namesOf is how instructions may name a deleted entity.
func (a *applier) namesOf(d Change) []string {
	switch d.Kind {
	case "user":
		if u := a.was.users[d.Name]; u != nil {
			return []string{u.Name, u.Email}
		}
	case "contact field":
		return []string{"$contact." + d.Name, "{{contact." + d.Name + "}}"}
	}
	return []string{d.Name}
}
