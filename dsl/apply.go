package dsl

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/causerie/causerie/store"
)

// Op says what Apply did.
type Op string

// Ops of Apply.
const (
	Created   Op = "created"
	Updated   Op = "updated"
	Unchanged Op = "unchanged"
)

// Apply stores a valid flow in a workspace: it creates it, or updates the
// flow with the same id (name, enabled, priority, document). An active
// run of an updated flow goes on from its node in the new version.
func Apply(ctx context.Context, q store.Queries, workspaceID string, f *Flow) (*store.Flow, Op, error) {
	doc := f.JSON()
	existing, err := q.GetFlowByKey(ctx, workspaceID, f.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sf := &store.Flow{WorkspaceID: workspaceID, Key: f.ID, Name: f.Name, Enabled: f.IsEnabled(), Priority: f.Priority, Document: doc}
		if err := q.CreateFlow(ctx, sf); err != nil {
			return nil, "", fmt.Errorf("create flow %s: %w", f.ID, err)
		}
		return sf, Created, nil
	case err != nil:
		return nil, "", err
	}
	if existing.Name == f.Name && existing.Enabled == f.IsEnabled() && existing.Priority == f.Priority &&
		bytes.Equal(existing.Document, doc) {
		return existing, Unchanged, nil
	}
	existing.Name, existing.Enabled, existing.Priority, existing.Document = f.Name, f.IsEnabled(), f.Priority, doc
	if err := q.UpdateFlow(ctx, existing); err != nil {
		return nil, "", fmt.Errorf("update flow %s: %w", f.ID, err)
	}
	return existing, Updated, nil
}

// SetEnabled turns a stored flow on or off (its document follows).
func SetEnabled(ctx context.Context, q store.Queries, workspaceID, key string, enabled bool) (*store.Flow, error) {
	sf, err := q.GetFlowByKey(ctx, workspaceID, key)
	if err != nil {
		return nil, err
	}
	f, err := Parse(key+".json", sf.Document)
	if err != nil {
		return nil, err
	}
	f.Enabled = &enabled
	sf.Enabled, sf.Document = enabled, f.JSON()
	return sf, q.UpdateFlow(ctx, sf)
}
