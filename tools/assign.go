package tools

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/causerie/causerie/store"
)

// Assignment methods for a team.
const (
	RoundRobin = "round_robin"
	LeastOpen  = "least_open"
)

type assignArgs struct {
	// Team is a name; a list of several is refused with a clear message.
	Team    oneOrMore `json:"team" ref:"team" jsonschema_description:"Exact name of one team, e.g. \"Équipe de Planification\"."`
	User    string    `json:"user" ref:"user" jsonschema_description:"Exact name or email of a user (human agent)."`
	AIAgent string    `json:"ai_agent" ref:"ai_agent" jsonschema_description:"Exact name of another AI agent."`
	Method  string    `json:"method" jsonschema:"enum=round_robin,enum=least_open,default=round_robin" jsonschema_description:"How to pick a team member (default round_robin)."`
}

func assign() *Action {
	return &Action{
		Name: Assign,
		Description: "Assign the conversation to a team, a user (human agent) or another AI agent, using exact names. " +
			"For a team, a member is picked by method: round_robin (default; rotation within the team) or least_open " +
			"(the member with the fewest open conversations). Give exactly one of team, user or ai_agent; round robin " +
			"works within one team at a time. After you assign to a human or a team, you stop replying.",
		Args:              assignArgs{},
		OneOf:             []string{"team", "user", "ai_agent"},
		NeedsConversation: true,
		Run:               runAssign,
	}
}

func runAssign(ctx context.Context, x *Exec) Result {
	var args assignArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "assign: %v", err)
	}
	var team string
	switch {
	case args.Team.list && len(args.Team.values) != 1:
		return Failf(CodeSingleTeam, nil, "round robin works within one team at a time, and %d teams were given (%s); choose one team",
			len(args.Team.values), strings.Join(args.Team.values, ", "))
	case len(args.Team.values) == 1:
		team = args.Team.values[0]
	}
	targets := 0
	for _, t := range []string{team, args.User, args.AIAgent} {
		if strings.TrimSpace(t) != "" {
			targets++
		}
	}
	if targets != 1 {
		return Failf(CodeInvalidArguments, nil, "give exactly one of team, user or ai_agent (got %d)", targets)
	}
	switch {
	case team != "":
		return assignTeam(ctx, x, team, args.Method)
	case args.User != "":
		if args.Method != "" {
			return Failf(CodeSingleTeam, nil, "method %s applies within a team, not between individual users: assign to a team, or to one user without a method", args.Method)
		}
		return assignUser(ctx, x, args.User)
	default:
		return assignAIAgent(ctx, x, args.AIAgent)
	}
}

func userEntities(users []*store.User) []named {
	out := make([]named, len(users))
	for i, u := range users {
		out[i] = named{id: u.ID, keys: []string{u.Name, u.Email, u.ID}, name: u.Name}
	}
	return out
}

func teamEntities(teams []*store.Team) []named {
	out := make([]named, len(teams))
	for i, t := range teams {
		out[i] = named{id: t.ID, keys: []string{t.Name, t.ID}, name: t.Name}
	}
	return out
}

// teamSeparators split "Ventes et Support" into the teams it names.
var teamSeparators = regexp.MustCompile(`\s*(?:,|;|/|&|\+|\bet\b|\band\b|\bou\b|\bor\b)\s*`)

