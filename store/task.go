package store

import (
	"slices"
	"time"
)

// TaskPriority uses the product's French values (seed 004): haute, normale,
// basse.
type TaskPriority string

// Task priorities.
const (
	PriorityHigh   TaskPriority = "haute"
	PriorityNormal TaskPriority = "normale"
	PriorityLow    TaskPriority = "basse"
)

// TaskPriorities lists the valid priorities.
var TaskPriorities = []TaskPriority{PriorityHigh, PriorityNormal, PriorityLow}

// Valid reports whether p is a known priority.
func (p TaskPriority) Valid() bool { return slices.Contains(TaskPriorities, p) }

// TaskStatus is open or done.
type TaskStatus string

// Task statuses.
const (
	TaskOpen TaskStatus = "open"
	TaskDone TaskStatus = "done"
)

// Task is follow-up work for a human: "call this lead back".
type Task struct {
	ID             string
	WorkspaceID    string
	ConversationID string // "" when not from a conversation
	ContactID      string // "" when not about a contact
	Title          string
	Description    string
	Assignee       Assignee
	Priority       TaskPriority
	Status         TaskStatus

	CreatedAt time.Time
	UpdatedAt time.Time
}

// TaskFilter narrows ListTasks. Zero fields do not filter.
type TaskFilter struct {
	Status    TaskStatus
	ContactID string
	Assignee  *Assignee
	Limit     int
}
