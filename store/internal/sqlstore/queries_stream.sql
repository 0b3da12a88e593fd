-- Conversations' event streams, visitor tokens and idempotency keys
-- (store/stream.go).

-- name: AppendStreamEvent
-- One statement: the event takes its conversation's next stream seq, and
-- the conversation's stream_seq follows (a trigger of migration 00009 on
-- SQLite, whose write lock the transaction holds; on PostgreSQL a CTE
-- whose UPDATE locks the conversation's row, so that appends queue and
-- commit in seq order, and whose pg_notify is delivered at the commit).
-- No row: no such conversation in the workspace.
INSERT INTO conversation_stream (workspace_id, conversation_id, seq, kind, data, created_at)
SELECT $1, $2, stream_seq + 1, $3, $4, $5 FROM conversations WHERE workspace_id = $1 AND id = $2
RETURNING seq;

-- name: ListStreamEvents
SELECT workspace_id, conversation_id, seq, kind, data, created_at
FROM conversation_stream
WHERE workspace_id = $1 AND conversation_id = $2 AND seq > $3
ORDER BY seq LIMIT $4;

-- name: CreateVisitorToken
INSERT INTO visitor_tokens (hash, workspace_id, conversation_id, contact_id, created_at)
SELECT $1, workspace_id, id, $4, $5 FROM conversations WHERE workspace_id = $2 AND id = $3;

-- name: GetVisitorTokenByHash
SELECT hash, workspace_id, conversation_id, contact_id, created_at
FROM visitor_tokens WHERE hash = $1;

-- name: ClaimIdempotencyKey
INSERT INTO idempotency_keys (workspace_id, scope, key, request_hash, status, response, created_at)
VALUES ($1, $2, $3, $4, 0, NULL, $5)
ON CONFLICT (workspace_id, scope, key) DO NOTHING;

-- name: GetIdempotencyKey
SELECT workspace_id, scope, key, request_hash, status, response, created_at
FROM idempotency_keys WHERE workspace_id = $1 AND scope = $2 AND key = $3;

-- name: CompleteIdempotencyKey
UPDATE idempotency_keys SET status = $4, response = $5
WHERE workspace_id = $1 AND scope = $2 AND key = $3;

-- name: ReleaseIdempotencyKey
DELETE FROM idempotency_keys WHERE workspace_id = $1 AND scope = $2 AND key = $3;
