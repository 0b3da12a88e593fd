package snapshot_test

import (
	"context"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/snapshot"
	"github.com/causerie/causerie/store/storetest"
)

// Reads under a tracker that saw a version come from the snapshot of that
// version: once loaded, no statement; a newer version reloads; work
// without a tracker reads through.
func TestSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		w := storetest.NewWorkspace(t, s)
		conv := storetest.NewConversation(t, s, w)
		snap := snapshot.New(s)
		statements := func(ctx context.Context, read func(ctx context.Context)) int64 {
			t.Helper()
			cctx, n := store.CountStatements(ctx)
			read(cctx)
			return n.Statements.Load()
		}
		tags := func(ctx context.Context) []string {
			t.Helper()
			labels, err := snap.ListLabels(ctx, w.ID, store.Tag)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range labels {
				out = append(out, l.Name)
			}
			return out
		}
		if err := s.CreateLabel(ctx, &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "vip"}); err != nil {
			t.Fatal(err)
		}

		// Without a tracker: every read reads.
		if n := statements(ctx, func(ctx context.Context) { tags(ctx); tags(ctx) }); n != 2 {
			t.Errorf("untracked reads sent %d statements, want 2", n)
		}
		// A tracked turn learns the version from its conversation's lock.
		turn := snapshot.Track(ctx)
		if err := snap.InTx(turn, func(q store.Queries) error { _, err := q.LockConversation(turn, w.ID, conv.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if n := statements(turn, func(ctx context.Context) { tags(ctx) }); n != 1 {
			t.Errorf("the first tracked read sent %d statements, want 1 (the load)", n)
		}
		if n := statements(turn, func(ctx context.Context) { tags(ctx); tags(ctx) }); n != 0 {
			t.Errorf("tracked reads at an unchanged version sent %d statements, want 0", n)
		}
		loads := snap.Loads()

		// Another handle adds a tag: the next turn, locking its conversation,
		// sees the new version and reloads.
		if err := s.CreateLabel(ctx, &store.Label{WorkspaceID: w.ID, Kind: store.Tag, Name: "fidele"}); err != nil {
			t.Fatal(err)
		}
		next := snapshot.Track(ctx)
		if err := snap.InTx(next, func(q store.Queries) error { _, err := q.LockConversation(next, w.ID, conv.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if got := tags(next); len(got) != 2 || snap.Loads() != loads+1 {
			t.Errorf("after the change: tags %v, %d loads (was %d)", got, snap.Loads(), loads)
		}
		// The older turn is not served older names than it had.
		if got := tags(turn); len(got) != 2 {
			t.Errorf("the earlier turn now reads %v", got)
		}
		// Saw only moves forward; a tracker is kept by Track.
		snapshot.Saw(next, w.ID, 1)
		if snapshot.Track(next) != next {
			t.Error("Track replaced an existing tracker")
		}
		if n := statements(next, func(ctx context.Context) { tags(ctx) }); n != 0 {
			t.Errorf("a lower Saw made the snapshot reload (%d statements)", n)
		}
	})
}
