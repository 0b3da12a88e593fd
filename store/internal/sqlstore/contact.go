package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/causerie/causerie/store"
)

func scanContact(s scanner) (*store.Contact, error) { return scanContactWith(s) }

// scanContactWith scans a contact row followed by the columns of extra.
func scanContactWith(s scanner, extra ...any) (*store.Contact, error) {
	var c store.Contact
	var fields, tags string
	if err := s.Scan(append([]any{&c.ID, &c.WorkspaceID, &c.Name, &c.Email, &c.Phone, &fields, &c.LifecycleStageID, &tags,
		&c.Version, &c.CreatedAt, &c.UpdatedAt}, extra...)...); err != nil {
		return nil, err
	}
	utc(&c.CreatedAt, &c.UpdatedAt)
	if err := fromJSON(fields, &c.Fields); err != nil {
		return nil, err
	}
	if c.Fields == nil {
		c.Fields = map[string]any{}
	}
	return &c, fromJSON(tags, &c.Tags)
}

// CreateContact implements store.Queries.
func (q *queries) CreateContact(ctx context.Context, c *store.Contact) error {
	if c.ID == "" {
		c.ID = store.NewID("ct")
	}
	c.CreatedAt, c.UpdatedAt, c.Version = now(), now(), 1
	_, err := q.exec(ctx, "CreateContact", c.ID, c.WorkspaceID, c.Name, c.Email, c.Phone, jsonMap(c.Fields),
		c.LifecycleStageID, jsonList(c.Tags), c.Version, c.CreatedAt, c.UpdatedAt)
	return q.mapErr(err, "contact", c.ID)
}

// GetContact implements store.Queries.
func (q *queries) GetContact(ctx context.Context, workspaceID, id string) (*store.Contact, error) {
	c, err := scanContact(q.conn.QueryRow(ctx, q.sql.Get("GetContact"), workspaceID, id))
	return c, q.mapErr(err, "contact", id)
}

// ListContacts implements store.Queries.
func (q *queries) ListContacts(ctx context.Context, workspaceID string, f store.ContactFilter) ([]*store.Contact, error) {
	return list(ctx, q, "ListContacts", scanContact, workspaceID, f.Email, f.Phone, containsPattern(f.Query), f.AfterID,
		limit(f.Limit))
}

// likeEscaper escapes LIKE's wildcards and its escape character (\).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsPattern is the LIKE pattern "contains s", "" for an empty s.
func containsPattern(s string) string {
	if s == "" {
		return ""
	}
	return "%" + likeEscaper.Replace(s) + "%"
}

// UpdateContact implements store.Queries.
func (q *queries) UpdateContact(ctx context.Context, c *store.Contact) error {
	return q.tx(ctx, func(q *queries) error {
		updated := now()
		n, err := q.exec(ctx, "UpdateContact", c.WorkspaceID, c.ID, c.Name, c.Email, c.Phone, jsonMap(c.Fields),
			c.LifecycleStageID, jsonList(c.Tags), updated, c.Version)
		if err != nil {
			return q.mapErr(err, "contact", c.ID)
		}
		if n == 0 {
			// Tell a lost race from a missing contact.
			if _, err := q.GetContact(ctx, c.WorkspaceID, c.ID); err != nil {
				return err
			}
			return fmt.Errorf("contact %q at version %d: %w", c.ID, c.Version, store.ErrConflict)
		}
		c.Version++
		c.UpdatedAt = updated
		return nil
	})
}

// SetContactFields implements store.Queries.
func (q *queries) SetContactFields(ctx context.Context, workspaceID, id string, values map[string]any) (*store.Contact, error) {
	var out *store.Contact
	err := q.tx(ctx, func(q *queries) error {
		// The row lock (FOR UPDATE on PostgreSQL; SQLite transactions
		// already hold the one write lock) makes read-merge-write atomic.
		c, err := q.LockContact(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		fields := maps.Clone(c.Fields)
		for k, v := range values {
			if v == nil {
				delete(fields, k)
			} else {
				fields[k] = v
			}
		}
		c.Fields = fields
		if err := q.UpdateContact(ctx, c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// DeleteContact implements store.Queries.
func (q *queries) DeleteContact(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "contact", id, "DeleteContact", workspaceID, id)
}

// LockContact implements store.Queries.
func (q *queries) LockContact(ctx context.Context, workspaceID, id string) (*store.Contact, error) {
	var version int64
	c, err := scanContactWith(q.conn.QueryRow(ctx, q.sql.Get("GetContactForUpdate"), workspaceID, id), &version)
	if c != nil {
		c.WorkspaceVersion = version
	}
	return c, q.mapErr(err, "contact", id)
}
