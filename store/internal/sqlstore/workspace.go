package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

func scanWorkspace(s scanner) (*store.Workspace, error) {
	var w store.Workspace
	var settings string
	if err := s.Scan(&w.ID, &w.Slug, &w.Name, &w.Language, &settings, &w.Version, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&w.CreatedAt, &w.UpdatedAt)
	return &w, fromJSON(settings, &w.Settings)
}

// CreateWorkspace implements store.Queries.
func (q *queries) CreateWorkspace(ctx context.Context, w *store.Workspace) error {
	if w.ID == "" {
		w.ID = store.NewID("ws")
	}
	w.CreatedAt, w.UpdatedAt, w.Version = now(), now(), 1
	_, err := q.exec(ctx, "CreateWorkspace", w.ID, w.Slug, w.Name, w.Language, toJSON(w.Settings), w.CreatedAt, w.UpdatedAt)
	return q.mapErr(err, "workspace", w.Slug)
}

// GetWorkspace implements store.Queries.
func (q *queries) GetWorkspace(ctx context.Context, id string) (*store.Workspace, error) {
	w, err := scanWorkspace(q.conn.QueryRow(ctx, q.sql.Get("GetWorkspace"), id))
	return w, q.mapErr(err, "workspace", id)
}

// GetWorkspaceBySlug implements store.Queries.
func (q *queries) GetWorkspaceBySlug(ctx context.Context, slug string) (*store.Workspace, error) {
	w, err := scanWorkspace(q.conn.QueryRow(ctx, q.sql.Get("GetWorkspaceBySlug"), slug))
	return w, q.mapErr(err, "workspace", slug)
}

// ListWorkspaces implements store.Queries.
func (q *queries) ListWorkspaces(ctx context.Context) ([]*store.Workspace, error) {
	return list(ctx, q, "ListWorkspaces", scanWorkspace)
}

// UpdateWorkspace implements store.Queries.
func (q *queries) UpdateWorkspace(ctx context.Context, w *store.Workspace) error {
	w.UpdatedAt = now()
	err := q.conn.QueryRow(ctx, q.sql.Get("UpdateWorkspace"), w.ID, w.Slug, w.Name, w.Language, toJSON(w.Settings), w.UpdatedAt).Scan(&w.Version)
	return q.mapErr(err, "workspace", w.ID)
}

// DeleteWorkspace implements store.Queries: everything in it goes too.
func (q *queries) DeleteWorkspace(ctx context.Context, id string) error {
	return q.execOne(ctx, "workspace", id, "DeleteWorkspace", id)
}

func scanUser(s scanner) (*store.User, error) {
	var u store.User
	if err := s.Scan(&u.ID, &u.WorkspaceID, &u.Email, &u.Name, &u.Availability, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&u.CreatedAt, &u.UpdatedAt)
	return &u, nil
}

// CreateUser implements store.Queries.
func (q *queries) CreateUser(ctx context.Context, u *store.User) error {
	if u.ID == "" {
		u.ID = store.NewID("usr")
	}
	if u.Availability == "" {
		u.Availability = store.Available
	}
	u.CreatedAt, u.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateUser", u.ID, u.WorkspaceID, u.Email, u.Name, string(u.Availability), u.CreatedAt, u.UpdatedAt)
	return q.mapErr(err, "user", u.Email)
}

// GetUser implements store.Queries.
func (q *queries) GetUser(ctx context.Context, workspaceID, id string) (*store.User, error) {
	u, err := scanUser(q.conn.QueryRow(ctx, q.sql.Get("GetUser"), workspaceID, id))
	return u, q.mapErr(err, "user", id)
}

// ListUsers implements store.Queries.
func (q *queries) ListUsers(ctx context.Context, workspaceID string) ([]*store.User, error) {
	return list(ctx, q, "ListUsers", scanUser, workspaceID)
}

// UpdateUser implements store.Queries.
func (q *queries) UpdateUser(ctx context.Context, u *store.User) error {
	u.UpdatedAt = now()
	return q.execOne(ctx, "user", u.ID, "UpdateUser", u.WorkspaceID, u.ID, u.Email, u.Name, string(u.Availability), u.UpdatedAt)
}

// DeleteUser implements store.Queries.
func (q *queries) DeleteUser(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "user", id, "DeleteUser", workspaceID, id)
}

func scanTeam(s scanner) (*store.Team, error) {
	var t store.Team
	if err := s.Scan(&t.ID, &t.WorkspaceID, &t.Name, &t.RoundRobinCursor, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&t.CreatedAt, &t.UpdatedAt)
	return &t, nil
}

