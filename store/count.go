package store

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// Statements counts the SQL statements and transactions a piece of work
// sends to the database: tests pin a turn's round trips with it, so that
// a regression fails.
type Statements struct {
	// Statements are queries and writes (BEGIN and COMMIT not included).
	Statements atomic.Int64
	// Transactions are explicit transactions (each a BEGIN and a COMMIT
	// or ROLLBACK besides its statements).
	Transactions atomic.Int64
	// Alone are the statements sent outside a transaction (each its own
	// commit when it writes).
	Alone atomic.Int64

	mu   sync.Mutex
	sent []string
}

// Add counts one statement, query.
func (s *Statements) Add(query string) {
	s.Statements.Add(1)
	q := strings.Join(strings.Fields(query), " ")
	if len(q) > 100 {
		q = q[:100] + "…"
	}
	s.mu.Lock()
	s.sent = append(s.sent, q)
	s.mu.Unlock()
}

// Sent returns the statements counted, in order, each shortened to its
// first 100 characters: what a failing test prints.
func (s *Statements) Sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

type statementsKey struct{}

// CountStatements returns a context whose store work is counted in the
// returned Statements.
func CountStatements(ctx context.Context) (context.Context, *Statements) {
	s := &Statements{}
	return context.WithValue(ctx, statementsKey{}, s), s
}

// CountedStatements returns the counter of ctx, or nil: the stores call
// it for every statement they send.
func CountedStatements(ctx context.Context) *Statements {
	s, _ := ctx.Value(statementsKey{}).(*Statements)
	return s
}
