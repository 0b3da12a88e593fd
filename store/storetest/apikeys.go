package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/causerie/causerie/store"
)

func testAPIKeys(t *testing.T, s store.Store) {
	w, other := NewWorkspace(t, s), NewWorkspace(t, s)
	secret, hash := store.NewAPIKeySecret()
	if !strings.HasPrefix(secret, store.APIKeyPrefix) || len(secret) < 60 || hash == secret || store.HashAPIKey(secret) != hash {
		t.Fatalf("secret %q, hash %q", secret, hash)
	}
	admin := &store.APIKey{WorkspaceID: w.ID, Role: store.KeyAdmin, Name: "CI", Prefix: secret[:12], Hash: hash}
	must(t, s.CreateAPIKey(ctx, admin))
	_, hash2 := store.NewAPIKeySecret()
	agentKey := &store.APIKey{WorkspaceID: w.ID, Role: store.KeyAgent, UserID: "usr_x", Prefix: "csk_y", Hash: hash2}
	must(t, s.CreateAPIKey(ctx, agentKey))

	got, err := s.GetAPIKeyByHash(ctx, hash)
	must(t, err)
	if got.ID != admin.ID || got.WorkspaceID != w.ID || got.Role != store.KeyAdmin || got.RevokedAt != nil {
		t.Errorf("by hash: %+v", got)
	}
	if _, err := s.GetAPIKeyByHash(ctx, store.HashAPIKey("csk_nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	keys, err := s.ListAPIKeys(ctx, w.ID)
	must(t, err)
	if len(keys) != 2 || keys[0].ID != admin.ID || keys[1].UserID != "usr_x" {
		t.Errorf("list: %+v", keys)
	}
	if keys, _ := s.ListAPIKeys(ctx, other.ID); len(keys) != 0 {
		t.Errorf("another workspace lists %d keys", len(keys))
	}
	// Another workspace cannot revoke it; its own can, once.
	if err := s.RevokeAPIKey(ctx, other.ID, admin.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke from another workspace: %v", err)
	}
	must(t, s.RevokeAPIKey(ctx, w.ID, admin.ID))
	if err := s.RevokeAPIKey(ctx, w.ID, admin.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	got, err = s.GetAPIKeyByHash(ctx, hash)
	must(t, err)
	if got.RevokedAt == nil {
		t.Error("the revoked key has no revoked_at")
	}
	// A hash is unique.
	if err := s.CreateAPIKey(ctx, &store.APIKey{WorkspaceID: other.ID, Role: store.KeyAdmin, Prefix: "x", Hash: hash}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("duplicate hash: %v", err)
	}
}
