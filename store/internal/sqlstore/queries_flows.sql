-- Flows, flow runs and response rules (see queries.sql for the format).

-- name: CreateFlow
INSERT INTO flows (id, workspace_id, key, name, enabled, priority, document, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: GetFlow
SELECT id, workspace_id, key, name, enabled, priority, document, version, created_at, updated_at
FROM flows WHERE workspace_id = $1 AND id = $2;

-- name: GetFlowByKey
SELECT id, workspace_id, key, name, enabled, priority, document, version, created_at, updated_at
FROM flows WHERE workspace_id = $1 AND key = $2;

-- name: ListFlows
SELECT id, workspace_id, key, name, enabled, priority, document, version, created_at, updated_at
FROM flows WHERE workspace_id = $1 AND ($2 = 0 OR enabled = TRUE)
ORDER BY priority DESC, key;

-- name: UpdateFlow
UPDATE flows SET key = $3, name = $4, enabled = $5, priority = $6, document = $7, version = version + 1, updated_at = $8
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteFlow
DELETE FROM flows WHERE workspace_id = $1 AND id = $2;

-- name: CreateFlowRun
INSERT INTO flow_runs (id, workspace_id, conversation_id, flow_id, status, node_id, vars, retries, steps, trail, version,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13);

-- name: GetFlowRun
SELECT id, workspace_id, conversation_id, flow_id, status, node_id, vars, retries, steps, trail, version, created_at, updated_at
FROM flow_runs WHERE workspace_id = $1 AND id = $2;

-- name: GetActiveFlowRun
SELECT id, workspace_id, conversation_id, flow_id, status, node_id, vars, retries, steps, trail, version, created_at, updated_at
FROM flow_runs WHERE workspace_id = $1 AND conversation_id = $2 AND status = 'active';

-- name: ListFlowRuns
SELECT id, workspace_id, conversation_id, flow_id, status, node_id, vars, retries, steps, trail, version, created_at, updated_at
FROM flow_runs WHERE workspace_id = $1 AND ($2 = '' OR conversation_id = $2) AND ($3 = '' OR flow_id = $3)
    AND ($4 = '' OR status = $4)
ORDER BY created_at, id;

-- name: UpdateFlowRun
UPDATE flow_runs SET status = $4, node_id = $5, vars = $6, retries = $7, steps = $8, trail = $9, version = version + 1,
    updated_at = $10
WHERE workspace_id = $1 AND id = $2 AND version = $3;

-- name: FlowRunExists
SELECT count(*) FROM flow_runs WHERE workspace_id = $1 AND id = $2;

-- name: CreateResponseRule
INSERT INTO response_rules (id, workspace_id, name, keywords, match_mode, reply, actions, enabled, position, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: ListResponseRules
SELECT id, workspace_id, name, keywords, match_mode, reply, actions, enabled, position, created_at, updated_at
FROM response_rules WHERE workspace_id = $1 ORDER BY position, name;

-- name: UpdateResponseRule
UPDATE response_rules SET name = $3, keywords = $4, match_mode = $5, reply = $6, actions = $7, enabled = $8, position = $9,
    updated_at = $10
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteResponseRule
DELETE FROM response_rules WHERE workspace_id = $1 AND id = $2;
