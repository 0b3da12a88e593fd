-- API keys (store/apikey.go).

-- name: CreateAPIKey
INSERT INTO api_keys (id, workspace_id, role, user_id, name, prefix, hash, created_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL);

-- name: ListAPIKeys
SELECT id, workspace_id, role, user_id, name, prefix, hash, created_at, revoked_at
FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id;

-- name: GetAPIKeyByHash
SELECT id, workspace_id, role, user_id, name, prefix, hash, created_at, revoked_at
FROM api_keys WHERE hash = $1;

-- name: RevokeAPIKey
UPDATE api_keys SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL;