// CreateTeam implements store.Queries.
func (q *queries) CreateTeam(ctx context.Context, t *store.Team) error {
	if t.ID == "" {
		t.ID = store.NewID("team")
	}
	t.CreatedAt, t.UpdatedAt = now(), now()
	t.RoundRobinCursor = -1
	return q.tx(ctx, func(q *queries) error {
		if _, err := q.exec(ctx, "CreateTeam", t.ID, t.WorkspaceID, t.Name, t.RoundRobinCursor, t.CreatedAt, t.UpdatedAt); err != nil {
			return q.mapErr(err, "team", t.Name)
		}
		return q.setMembers(ctx, t)
	})
}

func (q *queries) setMembers(ctx context.Context, t *store.Team) error {
	if _, err := q.exec(ctx, "DeleteTeamMembers", t.ID); err != nil {
		return q.mapErr(err, "team", t.Name)
	}
	for i, uid := range t.MemberIDs {
		var n int
		if err := q.conn.QueryRow(ctx, q.sql.Get("UserExists"), t.WorkspaceID, uid).Scan(&n); err != nil {
			return q.mapErr(err, "user", uid)
		}
		if n == 0 {
			return q.mapErr(ErrNoRows, "team member", uid)
		}
		if _, err := q.exec(ctx, "AddTeamMember", t.ID, uid, i); err != nil {
			return q.mapErr(err, "team member", uid)
		}
	}
	return nil
}

// attachMembers fills MemberIDs of teams, in one query for the workspace.
func (q *queries) attachMembers(ctx context.Context, workspaceID string, teams ...*store.Team) error {
	type member struct{ team, user string }
	ms, err := list(ctx, q, "ListTeamMembers", func(s scanner) (member, error) {
		var m member
		return m, s.Scan(&m.team, &m.user)
	}, workspaceID)
	if err != nil {
		return err
	}
	byTeam := map[string][]string{}
	for _, m := range ms {
		byTeam[m.team] = append(byTeam[m.team], m.user)
	}
	for _, t := range teams {
		t.MemberIDs = byTeam[t.ID]
	}
	return nil
}

// GetTeam implements store.Queries.
func (q *queries) GetTeam(ctx context.Context, workspaceID, id string) (*store.Team, error) {
	t, err := scanTeam(q.conn.QueryRow(ctx, q.sql.Get("GetTeam"), workspaceID, id))
	if err != nil {
		return nil, q.mapErr(err, "team", id)
	}
	return t, q.attachMembers(ctx, workspaceID, t)
}

// ListTeams implements store.Queries.
func (q *queries) ListTeams(ctx context.Context, workspaceID string) ([]*store.Team, error) {
	teams, err := list(ctx, q, "ListTeams", scanTeam, workspaceID)
	if err != nil {
		return nil, err
	}
	return teams, q.attachMembers(ctx, workspaceID, teams...)
}

// UpdateTeam implements store.Queries.
func (q *queries) UpdateTeam(ctx context.Context, t *store.Team) error {
	t.UpdatedAt = now()
	return q.tx(ctx, func(q *queries) error {
		if err := q.execOne(ctx, "team", t.ID, "UpdateTeam", t.WorkspaceID, t.ID, t.Name, t.UpdatedAt); err != nil {
			return err
		}
		return q.setMembers(ctx, t)
	})
}

// DeleteTeam implements store.Queries.
func (q *queries) DeleteTeam(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "team", id, "DeleteTeam", workspaceID, id)
}

