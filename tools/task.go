package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/causerie/causerie/store"
)

func createTask() *Action {
	return &Action{
		Name: CreateTask,
		Description: "Create a follow-up task for the team to take the contact over manually (seed: create a sales task). " +
			"assignation is the exact name of a user or a team; priorite is haute, normale (default) or basse.",
		Args: taskArgs{},
		Run:  runCreateTask,
	}
}

type taskArgs struct {
	Title       string `json:"title" param:"self" jsonschema_description:"What to do, e.g. \"Rappeler la cliente pour confirmer le rendez-vous\"."`
	Description string `json:"description" param:"self"`
	Assignation string `json:"assignation" ref:"user_or_team" jsonschema_description:"Exact name of the user or team to assign the task to."`
	Priorite    string `json:"priorite" jsonschema:"enum=haute,enum=normale,enum=basse,default=normale"`
}

func runCreateTask(ctx context.Context, x *Exec) Result {
	var args taskArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "create_task: %v", err)
	}
	vars := x.Vars(ctx)
	title, err := Render(args.Title, vars, EscapeNone)
	if err != nil {
		return Fail(CodeInvalidArguments, "title: "+err.Error())
	}
	desc, err := Render(args.Description, vars, EscapeNone)
	if err != nil {
		return Fail(CodeInvalidArguments, "description: "+err.Error())
	}
	t := &store.Task{WorkspaceID: x.Workspace.ID, Title: strings.TrimSpace(title), Description: desc,
		Priority: store.TaskPriority(args.Priorite)}
	if t.Priority == "" {
		t.Priority = store.PriorityNormal
	}
	if x.Conversation != nil {
		t.ConversationID = x.Conversation.ID
	}
	if x.Contact != nil {
		t.ContactID = x.Contact.ID
		if t.Title == "" {
			t.Title = "Suivi de " + firstNonEmpty(x.Contact.Name, x.Contact.Email, x.Contact.Phone, "contact")
		}
	}
	if t.Title == "" {
		t.Title = "Suivi"
	}
	assignee := ""
	if args.Assignation != "" {
		users, err := x.Q.ListUsers(ctx, x.Workspace.ID)
		if err != nil {
			return internal("reading users", err)
		}
		teams, err := x.Q.ListTeams(ctx, x.Workspace.ID)
		if err != nil {
			return internal("reading teams", err)
		}
		ue, te := userEntities(users), teamEntities(teams)
		if u, ok := match(args.Assignation, ue); ok {
			t.Assignee, assignee = store.Assignee{Type: store.AssigneeUser, ID: u.id}, u.name
		} else if tm, ok := match(args.Assignation, te); ok {
			t.Assignee, assignee = store.Assignee{Type: store.AssigneeTeam, ID: tm.id}, tm.name
		} else {
			r := unknown(CodeUnknownUser, "user or team", args.Assignation, slices.Concat(te, ue))
			return r
		}
	}
	if err := x.Q.CreateTask(ctx, t); err != nil {
		return internal("creating the task", err)
	}
	data := map[string]any{"task_id": t.ID, "title": t.Title, "priorite": string(t.Priority), "assignation": assignee}
	x.Emit("task.created", data)
	msg := fmt.Sprintf("task %q created (priorité %s)", t.Title, t.Priority)
	if assignee != "" {
		msg += " for " + assignee
	}
	return Ok(msg, data)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
