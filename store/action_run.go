package store

import (
	"encoding/json"
	"time"
)

// ActionRunStatus says whether an action run finished.
type ActionRunStatus string

// Action run statuses.
const (
	RunPending ActionRunStatus = "pending"
	RunDone    ActionRunStatus = "done"
)

// ActionRun records one execution of an action under an idempotency key
// (conversation, turn, call index): executing the same key again returns
// Result instead of acting twice.
type ActionRun struct {
	WorkspaceID string
	Key         string
	Action      string
	Status      ActionRunStatus
	Result      json.RawMessage

	CreatedAt time.Time
	UpdatedAt time.Time
}
