package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.OpenSQLite)
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "causerie.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorkspace(t, s)
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetWorkspace(ctx, w.ID); err != nil {
		t.Fatalf("workspace lost across reopen: %v", err)
	}
	applied, err := sqlite.Migrate(ctx, path)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
}

func BenchmarkAppendMessage(b *testing.B) {
	storetest.BenchAppendMessage(b, storetest.OpenSQLite(b))
}

func BenchmarkLoadConversation(b *testing.B) {
	storetest.BenchLoadConversation(b, storetest.OpenSQLite(b))
}

// A store on read-only media is read without creating any file, and a
// write says the store is read-only.
func TestOpenReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "causerie.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorkspace(t, s)
	s.Close()
	for _, f := range []string{path + "-wal", path + "-shm"} {
		os.Remove(f)
	}
	before, _ := os.ReadDir(dir)
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.GetWorkspaceBySlug(ctx, w.Slug); err != nil || got.ID != w.ID {
		t.Fatalf("read: %v %v", got, err)
	}
	err = ro.CreateWorkspace(ctx, &store.Workspace{Slug: "x", Name: "X"})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("write: %v, want ErrReadOnly", err)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("read-only opening created files: %v → %v", before, after)
	}
	if _, err := sqlite.OpenReadOnly(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a missing store opened read-only")
	}
}