func scanAIAgent(s scanner) (*store.AIAgent, error) {
	var a store.AIAgent
	var model, actions, kbs, knowledge string
	if err := s.Scan(&a.ID, &a.WorkspaceID, &a.Name, &a.Instructions, &model, &actions, &kbs, &a.CreatedAt, &a.UpdatedAt, &knowledge); err != nil {
		return nil, err
	}
	utc(&a.CreatedAt, &a.UpdatedAt)
	for _, c := range []struct {
		s string
		v any
	}{{model, &a.Model}, {actions, &a.Actions}, {kbs, &a.KnowledgeBaseIDs}, {knowledge, &a.Knowledge}} {
		if err := fromJSON(c.s, c.v); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// CreateAIAgent implements store.Queries.
func (q *queries) CreateAIAgent(ctx context.Context, a *store.AIAgent) error {
	if a.ID == "" {
		a.ID = store.NewID("agent")
	}
	a.CreatedAt, a.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateAIAgent", a.ID, a.WorkspaceID, a.Name, a.Instructions, toJSON(a.Model),
		jsonList(a.Actions), jsonList(a.KnowledgeBaseIDs), a.CreatedAt, a.UpdatedAt, toJSON(a.Knowledge))
	return q.mapErr(err, "AI agent", a.Name)
}

// GetAIAgent implements store.Queries.
func (q *queries) GetAIAgent(ctx context.Context, workspaceID, id string) (*store.AIAgent, error) {
	a, err := scanAIAgent(q.conn.QueryRow(ctx, q.sql.Get("GetAIAgent"), workspaceID, id))
	return a, q.mapErr(err, "AI agent", id)
}

// ListAIAgents implements store.Queries.
func (q *queries) ListAIAgents(ctx context.Context, workspaceID string) ([]*store.AIAgent, error) {
	return list(ctx, q, "ListAIAgents", scanAIAgent, workspaceID)
}

// UpdateAIAgent implements store.Queries.
func (q *queries) UpdateAIAgent(ctx context.Context, a *store.AIAgent) error {
	a.UpdatedAt = now()
	return q.execOne(ctx, "AI agent", a.ID, "UpdateAIAgent", a.WorkspaceID, a.ID, a.Name, a.Instructions,
		toJSON(a.Model), jsonList(a.Actions), jsonList(a.KnowledgeBaseIDs), a.UpdatedAt, toJSON(a.Knowledge))
}

// DeleteAIAgent implements store.Queries.
func (q *queries) DeleteAIAgent(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "AI agent", id, "DeleteAIAgent", workspaceID, id)
}

func scanContactField(s scanner) (*store.ContactField, error) {
	var f store.ContactField
	var options string
	if err := s.Scan(&f.ID, &f.WorkspaceID, &f.Key, &f.Name, &f.Type, &options, &f.Position, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&f.CreatedAt, &f.UpdatedAt)
	return &f, fromJSON(options, &f.Options)
}

// CreateContactField implements store.Queries.
func (q *queries) CreateContactField(ctx context.Context, f *store.ContactField) error {
	if f.ID == "" {
		f.ID = store.NewID("fld")
	}
	f.CreatedAt, f.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateContactField", f.ID, f.WorkspaceID, f.Key, f.Name, string(f.Type), jsonList(f.Options),
		f.Position, f.CreatedAt, f.UpdatedAt)
	return q.mapErr(err, "contact field", f.Key)
}

// ListContactFields implements store.Queries.
func (q *queries) ListContactFields(ctx context.Context, workspaceID string) ([]*store.ContactField, error) {
	return list(ctx, q, "ListContactFields", scanContactField, workspaceID)
}

// UpdateContactField implements store.Queries.
func (q *queries) UpdateContactField(ctx context.Context, f *store.ContactField) error {
	f.UpdatedAt = now()
	return q.execOne(ctx, "contact field", f.ID, "UpdateContactField", f.WorkspaceID, f.ID, f.Key, f.Name, string(f.Type),
		jsonList(f.Options), f.Position, f.UpdatedAt)
}

// DeleteContactField implements store.Queries.
func (q *queries) DeleteContactField(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "contact field", id, "DeleteContactField", workspaceID, id)
}

func scanStage(s scanner) (*store.LifecycleStage, error) {
	var st store.LifecycleStage
	if err := s.Scan(&st.ID, &st.WorkspaceID, &st.Name, &st.Position, &st.CreatedAt, &st.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&st.CreatedAt, &st.UpdatedAt)
	return &st, nil
}

// CreateLifecycleStage implements store.Queries.
func (q *queries) CreateLifecycleStage(ctx context.Context, s *store.LifecycleStage) error {
	if s.ID == "" {
		s.ID = store.NewID("stage")
	}
	s.CreatedAt, s.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateLifecycleStage", s.ID, s.WorkspaceID, s.Name, s.Position, s.CreatedAt, s.UpdatedAt)
	return q.mapErr(err, "lifecycle stage", s.Name)
}

// ListLifecycleStages implements store.Queries.
func (q *queries) ListLifecycleStages(ctx context.Context, workspaceID string) ([]*store.LifecycleStage, error) {
	return list(ctx, q, "ListLifecycleStages", scanStage, workspaceID)
}

// UpdateLifecycleStage implements store.Queries.
func (q *queries) UpdateLifecycleStage(ctx context.Context, s *store.LifecycleStage) error {
	s.UpdatedAt = now()
	return q.execOne(ctx, "lifecycle stage", s.ID, "UpdateLifecycleStage", s.WorkspaceID, s.ID, s.Name, s.Position, s.UpdatedAt)
}

