-- PostgreSQL overrides of the shared queries (store/internal/sqlstore/queries.sql).

-- name: GetContactForUpdate
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at
FROM contacts WHERE workspace_id = $1 AND id = $2
FOR UPDATE;
