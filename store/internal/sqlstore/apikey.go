package sqlstore

import (
	"context"
	"database/sql"

	"github.com/causerie/causerie/store"
)

func scanAPIKey(s scanner) (*store.APIKey, error) {
	var k store.APIKey
	var revoked sql.NullTime
	if err := s.Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &k.CreatedAt, &revoked); err != nil {
		return nil, err
	}
	utc(&k.CreatedAt)
	if revoked.Valid {
		t := revoked.Time.UTC()
		k.RevokedAt = &t
	}
	return &k, nil
}

// CreateAPIKey implements store.Queries.
func (q *queries) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if k.ID == "" {
		k.ID = store.NewID("key")
	}
	k.CreatedAt = now()
	_, err := q.exec(ctx, "CreateAPIKey", k.ID, k.WorkspaceID, string(k.Role), k.UserID, k.Name, k.Prefix, k.Hash, k.CreatedAt)
	return q.mapErr(err, "API key", k.ID)
}

// ListAPIKeys implements store.Queries.
func (q *queries) ListAPIKeys(ctx context.Context, workspaceID string) ([]*store.APIKey, error) {
	return list(ctx, q, "ListAPIKeys", scanAPIKey, workspaceID)
}

// GetAPIKeyByHash implements store.Queries.
func (q *queries) GetAPIKeyByHash(ctx context.Context, hash string) (*store.APIKey, error) {
	k, err := scanAPIKey(q.conn.QueryRow(ctx, q.sql.Get("GetAPIKeyByHash"), hash))
	return k, q.mapErr(err, "API key", "")
}

// RevokeAPIKey implements store.Queries.
func (q *queries) RevokeAPIKey(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "API key", id, "RevokeAPIKey", workspaceID, id, now())
}
