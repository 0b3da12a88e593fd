package sqlstore

import (
	"context"
	"time"
)

// AcquireTurnLock implements store.Queries.
func (q *queries) AcquireTurnLock(ctx context.Context, workspaceID, conversationID, holder string, expires time.Time) (bool, error) {
	rows, err := q.exec(ctx, "AcquireTurnLock", conversationID, workspaceID, holder, expires.UTC(), now())
	if err != nil {
		return false, q.mapErr(err, "turn lock", conversationID)
	}
	if rows == 1 {
		return true, nil
	}
	// Not taken: held by another, or no such conversation here.
	var n int
	if err := q.conn.QueryRow(ctx, q.sql.Get("ConversationExists"), workspaceID, conversationID).Scan(&n); err != nil {
		return false, q.mapErr(err, "conversation", conversationID)
	}
	if n == 0 {
		return false, q.mapErr(ErrNoRows, "conversation", conversationID)
	}
	return false, nil
}

// ReleaseTurnLock implements store.Queries.
func (q *queries) ReleaseTurnLock(ctx context.Context, workspaceID, conversationID, holder string) error {
	_, err := q.exec(ctx, "ReleaseTurnLock", workspaceID, conversationID, holder)
	return q.mapErr(err, "turn lock", conversationID)
}
