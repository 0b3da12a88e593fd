package dsl

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// CheckWorkspace reports what a valid flow refers to that the workspace
// does not have: tags, teams, users, AI agents, lifecycle stages, closing
// notes and contact fields, named as the actions match them (exactly, or
// ignoring case, accents and a leading @). Names written with
// {{variables}} are only known at run time and are not checked. The
// error is for the store.
func CheckWorkspace(ctx context.Context, q store.Queries, workspaceID string, f *Flow) (source.Problems, error) {
	ws, err := q.GetWorkspace(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	names := map[string][]string{}
	users, err := q.ListUsers(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		names["user"] = append(names["user"], u.Name, u.Email)
	}
	teams, err := q.ListTeams(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		names["team"] = append(names["team"], t.Name)
	}
	names["user or team"] = append(append([]string{}, names["team"]...), names["user"]...)
	agents, err := q.ListAIAgents(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		names["AI agent"] = append(names["AI agent"], a.Name)
	}
	stages, err := q.ListLifecycleStages(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		names["lifecycle stage"] = append(names["lifecycle stage"], s.Name)
	}
	for kind, label := range map[store.LabelKind]string{store.Tag: "tag", store.ClosingNote: "closing note"} {
		labels, err := q.ListLabels(ctx, workspaceID, kind)
		if err != nil {
			return nil, err
		}
		for _, l := range labels {
			names[label] = append(names[label], l.Name)
		}
	}
	fields, err := q.ListContactFields(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, cf := range fields {
		names["contact field"] = append(names["contact field"], cf.Key, cf.Name)
	}

	// What {{contact.<x>}} and $contact.<x> may name: the contact's own
	// attributes and the workspace's fields, by id.
	contactKeys := append(slices.Clone(tools.ReservedFieldIDs), "tags")
	for _, cf := range fields {
		contactKeys = append(contactKeys, cf.Key)
	}
	c := &problems{f: f}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		pp := fmt.Sprintf("nodes[%d].data.parameters", i)
		var placeholders func(path string, v any)
		placeholders = func(path string, v any) {
			switch x := v.(type) {
			case string:
				for _, ph := range tools.Placeholders(x) {
					rest, ok := strings.CutPrefix(ph, "contact.")
					if !ok {
						continue
					}
					key, _, _ := strings.Cut(rest, ".")
					if key == "" || slices.Contains(contactKeys, key) {
						continue
					}
					c.add(n.ID, path, "%q names no contact field of workspace %q%s; valid: %s", ph, ws.Slug,
						didYouMean(key, contactKeys), suggest.List(suggest.Nearest(key, contactKeys), 10))
				}
			case map[string]any:
				for k, e := range x {
					placeholders(path+"."+k, e)
				}
			case []any:
				for j, e := range x {
					placeholders(fmt.Sprintf("%s[%d]", path, j), e)
				}
			}
		}
		placeholders(pp, n.Data.Parameters)
		ref := func(param, kind string, value any) {
			v, ok := value.(string)
			if !ok || strings.TrimSpace(v) == "" || strings.Contains(v, "{{") || tools.Known(v, names[kind]) {
				return
			}
			valid := names[kind]
			if kind == "user" || kind == "user or team" || kind == "contact field" {
				valid = displayNames(kind, users, teams, fields)
			}
			c.add(n.ID, pp+"."+param, "there is no %s %q in workspace %q%s; valid: %s", kind, v, ws.Slug,
				didYouMean(strings.TrimPrefix(v, "@"), valid), suggest.List(suggest.Nearest(v, valid), 10))
		}
		params := n.Data.Parameters
		action := ""
		switch n.Type {
		case KindAction:
			_, action, _ = nodeBlock(n)
		case KindHandoff:
			action = "assign"
		case KindQuestion:
			ref("field", "contact field", params["field"])
		}
		// What each parameter names comes from the action's declaration
		// (its ref tags).
		b, _ := actionBlock(action)
		for _, p := range b.params {
			switch {
			case p.typ == pFields:
				switch fs := params[p.name].(type) {
				case map[string]any:
					for k := range fs {
						ref(p.name+"."+k, "contact field", k)
					}
				case []any:
					for j, e := range fs {
						if m, ok := e.(map[string]any); ok {
							ref(fmt.Sprintf("%s[%d].field", p.name, j), "contact field", m["field"])
						}
					}
				}
			case p.ref != "":
				ref(p.name, p.ref, params[p.name])
			}
		}
	}
	c.out.Sort()
	return c.out, nil
}

// displayNames lists users, teams or fields once each, for messages.
func displayNames(kind string, users []*store.User, teams []*store.Team, fields []*store.ContactField) []string {
	var out []string
	if kind == "contact field" {
		for _, f := range fields {
			out = append(out, f.Key)
		}
		return out
	}
	if kind == "user or team" {
		for _, t := range teams {
			out = append(out, t.Name)
		}
	}
	for _, u := range users {
		out = append(out, u.Name)
	}
	return out
}
