package postgres_test

import (
	"context"
	"testing"

	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.OpenPostgres)
}

func TestMigrateIsIdempotentAndCreatesVector(t *testing.T) {
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
