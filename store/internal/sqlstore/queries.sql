-- Queries shared by both dialects. Each starts with "-- name: Name" and
-- uses $1, $2… placeholders (PostgreSQL binds them natively, SQLite as
-- numbered parameters). A dialect overrides a query by defining the same
-- name in its own queries.sql.

-- name: CreateWorkspace
INSERT INTO workspaces (id, slug, name, language, settings, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetWorkspace
SELECT id, slug, name, language, settings, version, created_at, updated_at
FROM workspaces WHERE id = $1;

-- name: GetWorkspaceBySlug
SELECT id, slug, name, language, settings, version, created_at, updated_at
FROM workspaces WHERE slug = $1;

-- name: ListWorkspaces
SELECT id, slug, name, language, settings, version, created_at, updated_at
FROM workspaces ORDER BY slug;

-- name: UpdateWorkspace
UPDATE workspaces SET slug = $2, name = $3, language = $4, settings = $5, updated_at = $6, version = version + 1
WHERE id = $1
RETURNING version;

-- name: DeleteWorkspace
DELETE FROM workspaces WHERE id = $1;

-- name: CreateUser
INSERT INTO users (id, workspace_id, email, name, availability, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetUser
SELECT id, workspace_id, email, name, availability, created_at, updated_at
FROM users WHERE workspace_id = $1 AND id = $2;

-- name: ListUsers
SELECT id, workspace_id, email, name, availability, created_at, updated_at
FROM users WHERE workspace_id = $1 ORDER BY email;

-- name: UpdateUser
UPDATE users SET email = $3, name = $4, availability = $5, updated_at = $6
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteUser
DELETE FROM users WHERE workspace_id = $1 AND id = $2;

-- name: CreateTeam
INSERT INTO teams (id, workspace_id, name, round_robin_cursor, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: GetTeam
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 AND id = $2;

-- name: ListTeams
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 ORDER BY name;

-- name: UpdateTeam
UPDATE teams SET name = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2;

-- name: DeleteTeam
DELETE FROM teams WHERE workspace_id = $1 AND id = $2;

-- name: ListTeamMembers
SELECT m.team_id, m.user_id FROM team_members m JOIN teams t ON t.id = m.team_id
WHERE t.workspace_id = $1 ORDER BY m.team_id, m.position;

-- name: DeleteTeamMembers
DELETE FROM team_members WHERE team_id = $1;

-- name: AddTeamMember
INSERT INTO team_members (team_id, user_id, position) VALUES ($1, $2, $3);

-- name: UserExists
SELECT count(*) FROM users WHERE workspace_id = $1 AND id = $2;

-- name: CreateAIAgent
INSERT INTO ai_agents (id, workspace_id, name, instructions, model, actions, knowledge_base_ids, created_at, updated_at, knowledge)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: GetAIAgent
SELECT id, workspace_id, name, instructions, model, actions, knowledge_base_ids, created_at, updated_at, knowledge
FROM ai_agents WHERE workspace_id = $1 AND id = $2;

-- name: ListAIAgents
SELECT id, workspace_id, name, instructions, model, actions, knowledge_base_ids, created_at, updated_at, knowledge
FROM ai_agents WHERE workspace_id = $1 ORDER BY name;

-- name: UpdateAIAgent
UPDATE ai_agents SET name = $3, instructions = $4, model = $5, actions = $6, knowledge_base_ids = $7, updated_at = $8,
    knowledge = $9
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteAIAgent
DELETE FROM ai_agents WHERE workspace_id = $1 AND id = $2;

-- name: CreateContactField
INSERT INTO contact_fields (id, workspace_id, key, name, type, options, position, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: ListContactFields
SELECT id, workspace_id, key, name, type, options, position, created_at, updated_at
FROM contact_fields WHERE workspace_id = $1 ORDER BY position, key;

-- name: UpdateContactField
UPDATE contact_fields SET key = $3, name = $4, type = $5, options = $6, position = $7, updated_at = $8
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteContactField
DELETE FROM contact_fields WHERE workspace_id = $1 AND id = $2;

-- name: CreateLifecycleStage
INSERT INTO lifecycle_stages (id, workspace_id, name, position, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: ListLifecycleStages
SELECT id, workspace_id, name, position, created_at, updated_at
FROM lifecycle_stages WHERE workspace_id = $1 ORDER BY position, name;

-- name: UpdateLifecycleStage
UPDATE lifecycle_stages SET name = $3, position = $4, updated_at = $5
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteLifecycleStage
DELETE FROM lifecycle_stages WHERE workspace_id = $1 AND id = $2;

-- name: ClearContactsStage
UPDATE contacts SET lifecycle_stage_id = '', version = version + 1, updated_at = $3
WHERE workspace_id = $1 AND lifecycle_stage_id = $2;

-- name: CreateLabel
INSERT INTO labels (id, workspace_id, kind, name, description, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: ListLabels
SELECT id, workspace_id, kind, name, description, created_at, updated_at
FROM labels WHERE workspace_id = $1 AND kind = $2 ORDER BY name;

-- name: UpdateLabel
UPDATE labels SET name = $3, description = $4, updated_at = $5
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteLabel
DELETE FROM labels WHERE workspace_id = $1 AND id = $2;

-- name: CreateKnowledgeBase
INSERT INTO knowledge_bases (id, workspace_id, name, language, description, created_at, updated_at, embedder)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: ListKnowledgeBases
SELECT id, workspace_id, name, language, description, created_at, updated_at, embedder
FROM knowledge_bases WHERE workspace_id = $1 ORDER BY name;

-- name: UpdateKnowledgeBase
UPDATE knowledge_bases SET name = $3, language = $4, description = $5, updated_at = $6, embedder = $7
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteKnowledgeBase
DELETE FROM knowledge_bases WHERE workspace_id = $1 AND id = $2;

-- name: CreateContact
INSERT INTO contacts (id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: GetContact
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at
FROM contacts WHERE workspace_id = $1 AND id = $2;

-- name: GetContactForUpdate
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at,
    (SELECT version FROM workspaces WHERE id = $1)
FROM contacts WHERE workspace_id = $1 AND id = $2;

-- $4 is a LIKE pattern (its wildcards escaped with \), '' for none.
-- name: ListContacts
SELECT id, workspace_id, name, email, phone, fields, lifecycle_stage_id, tags, version, created_at, updated_at
FROM contacts
WHERE workspace_id = $1 AND ($2 = '' OR email = $2) AND ($3 = '' OR phone = $3)
    AND ($4 = '' OR lower(name) LIKE lower($4) ESCAPE '\' OR lower(email) LIKE lower($4) ESCAPE '\'
        OR lower(phone) LIKE lower($4) ESCAPE '\')
    AND ($5 = '' OR id > $5)
ORDER BY id LIMIT $6;

-- name: UpdateContact
UPDATE contacts SET name = $3, email = $4, phone = $5, fields = $6, lifecycle_stage_id = $7, tags = $8,
    version = version + 1, updated_at = $9
WHERE workspace_id = $1 AND id = $2 AND version = $10;

-- name: DeleteContact
DELETE FROM contacts WHERE workspace_id = $1 AND id = $2;

-- name: CreateConversation
INSERT INTO conversations (id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel,
    closing_note_id, summary, created_at, updated_at, closed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13);

-- name: ContactExists
SELECT count(*) FROM contacts WHERE workspace_id = $1 AND id = $2;

-- name: GetConversation
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at
FROM conversations WHERE workspace_id = $1 AND id = $2;

-- ListConversations and ListConversationsNewestFirst differ only in their
-- order: keep their conditions the same. $8 is a JSON object whose keys
-- are the assignees "<type>:<id>" of AssigneeAny (json_each lists an
-- object's keys in both dialects); a team also matches by team_id.
-- name: ListConversations
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at
FROM conversations
WHERE workspace_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR contact_id = $3)
    AND ($4 = 0 OR (assignee_type = $5 AND assignee_id = $6))
    AND ($7 = 0 OR (assignee_type || ':' || assignee_id) IN (SELECT key FROM json_each($8))
        OR (team_id <> '' AND ('team:' || team_id) IN (SELECT key FROM json_each($8))))
    AND ($9 = 0 OR updated_at >= $10)
    AND ($11 = '' OR id < $11)
ORDER BY id LIMIT $12;

-- name: ListConversationsNewestFirst
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at
FROM conversations
WHERE workspace_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR contact_id = $3)
    AND ($4 = 0 OR (assignee_type = $5 AND assignee_id = $6))
    AND ($7 = 0 OR (assignee_type || ':' || assignee_id) IN (SELECT key FROM json_each($8))
        OR (team_id <> '' AND ('team:' || team_id) IN (SELECT key FROM json_each($8))))
    AND ($9 = 0 OR updated_at >= $10)
    AND ($11 = '' OR id < $11)
ORDER BY id DESC LIMIT $12;

-- name: UpdateConversation
UPDATE conversations SET status = $3, assignee_type = $4, assignee_id = $5, team_id = $6, channel = $7,
    closing_note_id = $8, summary = $9, updated_at = $10, closed_at = $11, contact_id = $12
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteConversation
DELETE FROM conversations WHERE workspace_id = $1 AND id = $2;

-- name: AppendMessage
-- One statement: the message takes its conversation's next seq, and (a
-- trigger of migration 00009 on SQLite, the CTE on PostgreSQL) the
-- conversation's last_seq and updated_at follow. No row: no such
-- conversation in the workspace.
INSERT INTO messages (id, workspace_id, conversation_id, seq, role, author_id, text, attachments, metadata, created_at)
SELECT $1, $2, $3, last_seq + 1, $4, $5, $6, $7, $8, $9 FROM conversations WHERE workspace_id = $2 AND id = $3
RETURNING seq;

-- ListMessages keeps the last $4 messages (then the first $6 of them);
-- ListMessagesFirst, for a filter without Last, reads forward from $4.
-- name: ListMessages
SELECT id, workspace_id, conversation_id, seq, role, author_id, text, attachments, metadata, created_at
FROM (
    SELECT * FROM messages
    WHERE workspace_id = $1 AND conversation_id = $2 AND ($3 = 0 OR seq < $3) AND seq > $5
    ORDER BY seq DESC LIMIT $4
) last ORDER BY seq LIMIT $6;

-- name: ListMessagesFirst
SELECT id, workspace_id, conversation_id, seq, role, author_id, text, attachments, metadata, created_at
FROM messages
WHERE workspace_id = $1 AND conversation_id = $2 AND ($3 = 0 OR seq < $3) AND seq > $4
ORDER BY seq LIMIT $5;

-- name: MarkMessageHandled
UPDATE messages SET handled_at = $3 WHERE workspace_id = $1 AND id = $2 AND role = 'visitor';

-- name: ListUnhandledMessages
SELECT id, workspace_id, conversation_id, seq, role, author_id, text, attachments, metadata, created_at
FROM messages WHERE role = 'visitor' AND handled_at IS NULL AND created_at < $1
ORDER BY created_at LIMIT $2;

-- name: InsertEvents
-- The head of AppendEvents' statement: it adds one "($1, …, $7)" per
-- event and RETURNING id.
INSERT INTO events (workspace_id, conversation_id, type, actor, payload, model_call_id, created_at)
VALUES

-- name: ListEvents
SELECT id, workspace_id, conversation_id, type, actor, payload, model_call_id, created_at
FROM events
WHERE workspace_id = $1 AND ($2 = '' OR conversation_id = $2) AND ($3 = '' OR type = $3) AND id > $4
    AND ($5 = 0 OR created_at >= $6) AND ($7 = 0 OR created_at < $8)
ORDER BY id LIMIT $9;

-- name: CreateTask
INSERT INTO tasks (id, workspace_id, conversation_id, contact_id, title, description, assignee_type, assignee_id,
    priority, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: GetTask
SELECT id, workspace_id, conversation_id, contact_id, title, description, assignee_type, assignee_id, priority, status,
    created_at, updated_at
FROM tasks WHERE workspace_id = $1 AND id = $2;

-- name: ListTasks
SELECT id, workspace_id, conversation_id, contact_id, title, description, assignee_type, assignee_id, priority, status,
    created_at, updated_at
FROM tasks
WHERE workspace_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR contact_id = $3)
    AND ($4 = 0 OR (assignee_type = $5 AND assignee_id = $6))
ORDER BY id LIMIT $7;

-- name: UpdateTask
UPDATE tasks SET title = $3, description = $4, assignee_type = $5, assignee_id = $6, priority = $7, status = $8,
    updated_at = $9
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteTask
DELETE FROM tasks WHERE workspace_id = $1 AND id = $2;

-- name: GetTeamForUpdate
SELECT id, workspace_id, name, round_robin_cursor, created_at, updated_at
FROM teams WHERE workspace_id = $1 AND id = $2;

-- name: SetTeamCursor
UPDATE teams SET round_robin_cursor = $3 WHERE workspace_id = $1 AND id = $2;

-- name: GetConversationForUpdate
SELECT id, workspace_id, contact_id, status, assignee_type, assignee_id, team_id, channel, closing_note_id, summary,
    created_at, updated_at, closed_at, (SELECT version FROM workspaces WHERE id = $1)
FROM conversations WHERE workspace_id = $1 AND id = $2;

-- name: CountOpenConversations
SELECT assignee_id, count(*) FROM conversations
WHERE workspace_id = $1 AND status = 'open' AND assignee_type = 'user'
GROUP BY assignee_id;

-- name: CreateActionRun
INSERT INTO action_runs (workspace_id, key, action, status, result, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: GetActionRun
SELECT workspace_id, key, action, status, result, created_at, updated_at
FROM action_runs WHERE workspace_id = $1 AND key = $2;

-- name: UpdateActionRun
UPDATE action_runs SET status = $3, result = $4, updated_at = $5 WHERE workspace_id = $1 AND key = $2;

-- name: DeleteActionRun
DELETE FROM action_runs WHERE workspace_id = $1 AND key = $2;

-- name: AcquireTurnLock
-- Only for a conversation of the workspace: no row means that, or that
-- another holder has the turn (ConversationExists tells which).
INSERT INTO turn_locks (conversation_id, workspace_id, holder, expires_at)
SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM conversations WHERE workspace_id = $2 AND id = $1)
ON CONFLICT (conversation_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE turn_locks.expires_at < $5 OR turn_locks.holder = excluded.holder;

-- name: ReleaseTurnLock
DELETE FROM turn_locks WHERE workspace_id = $1 AND conversation_id = $2 AND holder = $3;

-- name: ConversationExists
SELECT count(*) FROM conversations WHERE workspace_id = $1 AND id = $2;
