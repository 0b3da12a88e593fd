package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// DefaultPath is where the embedded store lives unless told otherwise.
const DefaultPath = "data/causerie.db"

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed queries.sql
var dialectQueries string

// Open opens (creating it and its directory if needed) the SQLite store at
// path and applies pending migrations.
func Open(ctx context.Context, path string) (store.Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite store: create data directory: %w", err)
		}
	}
	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if _, err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	queries, err := sqlstore.LoadSQL(dialectQueries)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, err
	}
	return sqlstore.New(&driver{writer: writer, reader: reader}, queries), nil
}

// Migrate applies pending migrations to the store at path and reports
// what it applied.
func Migrate(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrate(ctx, db)
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// migrate applies pending migrations and returns their file names.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, r := range results {
		names = append(names, r.Source.Path)
	}
	return names, nil
}

// driver adapts database/sql on modernc.org/sqlite to sqlstore.Driver.
type driver struct {
	writer, reader *sql.DB
}

func (d *driver) Name() string { return "sqlite" }

func (d *driver) Conn() sqlstore.Conn { return pooled{d} }

func (d *driver) Close() error { return errors.Join(d.reader.Close(), d.writer.Close()) }

func (d *driver) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func (d *driver) InTx(ctx context.Context, fn func(sqlstore.Conn) error) (err error) {
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(conn{tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execer is what *sql.DB and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs everything on one execer.
type conn struct{ e execer }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.e.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.e.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return sqlRow{c.e.QueryRowContext(ctx, query, args...)}
}

// pooled runs reads on the reader pool and writes (including INSERT …
// RETURNING) on the single writer connection.
type pooled struct{ d *driver }

func isRead(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func (p pooled) pick(query string) conn {
	if isRead(query) {
		return conn{p.d.reader}
	}
	return conn{p.d.writer}
}

func (p pooled) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return conn{p.d.writer}.Exec(ctx, query, args...)
}

func (p pooled) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return p.pick(query).Query(ctx, query, args...)
}

func (p pooled) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return p.pick(query).QueryRow(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
