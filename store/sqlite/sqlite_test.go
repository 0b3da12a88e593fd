package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

func TestReopenKeepsData(t *testing.T) {
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