func assignTeam(ctx context.Context, x *Exec, ref, method string) Result {
	if method == "" {
		method = RoundRobin
	}
	teams, err := x.Q.ListTeams(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading teams", err)
	}
	entities := teamEntities(teams)
	t, ok := match(ref, entities)
	if !ok {
		// "Ventes et Support": several teams in one name.
		if parts := teamSeparators.Split(ref, -1); len(parts) > 1 {
			found := 0
			for _, p := range parts {
				if _, ok := match(p, entities); ok {
					found++
				}
			}
			if found > 1 {
				return Failf(CodeSingleTeam, names(ref, entities), "round robin works within one team at a time, and %q names %d teams; choose one", ref, found)
			}
		}
		return unknown(CodeUnknownTeam, "team", ref, entities)
	}
	team, err := x.Q.LockTeam(ctx, x.Workspace.ID, t.id) // serialises assigners of this team, across processes
	if err != nil {
		return internal("locking the team", err)
	}
	users, err := x.Q.ListUsers(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading users", err)
	}
	byID := map[string]*store.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	n := len(team.MemberIDs)
	eligible := func(i int) bool {
		u := byID[team.MemberIDs[i]]
		return u != nil && (x.Workspace.Settings.AssignUnavailableUsers || u.Availability == store.Available)
	}
	// Members in round-robin order, starting after the cursor.
	var order []int
	for k := 1; k <= n; k++ {
		// The cursor is -1 before the first assignment, so this is never negative.
		if i := (team.RoundRobinCursor + k) % n; eligible(i) {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		var who []string
		for _, id := range team.MemberIDs {
			if u := byID[id]; u != nil {
				who = append(who, fmt.Sprintf("%s (%s)", u.Name, u.Availability))
			}
		}
		msg := fmt.Sprintf("nobody in team %q is available to take the conversation", team.Name)
		if len(who) == 0 {
			msg = fmt.Sprintf("team %q has no members", team.Name)
		} else {
			msg += ": " + strings.Join(who, ", ")
		}
		return Fail(CodeNobodyAvailable, msg+"; the conversation was not assigned")
	}
	pick := order[0]
	if method == LeastOpen {
		ids := make([]string, len(order))
		for k, i := range order {
			ids[k] = team.MemberIDs[i]
		}
		counts, err := x.Q.CountOpenConversations(ctx, x.Workspace.ID, ids)
		if err != nil {
			return internal("counting open conversations", err)
		}
		// Fewest open conversations; ties go to the earliest in round-robin order.
		for _, i := range order[1:] {
			if counts[team.MemberIDs[i]] < counts[team.MemberIDs[pick]] {
				pick = i
			}
		}
	}
	if err := x.Q.SetTeamCursor(ctx, x.Workspace.ID, team.ID, pick); err != nil {
		return internal("moving the round-robin cursor", err)
	}
	user := byID[team.MemberIDs[pick]]
	return setAssignee(ctx, x, store.Assignee{Type: store.AssigneeUser, ID: user.ID}, team.ID, user.Name,
		map[string]any{"team": team.Name, "method": method},
		fmt.Sprintf("assigned to %s of team %s (%s)", user.Name, team.Name, strings.ReplaceAll(method, "_", " ")))
}

func assignUser(ctx context.Context, x *Exec, ref string) Result {
	users, err := x.Q.ListUsers(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading users", err)
	}
	u, ok := match(ref, userEntities(users))
	if !ok {
		return unknown(CodeUnknownUser, "user", ref, userEntities(users))
	}
	return setAssignee(ctx, x, store.Assignee{Type: store.AssigneeUser, ID: u.id}, "", u.name, nil, "assigned to "+u.name)
}

func assignAIAgent(ctx context.Context, x *Exec, ref string) Result {
	agents, err := x.Q.ListAIAgents(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading AI agents", err)
	}
	entities := make([]named, len(agents))
	for i, a := range agents {
		entities[i] = named{id: a.ID, keys: []string{a.Name, a.ID}, name: a.Name}
	}
	a, ok := match(ref, entities)
	if !ok {
		return unknown(CodeUnknownAIAgent, "AI agent", ref, entities)
	}
	return setAssignee(ctx, x, store.Assignee{Type: store.AssigneeAIAgent, ID: a.id}, "", a.name, nil, "assigned to AI agent "+a.name)
}

func setAssignee(ctx context.Context, x *Exec, to store.Assignee, teamID, name string, extra map[string]any, msg string) Result {
	conv := x.Conversation
	from := conv.Assignee
	conv.Assignee, conv.TeamID = to, teamID
	if err := x.Q.UpdateConversation(ctx, conv); err != nil {
		return internal("assigning", err)
	}
	data := map[string]any{"assignee_type": string(to.Type), "assignee_id": to.ID, "assignee_name": name}
	for k, v := range extra {
		data[k] = v
	}
	event := map[string]any{"from_type": string(from.Type), "from_id": from.ID}
	for k, v := range data {
		event[k] = v
	}
	x.Emit("conversation.assigned", event)
	return Ok(msg, data)
}

func unassign() *Action {
	return &Action{
		Name: Unassign,
		Description: "Remove the conversation's assignee. Afterwards nobody (not you) handles it, so you stop replying: " +
			"do not unassign and then reply.",
		Args:              struct{}{},
		NeedsConversation: true,
		Run: func(ctx context.Context, x *Exec) Result {
			conv := x.Conversation
			if conv.Assignee.IsZero() {
				return Ok("the conversation was not assigned; nothing changed", map[string]any{"already_unassigned": true})
			}
			from := conv.Assignee
			conv.Assignee, conv.TeamID = store.Assignee{}, ""
			if err := x.Q.UpdateConversation(ctx, conv); err != nil {
				return internal("unassigning", err)
			}
			x.Emit("conversation.unassigned", map[string]any{"from_type": string(from.Type), "from_id": from.ID})
			return Ok("conversation unassigned", nil)
		},
	}
}
