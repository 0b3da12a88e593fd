package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
)

// Environment variables of the PostgreSQL tests. `make test` sets both.
const (
	// EnvDatabaseURL points at a PostgreSQL database with pgvector that
	// tests may create schemas in.
	EnvDatabaseURL = "CAUSERIE_TEST_DATABASE_URL"
	// EnvRequirePostgres turns a missing or unreachable database from a
	// skip into a failure.
	EnvRequirePostgres = "CAUSERIE_REQUIRE_POSTGRES"
)

// databases remembers where each store the helpers opened lives, so that
// Reopen can open another handle on it.
var databases sync.Map // store.Store → func(testing.TB) store.Store

// OpenSQLite opens a fresh SQLite store in a temporary directory, closed
// when the test ends.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "causerie.db")
	var open func(t testing.TB) store.Store
	open = func(t testing.TB) store.Store {
		t.Helper()
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open sqlite store: %v", err)
		}
		t.Cleanup(func() { s.Close(); databases.Delete(s) })
		databases.Store(s, open)
		return s
	}
	return open(t)
}

// Reopen opens another handle on the database of s (a store OpenSQLite or
// OpenPostgres returned), as a second process would; it is closed when
// the test ends.
func Reopen(t testing.TB, s store.Store) store.Store {
	t.Helper()
	open, ok := databases.Load(s)
	if !ok {
		t.Fatalf("storetest.Reopen: the store was not opened by OpenSQLite or OpenPostgres")
	}
	return open.(func(testing.TB) store.Store)(t)
}

// PostgresURL returns a database URL whose search_path is a new schema of
// its own, dropped when the test ends. Without CAUSERIE_TEST_DATABASE_URL
// the test is skipped — or fails, when CAUSERIE_REQUIRE_POSTGRES is set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		if os.Getenv(EnvRequirePostgres) != "" {
			t.Fatalf("%s is not set but %s is: the PostgreSQL tests must run (make test sets it up)", EnvDatabaseURL, EnvRequirePostgres)
		}
		t.Skipf("%s not set: skipping PostgreSQL (make test runs it)", EnvDatabaseURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	defer conn.Close(ctx)
	schema := "test_" + strings.ReplaceAll(store.NewID("s")[2:], "-", "")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop test schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a PostgreSQL store on a fresh schema (see
// PostgresURL), closed when the test ends.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	url := PostgresURL(t)
	var open func(t testing.TB) store.Store
	open = func(t testing.TB) store.Store {
		t.Helper()
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("open postgres store: %v", err)
		}
		t.Cleanup(func() { s.Close(); databases.Delete(s) })
		databases.Store(s, open)
		return s
	}
	return open(t)
}

// Each runs fn as a subtest on a fresh store of each dialect.
func Each(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, open := range []func(testing.TB) store.Store{OpenSQLite, OpenPostgres} {
		s := open(t)
		t.Run(s.Dialect(), func(t *testing.T) { fn(t, s) })
	}
}

// Name is a short unique name, for tests that need one.
func Name(prefix string) string { return fmt.Sprintf("%s-%d", prefix, slugs.Add(1)) }
