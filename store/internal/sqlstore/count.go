package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

// counted counts the statements sent through a Conn in the context's
// store.Statements, when there is one; alone is set on the Conn outside
// transactions.
type counted struct {
	Conn
	alone bool
}

func (c counted) count(ctx context.Context, query string) {
	if s := store.CountedStatements(ctx); s != nil {
		s.Add(query)
		if c.alone {
			s.Alone.Add(1)
		}
	}
}

func (c counted) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	c.count(ctx, query)
	return c.Conn.Exec(ctx, query, args...)
}

func (c counted) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	c.count(ctx, query)
	return c.Conn.Query(ctx, query, args...)
}

func (c counted) QueryRow(ctx context.Context, query string, args ...any) Row {
	c.count(ctx, query)
	return c.Conn.QueryRow(ctx, query, args...)
}

// inTx runs fn in a transaction of drv, counted.
func inTx(ctx context.Context, drv Driver, fn func(Conn) error) error {
	if s := store.CountedStatements(ctx); s != nil {
		s.Transactions.Add(1)
	}
	return drv.InTx(ctx, func(c Conn) error { return fn(counted{Conn: c}) })
}

// Unwrap returns the driver's own Conn under the counting one, for the
// driver code that needs its library's type (a pgx.Tx).
func Unwrap(c Conn) Conn {
	if cc, ok := c.(counted); ok {
		return cc.Conn
	}
	return c
}
