package storetest

import (
	"errors"
	"testing"

	"github.com/causerie/causerie/store"
)

// testWorkspaceVersion: every change to what a turn reads of a workspace
// bumps its version in the change's own transaction (a rolled-back change
// does not), a team's round-robin cursor does not, and the row locks read
// the version with their row.
func testWorkspaceVersion(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	version := func() int64 {
		t.Helper()
		got, err := s.GetWorkspace(ctx, w.ID)
		must(t, err)
		return got.Version
	}
	v := version()
	if v < 1 || w.Version != v {
		t.Fatalf("a new workspace's version: created %d, read %d", w.Version, v)
	}
	bumps := func(what string, change func(q store.Queries) error) {
		t.Helper()
		before := version()
		must(t, s.InTx(ctx, change))
		if after := version(); after <= before {
			t.Errorf("%s: version %d → %d, want a bump", what, before, after)
		}
	}
	u := &store.User{WorkspaceID: w.ID, Email: "marie@example.fr", Name: "Marie"}
	bumps("create a user", func(q store.Queries) error { return q.CreateUser(ctx, u) })
	u.Name = "Marie Dubois"
	bumps("rename a user", func(q store.Queries) error { return q.UpdateUser(ctx, u) })
	team := &store.Team{WorkspaceID: w.ID, Name: "Ventes", MemberIDs: []string{u.ID}}
	bumps("create a team", func(q store.Queries) error { return q.CreateTeam(ctx, team) })
	bumps("create a tag", func(q store.Queries) error {
		return q.CreateLabel(ctx, &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "vip"})
	})
	bumps("create a contact field", func(q store.Queries) error {
		return q.CreateContactField(ctx, &store.ContactField{WorkspaceID: w.ID, Key: "budget", Name: "Budget", Type: store.FieldNumber})
	})
	w.Name = "Renamed"
	bumps("update the workspace", func(q store.Queries) error { return q.UpdateWorkspace(ctx, w) })
	if w.Version != version() {
		t.Errorf("UpdateWorkspace set Version %d, the store has %d", w.Version, version())
	}

	// Moving a team's round-robin cursor is not a change of shape.
	before := version()
	must(t, s.SetTeamCursor(ctx, w.ID, team.ID, 0))
	if after := version(); after != before {
		t.Errorf("a round-robin cursor moved the version %d → %d", before, after)
	}
	// A rolled-back change leaves the version.
	errUndo := errors.New("undo")
	err := s.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateLabel(ctx, &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "rolled-back"}); err != nil {
			return err
		}
		return errUndo
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	if after := version(); after != before {
		t.Errorf("a rolled-back change moved the version %d → %d", before, after)
	}

	// The row locks read the version with the row.
	conv := NewConversation(t, s, w)
	must(t, s.InTx(ctx, func(q store.Queries) error {
		c, err := q.LockConversation(ctx, w.ID, conv.ID)
		if err != nil {
			return err
		}
		ct, err := q.LockContact(ctx, w.ID, conv.ContactID)
		if err != nil {
			return err
		}
		if c.WorkspaceVersion != before || ct.WorkspaceVersion != before {
			t.Errorf("LockConversation read version %d, LockContact %d, want %d", c.WorkspaceVersion, ct.WorkspaceVersion, before)
		}
		return nil
	}))
	// Another workspace's changes are not this one's.
	other := NewWorkspace(t, s)
	must(t, s.CreateLabel(ctx, &store.Label{WorkspaceID: other.ID, Kind: store.Tag, Name: "ailleurs"}))
	if after := version(); after != before {
		t.Errorf("another workspace's change moved the version %d → %d", before, after)
	}
}
