-- PostgreSQL overrides of the shared queries (store/internal/sqlstore/queries.sql).
--
-- Row locks are FOR NO KEY UPDATE, not FOR UPDATE: they still queue
-- writers of the row, but no longer block the FOR KEY SHARE locks that
-- foreign-key checks take (a message or a turn lease inserted for the
-- conversation). With FOR UPDATE, a turn lease waiting on the
-- conversation's foreign key and a visitor message's transaction waiting
-- on that lease deadlocked (SQLSTATE 40P01).

-- name: GetContactForUpdate
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at
FROM contacts WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE;

-- name: GetTeamForUpdate
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE;

-- name: GetConversationForUpdate
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at
FROM conversations WHERE workspace_id = $1 AND id = $2
FOR NO KEY UPDATE;
