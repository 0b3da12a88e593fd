-- PostgreSQL overrides of the shared queries (store/internal/sqlstore/queries.sql).
--
-- Row locks are FOR NO KEY UPDATE, not FOR UPDATE: they still queue
-- writers of the row, but no longer block the FOR KEY SHARE locks that
-- foreign-key checks take (a message or a turn lease inserted for the
-- conversation). With FOR UPDATE, a turn lease waiting on the
-- conversation's foreign key and a visitor message's transaction waiting
-- on that lease deadlocked (SQLSTATE 40P01).

-- name: GetContactForUpdate
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at,
    (SELECT version FROM workspaces WHERE id = $1)
FROM contacts WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE OF contacts;

-- name: GetTeamForUpdate
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE;

-- name: GetConversationForUpdate
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at, (SELECT version FROM workspaces WHERE id = $1)
FROM conversations WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE OF conversations;

-- name: AppendMessage
WITH next AS (
    UPDATE conversations SET last_seq = last_seq + 1, updated_at = $9
    WHERE workspace_id = $2 AND id = $3
    RETURNING last_seq
)
INSERT INTO messages (id, workspace_id, conversation_id, seq, role, author_id, text, attachments, metadata, created_at)
SELECT $1, $2, $3, next.last_seq, $4, $5, $6, $7, $8, $9 FROM next
RETURNING seq;

-- name: AppendStreamEvent
-- The notice's channel is store.StreamChannel (TestStreamChannel checks
-- it); its payload is store.StreamNotice's.
WITH next AS (
    UPDATE conversations SET stream_seq = stream_seq + 1
    WHERE workspace_id = $1 AND id = $2
    RETURNING stream_seq
), added AS (
    INSERT INTO conversation_stream (workspace_id, conversation_id, seq, kind, data, created_at)
    SELECT $1, $2, next.stream_seq, $3, $4, $5 FROM next
    RETURNING seq
)
SELECT added.seq, pg_notify('causerie_stream', $1::text || '/' || $2::text || '/' || added.seq)::text FROM added;
