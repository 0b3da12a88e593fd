package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/causerie/causerie/store"
)

// Store implements store.Store over a Driver.
type Store struct {
	*queries
	drv Driver
}

var _ store.Store = (*Store)(nil)

// New returns a Store that runs sql on drv.
func New(drv Driver, sql SQL) *Store {
	return &Store{queries: &queries{conn: counted{Conn: drv.Conn(), alone: true}, sql: sql, drv: drv}, drv: drv}
}

// Dialect implements store.Store.
func (s *Store) Dialect() string { return s.drv.Name() }

// Close implements store.Store.
func (s *Store) Close() error { return s.drv.Close() }

// InTx implements store.Store.
func (s *Store) InTx(ctx context.Context, fn func(q store.Queries) error) error {
	return inTx(ctx, s.drv, func(c Conn) error {
		return fn(s.queries.bound(c))
	})
}

// queries implements store.Queries on one Conn: the driver's pool, or a
// transaction when inTx.
type queries struct {
	conn Conn
	sql  SQL
	drv  Driver
	inTx bool
}

func (q *queries) bound(c Conn) *queries {
	return &queries{conn: c, sql: q.sql, drv: q.drv, inTx: true}
}

// tx runs fn in the current transaction, or in a new one when there is
// none: methods that write several rows use it to stay all-or-nothing.
func (q *queries) tx(ctx context.Context, fn func(q *queries) error) error {
	if q.inTx {
		return fn(q)
	}
	return inTx(ctx, q.drv, func(c Conn) error { return fn(q.bound(c)) })
}

func (q *queries) exec(ctx context.Context, name string, args ...any) (int64, error) {
	return q.conn.Exec(ctx, q.sql.Get(name), args...)
}

// execOne runs a write that must touch exactly one row: none means the
// entity is not in the workspace.
func (q *queries) execOne(ctx context.Context, kind, key, name string, args ...any) error {
	n, err := q.exec(ctx, name, args...)
	if err != nil {
		return q.mapErr(err, kind, key)
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", kind, key, store.ErrNotFound)
	}
	return nil
}

// mapErr turns driver errors into the store's sentinels, with context.
func (q *queries) mapErr(err error, kind, key string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNoRows):
		return fmt.Errorf("%s %q: %w", kind, key, store.ErrNotFound)
	case q.drv.IsUniqueViolation(err):
		return fmt.Errorf("%s %q: %w", kind, key, store.ErrDuplicate)
	default:
		return fmt.Errorf("%s %q: %w", kind, key, err)
	}
}

type scanner interface{ Scan(dest ...any) error }

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q *queries, name string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := q.conn.Query(ctx, q.sql.Get(name), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// now is the timestamp of a write, at the precision both databases keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// limit turns "0 means no limit" into a number both dialects accept.
func limit(n int) int {
	if n <= 0 {
		return math.MaxInt32
	}
	return n
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // only for values the model never holds (channels, funcs)
		panic(fmt.Sprintf("sqlstore: marshal %T: %v", v, err))
	}
	return string(b)
}

// jsonOf marshals a slice, writing [] for nil so the column stays a list.
func jsonList[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	return toJSON(v)
}

func jsonMap(v map[string]any) string {
	if v == nil {
		return "{}"
	}
	return toJSON(v)
}

func fromJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode JSON column: %w", err)
	}
	return nil
}

// utc normalises scanned timestamps: SQLite hands back a fixed +00:00 zone.
func utc(ts ...*time.Time) {
	for _, t := range ts {
		*t = t.UTC()
	}
}
