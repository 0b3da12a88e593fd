package workspace_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// salonWithFlow is the salon workspace with its booking flow, and the file
// it was applied from, to edit.
func salonWithFlow(t *testing.T, s store.Store) (*workspacetest.Fixture, *workspace.File) {
	t.Helper()
	fx := workspacetest.Salon(t, s)
	flow, err := dsl.Load(workspacetest.Example("salon", "flows", "prise-de-rendez-vous.json"), dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dsl.Apply(ctx, s, fx.Workspace.ID, flow); err != nil {
		t.Fatal(err)
	}
	f := mustLoad(t, workspacetest.Example("salon", "workspace.yaml"))
	f.Workspace.Slug = fx.Workspace.Slug
	return fx, f
}

// Removing a team an enabled flow and the AI agent's instructions still
// use is refused with what uses it, and nothing changes; --force deletes
// it and reports what it left dangling.
func TestApplyRefusesToDeleteWhatIsInUse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		fx, f := salonWithFlow(t, s)
		f.Teams = slices.DeleteFunc(f.Teams, func(tm workspace.Team) bool { return tm.Name == "Équipe de Planification" })
		_, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
		var inUse *workspace.InUseError
		if !errors.As(err, &inUse) {
			t.Fatalf("apply without the team: err = %v, want an InUseError", err)
		}
		var by []string
		for _, u := range inUse.Uses {
			by = append(by, u.By)
		}
		all := strings.Join(by, "\n")
		for _, want := range []string{`flow "prise-de-rendez-vous": node "`, "ai_agents[0].instructions (Assistante Salon)"} {
			if !strings.Contains(all, want) {
				t.Errorf("uses lack %q:\n%s", want, all)
			}
		}
		if !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), `team "Équipe de Planification" is still used by`) {
			t.Errorf("error does not say what to do:\n%v", err)
		}
		if teams, _ := s.ListTeams(ctx, fx.Workspace.ID); len(teams) != len(f.Teams)+1 {
			t.Errorf("teams after the refused apply = %d, want %d (nothing changed)", len(teams), len(f.Teams)+1)
		}

		res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{Force: true})
		if err != nil {
			t.Fatalf("forced apply: %v", err)
		}
		if !slices.Contains(res.Changes, workspace.Change{Op: workspace.Deleted, Kind: "team", Name: "Équipe de Planification"}) ||
			len(res.Dangling) < 2 {
			t.Errorf("forced apply: changes %v, dangling %v", res.Changes, res.Dangling)
		}
	})
}

// A deleted user's open conversation blocks the apply; forced, the
// conversation is unassigned with an event, never left pointing at
// nobody.
func TestApplyUnassignsConversationsOfDeletedUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		fx, f := salonWithFlow(t, s)
		conv := fx.NewConversation("")
		conv.Assignee = store.Assignee{Type: store.AssigneeUser, ID: fx.Users["sophie@salon-elegance.fr"]}
		if err := s.UpdateConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		f.Users = slices.DeleteFunc(f.Users, func(u workspace.User) bool { return u.Email == "sophie@salon-elegance.fr" })
		for i := range f.Teams {
			f.Teams[i].Members = slices.DeleteFunc(f.Teams[i].Members, func(m string) bool { return m == "sophie@salon-elegance.fr" })
		}
		_, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
		if err == nil || !strings.Contains(err.Error(), `user "sophie@salon-elegance.fr" is still used by 1 open conversation(s) assigned to it`) {
			t.Fatalf("err = %v, want the open conversation named", err)
		}
		if _, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		if got := fx.Conversation(conv.ID); !got.Assignee.IsZero() {
			t.Errorf("assignee after the user was deleted = %+v, want nobody", got.Assignee)
		}
		if evs := fx.Events(conv.ID, "conversation.unassigned"); len(evs) != 1 || !strings.Contains(string(evs[0].Payload), "deleted by apply") {
			t.Errorf("unassigned events = %v", evs)
		}
	})
}

// A dry run reports the changes and applies none.
func TestApplyDryRun(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		fx, f := salonWithFlow(t, s)
		f.Tags = append(f.Tags, workspace.Label{Name: "fidèle"})
		f.ClosingNotes = f.ClosingNotes[:len(f.ClosingNotes)-1]
		res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if !res.DryRun || !slices.Contains(res.Changes, workspace.Change{Op: workspace.Created, Kind: "tag", Name: "fidèle"}) {
			t.Errorf("dry run: %+v", res)
		}
		tags, _ := s.ListLabels(ctx, fx.Workspace.ID, store.Tag)
		for _, l := range tags {
			if l.Name == "fidèle" {
				t.Error("the dry run created the tag")
			}
		}
		notes, _ := s.ListLabels(ctx, fx.Workspace.ID, store.ClosingNote)
		if len(notes) != len(f.ClosingNotes)+1 {
			t.Errorf("closing notes after the dry run = %d, want %d (none deleted)", len(notes), len(f.ClosingNotes)+1)
		}
	})
}
