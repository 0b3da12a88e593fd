package store

import (
	"context"
	"encoding/json"
	"time"
)

// Flow is a conversation flow of a workspace (package dsl owns its format):
// the document as written, and what routing needs without parsing it.
type Flow struct {
	ID          string
	WorkspaceID string
	// Key is the document's own id ("prise-de-rendez-vous"), unique in the
	// workspace: applying a file with the same id updates the flow.
	Key      string
	Name     string
	Enabled  bool
	Priority int
	// Document is the flow as JSON, as package dsl writes and reads it.
	Document json.RawMessage
	// Version increases by one on every update; caches of parsed flows
	// key on it.
	Version int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// FlowFilter narrows ListFlows. Zero fields do not filter.
type FlowFilter struct {
	EnabledOnly bool
}

// FlowRunStatus says where a flow run is.
type FlowRunStatus string

// Flow run statuses. Only an active run continues with the visitor's next
// message; a conversation has at most one.
const (
	FlowRunActive    FlowRunStatus = "active"
	FlowRunCompleted FlowRunStatus = "completed" // reached an end node
	FlowRunExited    FlowRunStatus = "exited"    // the visitor left with an exit word
	FlowRunFailed    FlowRunStatus = "failed"    // an action failed with no error edge, or the flow broke
	FlowRunExpired   FlowRunStatus = "expired"   // the visitor did not answer within the idle time
	FlowRunCanceled  FlowRunStatus = "cancelled" // an operator cancelled it (causerie flow runs cancel)
)

// FlowRun is one walk of a flow in a conversation: where it stands, what
// it collected. It is saved after every visitor message, so a run goes on
// after a restart.
type FlowRun struct {
	ID             string
	WorkspaceID    string
	ConversationID string
	FlowID         string
	Status         FlowRunStatus
	// NodeID is the node the run waits at (a question or a choice), or the
	// last node of a finished run.
	NodeID string
	// Vars are the flow's variables, JSON-compatible.
	Vars map[string]any
	// Retries counts invalid answers at NodeID.
	Retries int
	// Steps counts node visits; with the run's ID it makes the idempotency
	// key of each action a node runs.
	Steps int64
	// Trail lists the nodes visited, in order, each with the way the run
	// left it when that was not the plain next step ("service[Coupe]").
	Trail []string
	// Version increases with every update: UpdateFlowRun fails with
	// ErrConflict when the run changed since it was read.
	Version int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// FlowRunFilter narrows ListFlowRuns. Zero fields do not filter.
type FlowRunFilter struct {
	ConversationID string
	FlowID         string
	Status         FlowRunStatus
}

// ResponseRule answers a keyword with a single reply (seed 001: "règles de
// réponse"), optionally running actions.
type ResponseRule struct {
	ID          string
	WorkspaceID string
	Name        string // unique in the workspace
	Keywords    []string
	// Match is how keywords match: "contains" (default), "exact" or
	// "regex".
	Match   string
	Reply   string
	Actions []RuleAction
	Enabled bool
	// Position orders rules: the first that matches answers.
	Position int

	CreatedAt time.Time
	UpdatedAt time.Time
}

// RuleAction is an action a response rule runs before its reply.
type RuleAction struct {
	Action string          `json:"action"`
	Args   json.RawMessage `json:"args,omitempty"`
}

// FlowQueries persist flows, flow runs and response rules.
type FlowQueries interface {
	// CreateFlow stores f; ErrDuplicate when its Key is taken.
	CreateFlow(ctx context.Context, f *Flow) error
	GetFlow(ctx context.Context, workspaceID, id string) (*Flow, error)
	GetFlowByKey(ctx context.Context, workspaceID, key string) (*Flow, error)
	// ListFlows returns flows by priority (highest first), then key.
	ListFlows(ctx context.Context, workspaceID string, f FlowFilter) ([]*Flow, error)
	// UpdateFlow saves every field and bumps Version.
	UpdateFlow(ctx context.Context, f *Flow) error
	// DeleteFlow deletes the flow and its runs.
	DeleteFlow(ctx context.Context, workspaceID, id string) error

	// CreateFlowRun stores r; ErrDuplicate when r is active and its
	// conversation already has an active run.
	CreateFlowRun(ctx context.Context, r *FlowRun) error
	// GetActiveFlowRun returns the conversation's active run, ErrNotFound
	// when there is none.
	GetActiveFlowRun(ctx context.Context, workspaceID, conversationID string) (*FlowRun, error)
	GetFlowRun(ctx context.Context, workspaceID, id string) (*FlowRun, error)
	// ListFlowRuns returns runs oldest first.
	ListFlowRuns(ctx context.Context, workspaceID string, f FlowRunFilter) ([]*FlowRun, error)
	// UpdateFlowRun saves r if r.Version is still the stored version and
	// bumps it; otherwise ErrConflict.
	UpdateFlowRun(ctx context.Context, r *FlowRun) error

	CreateResponseRule(ctx context.Context, r *ResponseRule) error
	// ListResponseRules returns rules by Position.
	ListResponseRules(ctx context.Context, workspaceID string) ([]*ResponseRule, error)
	UpdateResponseRule(ctx context.Context, r *ResponseRule) error
	DeleteResponseRule(ctx context.Context, workspaceID, id string) error
}
