package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// KeyRole is what an API key may do in its workspace.
type KeyRole string

// Key roles.
const (
	// KeyAdmin may do everything in its workspace.
	KeyAdmin KeyRole = "admin"
	// KeyAgent acts as one user of the workspace (a human agent): the
	// inbox and the conversations that user may see.
	KeyAgent KeyRole = "agent"
)

// KeyRoles lists the roles.
var KeyRoles = []KeyRole{KeyAdmin, KeyAgent}

// APIKey is a workspace's API key. Only its hash is stored: the secret
// is shown once, when the key is created.
type APIKey struct {
	ID          string
	WorkspaceID string
	Role        KeyRole
	// UserID is the user an agent key acts as ("" for admin keys).
	UserID string
	// Name says what the key is for ("website", "CI").
	Name string
	// Prefix is the secret's first characters, to recognise a key in a
	// list without storing it.
	Prefix string
	// Hash is the SHA-256 of the secret, hex.
	Hash      string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// APIKeyQueries store API keys.
type APIKeyQueries interface {
	// CreateAPIKey stores k (its Hash set from NewAPIKeySecret).
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// ListAPIKeys lists a workspace's keys, revoked ones included, oldest
	// first.
	ListAPIKeys(ctx context.Context, workspaceID string) ([]*APIKey, error)
	// GetAPIKeyByHash finds the key whose secret hashes to hash, in any
	// workspace (a request names no workspace before it is authenticated);
	// ErrNotFound when there is none.
	GetAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// RevokeAPIKey revokes a key; ErrNotFound when the workspace has no
	// such key or it is revoked already.
	RevokeAPIKey(ctx context.Context, workspaceID, id string) error
}

// APIKeyPrefix starts every secret, so a leaked one is recognisable (and
// redacted as one).
const APIKeyPrefix = "csk_"

// NewAPIKeySecret returns a new secret (256 random bits) and its hash.
func NewAPIKeySecret() (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: no randomness for an API key: " + err.Error())
	}
	secret = APIKeyPrefix + strings.ToLower(hex.EncodeToString(b[:]))
	return secret, HashAPIKey(secret)
}

// HashAPIKey is the stored form of a secret.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
