package store

import "time"

// Contact is a person the workspace converses with.
type Contact struct {
	ID          string
	WorkspaceID string
	Name        string
	Email       string
	Phone       string // E.164 when known
	// Fields holds custom field values keyed by ContactField.Key. Values
	// are JSON-compatible: string, float64, bool.
	Fields           map[string]any
	LifecycleStageID string // "" when none
	Tags             []string
	// Version increases by one on every write; UpdateContact uses it for
	// optimistic concurrency.
	Version int64

	CreatedAt time.Time
	UpdatedAt time.Time

	// WorkspaceVersion is the workspace's Version as LockContact read it,
	// with the contact (0 from the other reads).
	WorkspaceVersion int64
}

// ContactFilter narrows ListContacts. Zero fields do not filter.
type ContactFilter struct {
	Email string
	Phone string
	// Query keeps contacts whose name, e-mail or phone contains it
	// (case-insensitive).
	Query string
	// AfterID pages: contacts with an ID after it (IDs are time-ordered;
	// the list is oldest first).
	AfterID string
	Limit   int // 0 means no limit
}
