-- A visitor message is handled once its turn ran to the end (flows,
-- rules, the assignee): one stored but never handled was interrupted (its
-- process died) and is handled again, so nothing acknowledged is lost.
-- Messages stored before this migration count as handled.

-- +goose Up
ALTER TABLE messages ADD COLUMN handled_at DATETIME;
UPDATE messages SET handled_at = created_at WHERE role = 'visitor';
CREATE INDEX messages_unhandled ON messages (created_at) WHERE role = 'visitor' AND handled_at IS NULL;

-- +goose Down
DROP INDEX messages_unhandled;
ALTER TABLE messages DROP COLUMN handled_at;
