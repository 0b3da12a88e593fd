package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
)

// Op is what Apply did to one entity.
type Op string

// Ops.
const (
	Created Op = "created"
	Updated Op = "updated"
	Deleted Op = "deleted"
)

// Change is one entity Apply created, updated or deleted.
type Change struct {
	Op   Op
	Kind string // "user", "team", "contact field"…
	Name string
}

func (c Change) String() string { return fmt.Sprintf("%s %s %q", c.Op, c.Kind, c.Name) }

// Result says what Apply did (or, in a dry run, would do).
type Result struct {
	Workspace *store.Workspace
	Changes   []Change
	// Dangling lists what a forced apply left pointing at something it
	// deleted.
	Dangling []string
	// DryRun: nothing was applied.
	DryRun bool
	// Refused, in a dry run without Force, is why the apply would be
	// refused.
	Refused *InUseError
	// Warnings are the file's (File.Warnings).
	Warnings source.Problems
}

// Apply makes the workspace named by f.Workspace.Slug match f: it creates
// the workspace if needed, creates and updates what the file lists, and
// deletes what it no longer lists — unless an enabled flow, an AI agent's
// instructions or an open conversation still uses it (an *InUseError
// lists them; opts.Force deletes anyway). Conversations assigned to a
// deleted user or team are unassigned, with an event. It runs in one
// transaction: on error, or in a dry run, nothing changed. Applying the
// same file twice changes nothing the second time.
func Apply(ctx context.Context, s store.Store, f *File, opts ApplyOptions) (*Result, error) {
	var res *Result
	err := s.InTx(ctx, func(q store.Queries) error {
		a := &applier{q: q, f: f, opts: opts, res: &Result{DryRun: opts.DryRun, Warnings: f.Warnings}}
		if err := a.run(ctx); err != nil {
			return err
		}
		res = a.res
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("apply workspace %q (nothing was changed): %w", f.Workspace.Slug, err)
	}
	return res, nil
}

type applier struct {
	q    store.Queries
	f    *File
	opts ApplyOptions
	res  *Result
	ws   *store.Workspace
	was  *before
}

func (a *applier) note(op Op, kind, name string) {
	a.res.Changes = append(a.res.Changes, Change{op, kind, name})
}

// reconcile matches existing entities to specs by key, then deletes the
// entities no spec names, updates those that differ and creates the
// missing ones — deletes first, so that renames cannot collide.
func reconcile[E, S any](a *applier, kind string, existing []E, specs []S,
	keyE func(E) string, keyS func(S) string,
	same func(E, S, int) bool,
	create func(S, int) error, update func(E, S, int) error, del func(E) error,
) error {
	byKey := map[string]E{}
	for _, e := range existing {
		byKey[keyE(e)] = e
	}
	wanted := map[string]bool{}
	for _, s := range specs {
		wanted[keyS(s)] = true
	}
	for _, e := range existing {
		if !wanted[keyE(e)] {
			if err := del(e); err != nil {
				return fmt.Errorf("delete %s %q: %w", kind, keyE(e), err)
			}
			a.note(Deleted, kind, keyE(e))
		}
	}
	for i, s := range specs {
		e, ok := byKey[keyS(s)]
		switch {
		case !ok:
			if err := create(s, i); err != nil {
				return fmt.Errorf("create %s %q: %w", kind, keyS(s), err)
			}
			a.note(Created, kind, keyS(s))
		case !same(e, s, i):
			if err := update(e, s, i); err != nil {
				return fmt.Errorf("update %s %q: %w", kind, keyS(s), err)
			}
			a.note(Updated, kind, keyS(s))
		}
	}
	return nil
}

func (a *applier) run(ctx context.Context) error {
	q, f := a.q, a.f
	h := f.Workspace
	ws, err := q.GetWorkspaceBySlug(ctx, h.Slug)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		ws = &store.Workspace{Slug: h.Slug, Name: h.Name, Language: h.Language}
		if err := q.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		a.note(Created, "workspace", h.Slug)
	default:
		return err
	}
	a.ws = ws
	wsID := ws.ID
	if err := a.snapshot(ctx); err != nil {
		return err
	}

	users, err := q.ListUsers(ctx, wsID)
	if err != nil {
		return err
	}
	userIDs := map[string]string{}
	for _, u := range users {
		userIDs[u.Email] = u.ID
	}
	err = reconcile(a, "user", users, f.Users,
		func(u *store.User) string { return u.Email }, func(u User) string { return u.Email },
		func(e *store.User, s User, _ int) bool { return e.Name == s.Name && e.Availability == availability(s) },
		func(s User, _ int) error {
			u := &store.User{WorkspaceID: wsID, Email: s.Email, Name: s.Name, Availability: availability(s)}
			err := q.CreateUser(ctx, u)
			userIDs[s.Email] = u.ID
			return err
		},
		func(e *store.User, s User, _ int) error {
			e.Name, e.Availability = s.Name, availability(s)
			return q.UpdateUser(ctx, e)
		},
		func(e *store.User) error { return q.DeleteUser(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	kbs, err := q.ListKnowledgeBases(ctx, wsID)
	if err != nil {
		return err
	}
	kbIDs := map[string]string{}
	for _, kb := range kbs {
		kbIDs[kb.Name] = kb.ID
	}
	err = reconcile(a, "knowledge base", kbs, f.KnowledgeBases,
		func(kb *store.KnowledgeBase) string { return kb.Name }, func(kb KnowledgeBase) string { return kb.Name },
		func(e *store.KnowledgeBase, s KnowledgeBase, _ int) bool {
			return e.Language == kbLanguage(s) && e.Description == s.Description
		},
		func(s KnowledgeBase, _ int) error {
			kb := &store.KnowledgeBase{WorkspaceID: wsID, Name: s.Name, Language: kbLanguage(s), Description: s.Description}
			err := q.CreateKnowledgeBase(ctx, kb)
			kbIDs[s.Name] = kb.ID
			return err
		},
		func(e *store.KnowledgeBase, s KnowledgeBase, _ int) error {
			e.Language, e.Description = kbLanguage(s), s.Description
			return q.UpdateKnowledgeBase(ctx, e)
		},
		func(e *store.KnowledgeBase) error { return q.DeleteKnowledgeBase(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	teams, err := q.ListTeams(ctx, wsID)
	if err != nil {
		return err
	}
	members := func(t Team) []string { return lookup(t.Members, userIDs) }
	err = reconcile(a, "team", teams, f.Teams,
		func(t *store.Team) string { return t.Name }, func(t Team) string { return t.Name },
		func(e *store.Team, s Team, _ int) bool { return slices.Equal(e.MemberIDs, members(s)) },
		func(s Team, _ int) error {
			return q.CreateTeam(ctx, &store.Team{WorkspaceID: wsID, Name: s.Name, MemberIDs: members(s)})
		},
		func(e *store.Team, s Team, _ int) error {
			e.MemberIDs = members(s)
			return q.UpdateTeam(ctx, e)
		},
		func(e *store.Team) error { return q.DeleteTeam(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	agents, err := q.ListAIAgents(ctx, wsID)
	if err != nil {
		return err
	}
	toAgent := func(e *store.AIAgent, s AIAgent) *store.AIAgent {
		if e == nil {
			e = &store.AIAgent{WorkspaceID: wsID, Name: s.Name}
		}
		e.Instructions, e.Model, e.Actions = s.Instructions, s.Model, s.Actions
		e.KnowledgeBaseIDs = lookup(s.KnowledgeBases, kbIDs)
		e.Knowledge = store.KnowledgeSettings{Ground: s.Knowledge.Ground, TopK: s.Knowledge.TopK, MessageBefore: s.Knowledge.MessageBefore}
		return e
	}
	err = reconcile(a, "AI agent", agents, f.AIAgents,
		func(e *store.AIAgent) string { return e.Name }, func(s AIAgent) string { return s.Name },
		func(e *store.AIAgent, s AIAgent, _ int) bool {
			w := toAgent(&store.AIAgent{}, s)
			return e.Instructions == w.Instructions && sameModel(e.Model, w.Model) && e.Knowledge == w.Knowledge &&
				slices.Equal(e.Actions, w.Actions) && slices.Equal(e.KnowledgeBaseIDs, w.KnowledgeBaseIDs)
		},
		func(s AIAgent, _ int) error { return q.CreateAIAgent(ctx, toAgent(nil, s)) },
		func(e *store.AIAgent, s AIAgent, _ int) error { return q.UpdateAIAgent(ctx, toAgent(e, s)) },
		func(e *store.AIAgent) error { return q.DeleteAIAgent(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	fields, err := q.ListContactFields(ctx, wsID)
	if err != nil {
		return err
	}
	err = reconcile(a, "contact field", fields, f.ContactFields,
		func(e *store.ContactField) string { return e.Key }, func(s ContactField) string { return s.ID },
		func(e *store.ContactField, s ContactField, i int) bool {
			return e.Name == s.Name && string(e.Type) == s.Type && slices.Equal(e.Options, s.Options) && e.Position == i
		},
		func(s ContactField, i int) error {
			return q.CreateContactField(ctx, &store.ContactField{WorkspaceID: wsID, Key: s.ID, Name: s.Name,
				Type: store.FieldType(s.Type), Options: s.Options, Position: i})
		},
		func(e *store.ContactField, s ContactField, i int) error {
			e.Name, e.Type, e.Options, e.Position = s.Name, store.FieldType(s.Type), s.Options, i
			return q.UpdateContactField(ctx, e)
		},
		func(e *store.ContactField) error { return q.DeleteContactField(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	stages, err := q.ListLifecycleStages(ctx, wsID)
	if err != nil {
		return err
	}
	stageIDs := map[string]string{}
	for _, st := range stages {
		stageIDs[st.Name] = st.ID
	}
	err = reconcile(a, "lifecycle stage", stages, f.LifecycleStages,
		func(e *store.LifecycleStage) string { return e.Name }, func(s string) string { return s },
		func(e *store.LifecycleStage, _ string, i int) bool { return e.Position == i },
		func(s string, i int) error {
			st := &store.LifecycleStage{WorkspaceID: wsID, Name: s, Position: i}
			err := q.CreateLifecycleStage(ctx, st)
			stageIDs[s] = st.ID
			return err
		},
		func(e *store.LifecycleStage, _ string, i int) error {
			e.Position = i
			return q.UpdateLifecycleStage(ctx, e)
		},
		func(e *store.LifecycleStage) error { return q.DeleteLifecycleStage(ctx, wsID, e.ID) })
	if err != nil {
		return err
	}

	for _, l := range []struct {
		kind  store.LabelKind
		name  string
		specs []Label
	}{{store.ClosingNote, "closing note", f.ClosingNotes}, {store.Tag, "tag", f.Tags}, {store.Classification, "classification", f.Classifications}} {
		labels, err := q.ListLabels(ctx, wsID, l.kind)
		if err != nil {
			return err
		}
		err = reconcile(a, l.name, labels, l.specs,
			func(e *store.Label) string { return e.Name }, func(s Label) string { return s.Name },
			func(e *store.Label, s Label, _ int) bool { return e.Description == s.Description },
			func(s Label, _ int) error {
				return q.CreateLabel(ctx, &store.Label{WorkspaceID: wsID, Kind: l.kind, Name: s.Name, Description: s.Description})
			},
			func(e *store.Label, s Label, _ int) error {
				e.Description = s.Description
				return q.UpdateLabel(ctx, e)
			},
			func(e *store.Label) error { return q.DeleteLabel(ctx, wsID, e.ID) })
		if err != nil {
			return err
		}
	}

	if err := a.responseRules(ctx); err != nil {
		return err
	}

	// The header last: its settings refer to stages created above.
	settings := store.WorkspaceSettings{
		AssignUnavailableUsers:  h.Settings.AssignUnavailableUsers,
		HTTPAllowlist:           h.Settings.HTTPAllowlist,
		DefaultLifecycleStageID: stageIDs[h.Settings.DefaultLifecycleStage],
		DefaultCountry:          strings.ToUpper(h.Settings.DefaultCountry),
		EmailRecipients:         h.Settings.EmailRecipients,
		HTTPActions:             h.Settings.HTTPActions,
		AIAgentsFreeHTTP:        h.Settings.AIAgentsFreeHTTP,
		FallbackTeam:            h.Settings.FallbackTeam,
		FallbackMessages:        h.Settings.FallbackMessages,
		WidgetOrigins:           h.Settings.WidgetOrigins,
		IdentitySecret:          h.Settings.IdentitySecret,
	}
	if c := h.Settings.CRM; c != nil {
		settings.CRM = &store.CRMEndpoint{URL: c.URL, Headers: c.Headers}
	}
	if ws.Name != h.Name || ws.Language != h.Language || !sameSettings(ws.Settings, settings) {
		ws.Name, ws.Language, ws.Settings = h.Name, h.Language, settings
		if err := q.UpdateWorkspace(ctx, ws); err != nil {
			return err
		}
		if !slices.Contains(a.res.Changes, Change{Created, "workspace", h.Slug}) {
			a.note(Updated, "workspace", h.Slug)
		}
	}
	a.res.Workspace = ws
	return a.dependents(ctx)
}

func availability(u User) store.Availability {
	if u.Availability == "" {
		return store.Available
	}
	return store.Availability(u.Availability)
}

func kbLanguage(kb KnowledgeBase) string {
	if kb.Language == "" {
		return "simple"
	}
	return kb.Language
}

// lookup maps names to IDs; validation has already checked they exist.
func lookup(names []string, ids map[string]string) []string {
	var out []string
	for _, n := range names {
		out = append(out, ids[n])
	}
	return out
}

func sameModel(a, b store.ModelSettings) bool {
	sameT := (a.Temperature == nil) == (b.Temperature == nil) &&
		(a.Temperature == nil || *a.Temperature == *b.Temperature)
	return a.Name == b.Name && a.MaxOutputTokens == b.MaxOutputTokens && sameT
}

func sameSettings(a, b store.WorkspaceSettings) bool {
	return reflect.DeepEqual(a, b)
}

// ruleOf is the store's form of a file's response rule.
func ruleOf(wsID string, r ResponseRule, position int) (*store.ResponseRule, error) {
	out := &store.ResponseRule{WorkspaceID: wsID, Name: r.Name, Keywords: r.Keywords, Match: r.Match, Reply: r.Reply,
		Enabled: r.Enabled == nil || *r.Enabled, Position: position}
	if out.Match == "" {
		out.Match = "contains"
	}
	for _, act := range r.Actions {
		ra := store.RuleAction{Action: act.Action}
		if len(act.Args) > 0 {
			b, err := json.Marshal(act.Args)
			if err != nil {
				return nil, fmt.Errorf("arguments of %s: %w", act.Action, err)
			}
			ra.Args = b
		}
		out.Actions = append(out.Actions, ra)
	}
	return out, nil
}

// sameRule compares rules as the file sees them (arguments as JSON
// values, not their spelling).
func sameRule(a, b *store.ResponseRule) bool {
	if a.Reply != b.Reply || a.Match != b.Match || a.Enabled != b.Enabled || a.Position != b.Position ||
		!slices.Equal(a.Keywords, b.Keywords) || len(a.Actions) != len(b.Actions) {
		return false
	}
	for i := range a.Actions {
		var x, y any
		_ = json.Unmarshal(a.Actions[i].Args, &x)
		_ = json.Unmarshal(b.Actions[i].Args, &y)
		if a.Actions[i].Action != b.Actions[i].Action || !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func (a *applier) responseRules(ctx context.Context) error {
	q, wsID := a.q, a.ws.ID
	rules, err := q.ListResponseRules(ctx, wsID)
	if err != nil {
		return err
	}
	return reconcile(a, "response rule", rules, a.f.ResponseRules,
		func(e *store.ResponseRule) string { return e.Name }, func(s ResponseRule) string { return s.Name },
		func(e *store.ResponseRule, s ResponseRule, i int) bool {
			w, err := ruleOf(wsID, s, i)
			return err == nil && sameRule(e, w)
		},
		func(s ResponseRule, i int) error {
			r, err := ruleOf(wsID, s, i)
			if err != nil {
				return err
			}
			return q.CreateResponseRule(ctx, r)
		},
		func(e *store.ResponseRule, s ResponseRule, i int) error {
			r, err := ruleOf(wsID, s, i)
			if err != nil {
				return err
			}
			r.ID = e.ID
			return q.UpdateResponseRule(ctx, r)
		},
		func(e *store.ResponseRule) error { return q.DeleteResponseRule(ctx, wsID, e.ID) })
}
