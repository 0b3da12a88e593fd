package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/causerie/causerie/store"
)

var ctx = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func diff(t testing.TB, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(store.Workspace{}, "CreatedAt", "UpdatedAt"))
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// timeless drops the store-set timestamps of any entity type.
func timeless(v any) cmp.Option {
	return cmpopts.IgnoreFields(v, "CreatedAt", "UpdatedAt")
}

func testWorkspaces(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	if w.ID == "" || w.CreatedAt.IsZero() {
		t.Fatalf("create did not set ID and timestamps: %+v", w)
	}
	got, err := s.GetWorkspace(ctx, w.ID)
	must(t, err)
	diff(t, "workspace", got, w)
	if !got.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("created_at = %v, want %v", got.CreatedAt, w.CreatedAt)
	}

	w.Name = "Salon Élégance"
	w.Settings = store.WorkspaceSettings{AssignUnavailableUsers: true, HTTPAllowlist: []string{"127.0.0.1"}}
	must(t, s.UpdateWorkspace(ctx, w))
	got, err = s.GetWorkspaceBySlug(ctx, w.Slug)
	must(t, err)
	diff(t, "updated workspace", got, w)

	all, err := s.ListWorkspaces(ctx)
	must(t, err)
	found := false
	for _, x := range all {
		found = found || x.ID == w.ID
	}
	if !found {
		t.Errorf("ListWorkspaces does not list %s", w.Slug)
	}

	wantErr(t, s.CreateWorkspace(ctx, &store.Workspace{Slug: w.Slug, Name: "dup"}), store.ErrDuplicate)
	must(t, s.DeleteWorkspace(ctx, w.ID))
	_, err = s.GetWorkspace(ctx, w.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteWorkspace(ctx, w.ID), store.ErrNotFound)
	wantErr(t, s.UpdateWorkspace(ctx, w), store.ErrNotFound)
}

func testUsers(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	u := &store.User{WorkspaceID: w.ID, Email: "marie@salon.fr", Name: "Marie"}
	must(t, s.CreateUser(ctx, u))
	if u.Availability != store.Available {
		t.Errorf("default availability = %q, want available", u.Availability)
	}
	got, err := s.GetUser(ctx, w.ID, u.ID)
	must(t, err)
	diff(t, "user", got, u, timeless(store.User{}))

	u.Availability = store.Unavailable
	u.Name = "Marie D."
	must(t, s.UpdateUser(ctx, u))
	users, err := s.ListUsers(ctx, w.ID)
	must(t, err)
	diff(t, "users", users, []*store.User{u}, timeless(store.User{}))

	wantErr(t, s.CreateUser(ctx, &store.User{WorkspaceID: w.ID, Email: u.Email, Name: "Other"}), store.ErrDuplicate)
	must(t, s.DeleteUser(ctx, w.ID, u.ID))
	_, err = s.GetUser(ctx, w.ID, u.ID)
	wantErr(t, err, store.ErrNotFound)
}

func newUsers(t *testing.T, s store.Queries, w *store.Workspace, emails ...string) []*store.User {
	t.Helper()
	var out []*store.User
	for _, e := range emails {
		u := &store.User{WorkspaceID: w.ID, Email: e, Name: e}
		must(t, s.CreateUser(ctx, u))
		out = append(out, u)
	}
	return out
}