// DeleteLifecycleStage implements store.Queries.
func (q *queries) DeleteLifecycleStage(ctx context.Context, workspaceID, id string) error {
	return q.tx(ctx, func(q *queries) error {
		if err := q.execOne(ctx, "lifecycle stage", id, "DeleteLifecycleStage", workspaceID, id); err != nil {
			return err
		}
		_, err := q.exec(ctx, "ClearContactsStage", workspaceID, id, now())
		return q.mapErr(err, "lifecycle stage", id)
	})
}

func scanLabel(s scanner) (*store.Label, error) {
	var l store.Label
	if err := s.Scan(&l.ID, &l.WorkspaceID, &l.Kind, &l.Name, &l.Description, &l.CreatedAt, &l.UpdatedAt); err != nil {
		return nil, err
	}
	utc(&l.CreatedAt, &l.UpdatedAt)
	return &l, nil
}

// CreateLabel implements store.Queries.
func (q *queries) CreateLabel(ctx context.Context, l *store.Label) error {
	if l.ID == "" {
		l.ID = store.NewID("lbl")
	}
	l.CreatedAt, l.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateLabel", l.ID, l.WorkspaceID, string(l.Kind), l.Name, l.Description, l.CreatedAt, l.UpdatedAt)
	return q.mapErr(err, string(l.Kind), l.Name)
}

// ListLabels implements store.Queries.
func (q *queries) ListLabels(ctx context.Context, workspaceID string, kind store.LabelKind) ([]*store.Label, error) {
	return list(ctx, q, "ListLabels", scanLabel, workspaceID, string(kind))
}

// UpdateLabel implements store.Queries.
func (q *queries) UpdateLabel(ctx context.Context, l *store.Label) error {
	l.UpdatedAt = now()
	return q.execOne(ctx, string(l.Kind), l.ID, "UpdateLabel", l.WorkspaceID, l.ID, l.Name, l.Description, l.UpdatedAt)
}

// DeleteLabel implements store.Queries.
func (q *queries) DeleteLabel(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "label", id, "DeleteLabel", workspaceID, id)
}

func scanKnowledgeBase(s scanner) (*store.KnowledgeBase, error) {
	var kb store.KnowledgeBase
	if err := s.Scan(&kb.ID, &kb.WorkspaceID, &kb.Name, &kb.Language, &kb.Description, &kb.CreatedAt, &kb.UpdatedAt, &kb.Embedder); err != nil {
		return nil, err
	}
	utc(&kb.CreatedAt, &kb.UpdatedAt)
	return &kb, nil
}

// CreateKnowledgeBase implements store.Queries.
func (q *queries) CreateKnowledgeBase(ctx context.Context, kb *store.KnowledgeBase) error {
	if kb.ID == "" {
		kb.ID = store.NewID("kb")
	}
	if kb.Language == "" {
		kb.Language = "simple"
	}
	kb.CreatedAt, kb.UpdatedAt = now(), now()
	_, err := q.exec(ctx, "CreateKnowledgeBase", kb.ID, kb.WorkspaceID, kb.Name, kb.Language, kb.Description, kb.CreatedAt, kb.UpdatedAt, kb.Embedder)
	return q.mapErr(err, "knowledge base", kb.Name)
}

// ListKnowledgeBases implements store.Queries.
func (q *queries) ListKnowledgeBases(ctx context.Context, workspaceID string) ([]*store.KnowledgeBase, error) {
	return list(ctx, q, "ListKnowledgeBases", scanKnowledgeBase, workspaceID)
}

// UpdateKnowledgeBase implements store.Queries.
func (q *queries) UpdateKnowledgeBase(ctx context.Context, kb *store.KnowledgeBase) error {
	kb.UpdatedAt = now()
	return q.execOne(ctx, "knowledge base", kb.ID, "UpdateKnowledgeBase", kb.WorkspaceID, kb.ID, kb.Name, kb.Language, kb.Description, kb.UpdatedAt, kb.Embedder)
}

// DeleteKnowledgeBase implements store.Queries.
func (q *queries) DeleteKnowledgeBase(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "knowledge base", id, "DeleteKnowledgeBase", workspaceID, id)
}

// LockTeam implements store.Queries.
func (q *queries) LockTeam(ctx context.Context, workspaceID, id string) (*store.Team, error) {
	t, err := scanTeam(q.conn.QueryRow(ctx, q.sql.Get("GetTeamForUpdate"), workspaceID, id))
	if err != nil {
		return nil, q.mapErr(err, "team", id)
	}
	return t, q.attachMembers(ctx, workspaceID, t)
}

// SetTeamCursor implements store.Queries.
func (q *queries) SetTeamCursor(ctx context.Context, workspaceID, id string, cursor int) error {
	return q.execOne(ctx, "team", id, "SetTeamCursor", workspaceID, id, cursor)
}
