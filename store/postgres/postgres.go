package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// regconfigOID is the fixed OID of PostgreSQL's regconfig type.
const regconfigOID = 3734

//go:embed migrations/*.sql
var migrations embed.FS

// The dialect's own queries: queries.sql and queries_<feature>.sql.
//
//go:embed queries*.sql
var dialectQueries embed.FS

// Open connects to the database at url (postgres://…), applies pending
// migrations and returns the store: a *Store, so also a store.Notifier.
func Open(ctx context.Context, url string) (store.Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres store: parse database URL: %w", err)
	}
	if _, err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	listenConfig := cfg.ConnConfig.Copy()
	// The vector type exists only once the first migration ran, so types
	// are registered on the pool opened after it.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// regconfig (text search configurations) travels as its OID, so
		// COPY can write the chunks' language column in binary.
		c.TypeMap().RegisterType(&pgtype.Type{Name: "regconfig", OID: regconfigOID, Codec: pgtype.Uint32Codec{}})
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	queries, err := sqlstore.LoadSQL(dialectQueries)
	if err != nil {
		pool.Close()
		return nil, err
	}
	d := &driver{pool: pool, connConfig: listenConfig}
	return &Store{Store: sqlstore.New(d, queries), drv: d, listenPing: listenPingInterval}, nil
}

// Migrate applies pending migrations to the database at url and reports
// what it applied.
func Migrate(ctx context.Context, url string) ([]string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	return migrate(ctx, cfg)
}

func migrate(ctx context.Context, cfg *pgx.ConnConfig) ([]string, error) {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", vectorHint(err, cfg.Database))
	}
	var names []string
	for _, r := range results {
		names = append(names, r.Source.Path)
	}
	return names, nil
}

// driver adapts a pgx pool to sqlstore.Driver.
type driver struct {
	pool *pgxpool.Pool
	// connConfig opens the connections that are not the pool's (Listen's).
	connConfig *pgx.ConnConfig
	// indexed records the vector sizes known to have their HNSW index in
	// this database.
	indexed sync.Map
}

func (d *driver) Name() string { return "postgres" }

func (d *driver) Conn() sqlstore.Conn { return conn{d.pool} }

func (d *driver) Close() error { d.pool.Close(); return nil }

func (d *driver) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// notifySQL sends a notification (AppendStreamEvent sends its own, in
// its statement).
const notifySQL = `SELECT pg_notify($1, $2)`

// maxTxAttempts bounds how often InTx runs a transaction that PostgreSQL
// aborted as a deadlock victim or for a serialization failure.
const maxTxAttempts = 5

func (d *driver) InTx(ctx context.Context, fn func(sqlstore.Conn) error) error {
	for attempt := 1; ; attempt++ {
		err := d.inTx(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !retryable(err) {
			return err
		}
		// Everything fn did was rolled back: run it again, after a short
		// randomised pause so that the transactions do not meet again.
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond):
		}
	}
}

// retryable reports whether err aborted a transaction that may simply be
// run again: a serialization failure (40001) or a deadlock (40P01).
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

func (d *driver) inTx(ctx context.Context, fn func(sqlstore.Conn) error) (err error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(conn{tx}); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// vectorHint explains a migration that could not create the vector
// extension: what an administrator must do.
func vectorHint(err error, database string) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) || !strings.Contains(e.Message, "vector") {
		return err
	}
	switch e.Code {
	case "42501": // insufficient_privilege
		return fmt.Errorf("%w\nthis role may not create the pgvector extension: a database superuser must run, once, in database %q:\n    CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;\nthen run causerie again", err, database)
	case "58P01", "0A000": // undefined_file, feature_not_supported: not installed on the server
		return fmt.Errorf("%w\npgvector is not installed on this PostgreSQL server: install it (Debian: the postgresql-15-pgvector package, or build it from source — see DESIGN.md), then a superuser runs in database %q:\n    CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;", err, database)
	}
	return err
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type conn struct{ q querier }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return c.q.Query(ctx, query, args...)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return row{c.q.QueryRow(ctx, query, args...)}
}

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