func testTeams(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	us := newUsers(t, s, w, "a@x.fr", "b@x.fr", "c@x.fr")
	team := &store.Team{WorkspaceID: w.ID, Name: "Équipe de Planification", MemberIDs: []string{us[2].ID, us[0].ID}}
	must(t, s.CreateTeam(ctx, team))
	if team.RoundRobinCursor != -1 {
		t.Errorf("new team cursor = %d, want -1", team.RoundRobinCursor)
	}
	got, err := s.GetTeam(ctx, w.ID, team.ID)
	must(t, err)
	diff(t, "team (members keep their order)", got, team, timeless(store.Team{}))

	team.Name = "Planification"
	team.MemberIDs = []string{us[0].ID, us[1].ID, us[2].ID}
	must(t, s.UpdateTeam(ctx, team))
	teams, err := s.ListTeams(ctx, w.ID)
	must(t, err)
	diff(t, "teams", teams, []*store.Team{team}, timeless(store.Team{}))

	// A member who is not a user of the workspace fails, and the update
	// leaves the team as it was.
	other := NewWorkspace(t, s)
	stranger := newUsers(t, s, other, "z@y.fr")[0]
	bad := *team
	bad.Name = "Renamed"
	bad.MemberIDs = []string{us[0].ID, stranger.ID}
	wantErr(t, s.UpdateTeam(ctx, &bad), store.ErrNotFound)
	got, err = s.GetTeam(ctx, w.ID, team.ID)
	must(t, err)
	diff(t, "team after failed update", got, team, timeless(store.Team{}))

	// Deleting a user removes them from teams.
	must(t, s.DeleteUser(ctx, w.ID, us[1].ID))
	got, err = s.GetTeam(ctx, w.ID, team.ID)
	must(t, err)
	diff(t, "members after user deletion", got.MemberIDs, []string{us[0].ID, us[2].ID})

	wantErr(t, s.CreateTeam(ctx, &store.Team{WorkspaceID: w.ID, Name: team.Name}), store.ErrDuplicate)
	must(t, s.DeleteTeam(ctx, w.ID, team.ID))
	_, err = s.GetTeam(ctx, w.ID, team.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testAIAgents(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Salon", Language: "french"}
	must(t, s.CreateKnowledgeBase(ctx, kb))
	temp := 0.0
	a := &store.AIAgent{
		WorkspaceID:      w.ID,
		Name:             "Assistante",
		Instructions:     "Si le contact n'a plus de questions, ferme la conversation.",
		Model:            store.ModelSettings{Name: "gpt-4o-mini", Temperature: &temp, MaxOutputTokens: 400},
		Actions:          []string{"close_conversation", "assign"},
		KnowledgeBaseIDs: []string{kb.ID},
	}
	must(t, s.CreateAIAgent(ctx, a))
	got, err := s.GetAIAgent(ctx, w.ID, a.ID)
	must(t, err)
	diff(t, "AI agent", got, a, timeless(store.AIAgent{}))
	if got.Model.Temperature == nil || *got.Model.Temperature != 0 {
		t.Errorf("temperature 0 did not survive: %v", got.Model.Temperature)
	}

	a.Actions = nil
	a.Model.Temperature = nil
	must(t, s.UpdateAIAgent(ctx, a))
	agents, err := s.ListAIAgents(ctx, w.ID)
	must(t, err)
	diff(t, "AI agents", agents, []*store.AIAgent{a}, timeless(store.AIAgent{}))
	wantErr(t, s.CreateAIAgent(ctx, &store.AIAgent{WorkspaceID: w.ID, Name: a.Name}), store.ErrDuplicate)
	must(t, s.DeleteAIAgent(ctx, w.ID, a.ID))
	_, err = s.GetAIAgent(ctx, w.ID, a.ID)
	wantErr(t, err, store.ErrNotFound)
}

func testContactFields(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	budget := &store.ContactField{WorkspaceID: w.ID, Key: "budget", Name: "Budget", Type: store.FieldNumber, Position: 1}
	service := &store.ContactField{WorkspaceID: w.ID, Key: "service", Name: "Service", Type: store.FieldSelect,
		Options: []string{"Coupe", "Coloration"}, Position: 0}
	must(t, s.CreateContactField(ctx, budget))
	must(t, s.CreateContactField(ctx, service))
	fields, err := s.ListContactFields(ctx, w.ID)
	must(t, err)
	diff(t, "fields ordered by position", fields, []*store.ContactField{service, budget}, timeless(store.ContactField{}))

	budget.Name = "Budget (€)"
	budget.Position = -1
	must(t, s.UpdateContactField(ctx, budget))
	fields, err = s.ListContactFields(ctx, w.ID)
	must(t, err)
	diff(t, "fields after update", fields, []*store.ContactField{budget, service}, timeless(store.ContactField{}))

	wantErr(t, s.CreateContactField(ctx, &store.ContactField{WorkspaceID: w.ID, Key: "budget", Name: "Other", Type: store.FieldText}), store.ErrDuplicate)
	must(t, s.DeleteContactField(ctx, w.ID, budget.ID))
	wantErr(t, s.DeleteContactField(ctx, w.ID, budget.ID), store.ErrNotFound)
}

func testLifecycleStages(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	var stages []*store.LifecycleStage
	for i, n := range []string{"Nouveau Lead", "Lead Qualifié", "Client"} {
		st := &store.LifecycleStage{WorkspaceID: w.ID, Name: n, Position: i}
		must(t, s.CreateLifecycleStage(ctx, st))
		stages = append(stages, st)
	}
	got, err := s.ListLifecycleStages(ctx, w.ID)
	must(t, err)
	diff(t, "stages in order", got, stages, timeless(store.LifecycleStage{}))

	stages[2].Name = "Client fidèle"
	must(t, s.UpdateLifecycleStage(ctx, stages[2]))

	c := NewContact(t, s, w)
	c.LifecycleStageID = stages[1].ID
	must(t, s.UpdateContact(ctx, c))
	must(t, s.DeleteLifecycleStage(ctx, w.ID, stages[1].ID))
	c2, err := s.GetContact(ctx, w.ID, c.ID)
	must(t, err)
	if c2.LifecycleStageID != "" {
		t.Errorf("contact keeps deleted stage %q", c2.LifecycleStageID)
	}
	got, err = s.ListLifecycleStages(ctx, w.ID)
	must(t, err)
	diff(t, "stages after delete", got, []*store.LifecycleStage{stages[0], stages[2]}, timeless(store.LifecycleStage{}))
	wantErr(t, s.CreateLifecycleStage(ctx, &store.LifecycleStage{WorkspaceID: w.ID, Name: "Client fidèle"}), store.ErrDuplicate)
}

func testLabels(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	note := &store.Label{WorkspaceID: w.ID, Kind: store.ClosingNote, Name: "Problème Résolu"}
	tag := &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "Problème Résolu"} // same name, other kind
	class := &store.Label{WorkspaceID: w.ID, Kind: store.Classification, Name: "Réclamation", Description: "plainte"}
	for _, l := range []*store.Label{note, tag, class} {
		must(t, s.CreateLabel(ctx, l))
	}
	for _, l := range []*store.Label{note, tag, class} {
		got, err := s.ListLabels(ctx, w.ID, l.Kind)
		must(t, err)
		diff(t, string(l.Kind), got, []*store.Label{l}, timeless(store.Label{}))
	}
	note.Name = "Résolu"
	must(t, s.UpdateLabel(ctx, note))
	got, err := s.ListLabels(ctx, w.ID, store.ClosingNote)
	must(t, err)
	diff(t, "renamed note", got, []*store.Label{note}, timeless(store.Label{}))
	wantErr(t, s.CreateLabel(ctx, &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: tag.Name}), store.ErrDuplicate)
	must(t, s.DeleteLabel(ctx, w.ID, tag.ID))
	got, err = s.ListLabels(ctx, w.ID, store.Tag)
	must(t, err)
	diff(t, "tags after delete", got, []*store.Label(nil))
}

func testKnowledgeBases(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	kb := &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Docs"}
	must(t, s.CreateKnowledgeBase(ctx, kb))
	if kb.Language != "simple" {
		t.Errorf("default language = %q, want simple", kb.Language)
	}
	kb.Language, kb.Description = "english", "Product documentation"
	must(t, s.UpdateKnowledgeBase(ctx, kb))
	got, err := s.ListKnowledgeBases(ctx, w.ID)
	must(t, err)
	diff(t, "knowledge bases", got, []*store.KnowledgeBase{kb}, timeless(store.KnowledgeBase{}))
	wantErr(t, s.CreateKnowledgeBase(ctx, &store.KnowledgeBase{WorkspaceID: w.ID, Name: "Docs"}), store.ErrDuplicate)
	must(t, s.DeleteKnowledgeBase(ctx, w.ID, kb.ID))
	wantErr(t, s.DeleteKnowledgeBase(ctx, w.ID, kb.ID), store.ErrNotFound)
}
