-- PostgreSQL overrides of the shared queries (store/internal/sqlstore/queries.sql).

-- name: GetContactForUpdate
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at
FROM contacts WHERE workspace_id = $1 AND id = $2
FOR UPDATE;

-- name: GetTeamForUpdate
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 AND id = $2
FOR UPDATE;

-- name: GetConversationForUpdate
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at
FROM conversations WHERE workspace_id = $1 AND id = $2
FOR UPDATE;
