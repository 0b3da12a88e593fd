package sqlstore

import (
	"context"

	"github.com/causerie/causerie/store"
)

// counted counts the statements sent through a Conn in the context's
// store.Statements, when there is one.
type counted struct{ Conn }

func count(ctx context.Context, query string) {
	if s := store.CountedStatements(ctx); s != nil {
		s.Add(query)
	}
}

func (c counted) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	count(ctx, query)
	return c.Conn.Exec(ctx, query, args...)
}

func (c counted) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	count(ctx, query)
	return c.Conn.Query(ctx, query, args...)
}

func (c counted) QueryRow(ctx context.Context, query string, args ...any) Row {
	count(ctx, query)
	return c.Conn.QueryRow(ctx, query, args...)
}

// inTx runs fn in a transaction of drv, counted.
func inTx(ctx context.Context, drv Driver, fn func(Conn) error) error {
	if s := store.CountedStatements(ctx); s != nil {
		s.Transactions.Add(1)
	}
	return drv.InTx(ctx, func(c Conn) error { return fn(counted{c}) })
}

// Unwrap returns the driver's own Conn under the counting one, for the
// driver code that needs its library's type (a pgx.Tx).
func Unwrap(c Conn) Conn {
	if cc, ok := c.(counted); ok {
		return cc.Conn
	}
	return c
}
