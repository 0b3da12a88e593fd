package sqlstore

import (
	"context"
	"time"
)

// AcquireTurnLock implements store.Queries.
func (q *queries) AcquireTurnLock(ctx context.Context, workspaceID, conversationID, holder string, expires time.Time) (bool, error) {
	var got bool
	err := q.tx(ctx, func(q *queries) error {
		var n int
		if err := q.conn.QueryRow(ctx, q.sql.Get("ConversationExists"), workspaceID, conversationID).Scan(&n); err != nil {
			return q.mapErr(err, "conversation", conversationID)
		}
		if n == 0 {
			return q.mapErr(ErrNoRows, "conversation", conversationID)
		}
		rows, err := q.exec(ctx, "AcquireTurnLock", conversationID, workspaceID, holder, expires.UTC(), now())
		if err != nil {
			return q.mapErr(err, "turn lock", conversationID)
		}
		got = rows == 1
		return nil
	})
	return got, err
}

// ReleaseTurnLock implements store.Queries.
func (q *queries) ReleaseTurnLock(ctx context.Context, workspaceID, conversationID, holder string) error {
	_, err := q.exec(ctx, "ReleaseTurnLock", workspaceID, conversationID, holder)
	return q.mapErr(err, "turn lock", conversationID)
}
