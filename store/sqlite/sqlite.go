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
	"sync"
	"time"

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

// The dialect's own queries: queries.sql and queries_<feature>.sql.
//
//go:embed queries*.sql
var dialectQueries embed.FS

// Open opens (creating it and its directory if needed) the SQLite store at
// path and applies pending migrations.
func Open(ctx context.Context, path string) (store.Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if err := makeDir(path); err != nil {
		return nil, err
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
	d := &driver{writer: writer, reader: reader, stmts: map[*sql.DB]map[string]*sql.Stmt{writer: {}, reader: {}}, pending: map[string]bool{},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	d.queries = map[string]bool{}
	for _, q := range queries {
		d.queries[q] = true
	}
	go d.checkpointer(path)
	return sqlstore.New(d, queries), nil
}

// OpenReadOnly opens the existing SQLite store at path for reading only,
// as a store on read-only media must be: no migration runs (one pending is
// an error that says to migrate with write access), no journal or WAL
// file is created, and every write fails. Use it for commands that only
// read, when Open cannot write.
func OpenReadOnly(ctx context.Context, path string) (store.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1") // no -wal or -shm file: the media may not take one
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithGoMigrations(goMigrations()...))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if pending, err := p.HasPending(ctx); err != nil || pending {
		db.Close()
		if err == nil {
			err = errors.New("it has migrations to apply; run `causerie migrate` once with write access")
		}
		return nil, fmt.Errorf("sqlite store %s (read-only): %w", path, err)
	}
	queries, err := sqlstore.LoadSQL(dialectQueries)
	if err != nil {
		db.Close()
		return nil, err
	}
	d := &driver{writer: db, reader: db, stmts: map[*sql.DB]map[string]*sql.Stmt{db: {}}, pending: map[string]bool{},
		stop: make(chan struct{}), stopped: make(chan struct{}), readOnly: true}
	close(d.stopped) // no checkpointer
	d.queries = map[string]bool{}
	for _, q := range queries {
		d.queries[q] = true
	}
	return sqlstore.New(d, queries), nil
}

// checkpointInterval is how often the WAL is folded back into the database.
const checkpointInterval = time.Second

// checkpointer folds the WAL into the database file in the background,
// with its own connection, so that no request pays for it. A PASSIVE
// checkpoint never blocks writers or readers.
func (d *driver) checkpointer(path string) {
	defer close(d.stopped)
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			_, _ = db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
			return
		case <-t.C:
			_, _ = db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// Migrate applies pending migrations to the store at path and reports
// what it applied.
func Migrate(ctx context.Context, path string) ([]string, error) {
	if err := makeDir(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrate(ctx, db)
}

// makeDir creates the data directory of the store at path.
func makeDir(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("sqlite store: create data directory: %w", err)
		}
	}
	return nil
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
		// Checkpoints run in the background (see checkpointer), not in
		// the commit of whichever request crossed the threshold.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	return "file:" + path + "?" + q.Encode()
}

// migrate applies pending migrations and returns their file names.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithGoMigrations(goMigrations()...))
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
	// stmts caches prepared statements per pool: SQLite spends more time
	// parsing a query than running most of ours.
	mu    sync.Mutex
	stmts map[*sql.DB]map[string]*sql.Stmt
	// queries are the store's own queries; pending those a transaction
	// needed before they were prepared on the writer: they are prepared
	// before the next transaction begins (never during one: it holds the
	// writer's only connection).
	queries map[string]bool
	pending map[string]bool
	// stop ends the checkpointer, which closes stopped.
	stop, stopped chan struct{}
	closeOnce     sync.Once
	// readOnly is set by OpenReadOnly: writer and reader are one pool.
	readOnly bool
	// vectors are the knowledge bases' codes for vector search's first
	// pass (knowledge_codes.go).
	vectors vectorCache
}

// cached returns the prepared statement of query on db, nil if none.
func (d *driver) cached(db *sql.DB, query string) *sql.Stmt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stmts[db][query]
}

// stmt returns the prepared statement of query on db, preparing it if
// needed (never on the writer while a transaction holds it: see
// preparePending).
func (d *driver) stmt(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st := d.cached(db, query); st != nil {
		return st, nil
	}
	// Prepare without holding the lock: it may wait for the writer's
	// connection, which a transaction needing the lock may hold.
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if prev, ok := d.stmts[db][query]; ok { // prepared meanwhile
		st.Close()
		return prev, nil
	}
	d.stmts[db][query] = st
	return st, nil
}

func (d *driver) Name() string { return "sqlite" }

func (d *driver) Conn() sqlstore.Conn { return pooled{d} }

func (d *driver) Close() error {
	d.closeOnce.Do(func() { close(d.stop) })
	<-d.stopped
	d.mu.Lock()
	for _, m := range d.stmts {
		for _, st := range m {
			st.Close()
		}
	}
	d.mu.Unlock()
	if d.readOnly {
		return d.reader.Close()
	}
	return errors.Join(d.reader.Close(), d.writer.Close())
}

func (d *driver) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func (d *driver) InTx(ctx context.Context, fn func(sqlstore.Conn) error) (err error) {
	if err := d.preparePending(ctx); err != nil {
		return err
	}
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
	if err := fn(txConn{d: d, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// txConn runs a transaction's queries on cached statements of the writer.
type txConn struct {
	d  *driver
	tx *sql.Tx
}

func (c txConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.d.cached(c.d.writer, query); st != nil {
		return c.tx.StmtContext(ctx, st), nil
	}
	// Prepare it for this transaction; one of the store's queries is also
	// prepared for good before the next transaction.
	c.d.mu.Lock()
	if c.d.queries[query] {
		c.d.pending[query] = true
	}
	c.d.mu.Unlock()
	return c.tx.PrepareContext(ctx, query)
}

// preparePending prepares on the writer the queries transactions asked
// for, while no transaction holds it.
func (d *driver) preparePending(ctx context.Context) error {
	d.mu.Lock()
	pending := d.pending
	if len(pending) == 0 {
		d.mu.Unlock()
		return nil
	}
	d.pending = map[string]bool{}
	d.mu.Unlock()
	for q := range pending {
		if _, err := d.stmt(ctx, d.writer, q); err != nil {
			return err
		}
	}
	return nil
}

func (c txConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if c.d.readOnly {
		return 0, store.ErrReadOnly
	}
	st, err := c.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	return rowsAffected(st.ExecContext(ctx, args...))
}

func (c txConn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return queryRows(st.QueryContext(ctx, args...))
}

func (c txConn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

// pooled runs reads on the reader pool and writes (including INSERT …
// RETURNING) on the single writer connection, on cached statements.
type pooled struct{ d *driver }

func isRead(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func (p pooled) pick(ctx context.Context, query string) (*sql.Stmt, error) {
	db := p.d.writer
	if isRead(query) {
		db = p.d.reader
	}
	return p.d.stmt(ctx, db, query)
}

func (p pooled) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if p.d.readOnly {
		return 0, store.ErrReadOnly
	}
	st, err := p.d.stmt(ctx, p.d.writer, query)
	if err != nil {
		return 0, err
	}
	return rowsAffected(st.ExecContext(ctx, args...))
}

func (p pooled) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := p.pick(ctx, query)
	if err != nil {
		return nil, err
	}
	return queryRows(st.QueryContext(ctx, args...))
}

func (p pooled) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	st, err := p.pick(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func queryRows(rows *sql.Rows, err error) (sqlstore.Rows, error) {
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// errRow is a Row whose query could not even be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

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
