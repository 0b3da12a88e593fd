package sqlstore

import (
	"context"
	"errors"
)

// ErrNoRows is what a driver's Row.Scan returns when the query matched no
// row, whatever its database library calls it.
var ErrNoRows = errors.New("sqlstore: no rows")

// Conn runs queries, inside a transaction or not.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows iterates over a query's result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Driver is what a database brings.
type Driver interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Conn runs queries outside a transaction.
	Conn() Conn
	// InTx runs fn in a transaction on a Conn bound to it; it commits when
	// fn returns nil and rolls back otherwise (a panic included, which is
	// then re-raised).
	InTx(ctx context.Context, fn func(Conn) error) error
	// IsUniqueViolation reports whether err is a unique-constraint error.
	IsUniqueViolation(err error) bool
	Close() error

	KnowledgeDriver
}
