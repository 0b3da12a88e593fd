package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/storetest"
	"github.com/jackc/pgx/v5"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.OpenPostgres)
}

func TestMigrateIsIdempotentAndCreatesVector(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	first, err := postgres.Migrate(ctx, url)
	if err != nil || len(first) == 0 {
		t.Fatalf("first migrate applied %v, %v", first, err)
	}
	again, err := postgres.Migrate(ctx, url)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
}

func BenchmarkAppendMessage(b *testing.B) {
	storetest.BenchAppendMessage(b, storetest.OpenPostgres(b))
}

func BenchmarkLoadConversation(b *testing.B) {
	storetest.BenchLoadConversation(b, storetest.OpenPostgres(b))
}

// A role that may not create the vector extension is told the exact
// statement an administrator must run.
func TestRoleWithoutVectorExtension(t *testing.T) {
	t.Parallel()
	base := storetest.PostgresURL(t) // skips or fails as the suite does without PostgreSQL
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := "causerie_novec_" + strings.ReplaceAll(store.NewID("x")[2:12], "-", "")
	for _, q := range []string{"CREATE ROLE " + name + " LOGIN", "CREATE DATABASE " + name + " OWNER " + name} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+name)
	})
	u, _ := url.Parse(base)
	u.User = url.User(name)
	u.Path = "/" + name
	u.RawQuery = "sslmode=disable"
	_, err = postgres.Open(ctx, u.String())
	if err == nil || !strings.Contains(err.Error(), "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;") ||
		!strings.Contains(err.Error(), `in database "`+name+`"`) {
		t.Fatalf("err = %v", err)
	}
}
