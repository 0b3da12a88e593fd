package store

import (
	"slices"
	"time"
)

// ConversationStatus is open or closed.
type ConversationStatus string

// Conversation statuses.
const (
	StatusOpen   ConversationStatus = "open"
	StatusClosed ConversationStatus = "closed"
)

// AssigneeType says who a conversation (or task) is assigned to.
type AssigneeType string

// Assignee types. AssigneeNone is the zero value.
const (
	AssigneeNone    AssigneeType = ""
	AssigneeUser    AssigneeType = "user"
	AssigneeTeam    AssigneeType = "team"
	AssigneeAIAgent AssigneeType = "ai_agent"
)

// AssigneeTypes lists the types of a non-empty assignee.
var AssigneeTypes = []AssigneeType{AssigneeUser, AssigneeTeam, AssigneeAIAgent}

// Valid reports whether t is a known assignee type or none.
func (t AssigneeType) Valid() bool { return t == AssigneeNone || slices.Contains(AssigneeTypes, t) }

// Assignee is who handles a conversation: a user, a team, an AI agent, or
// nobody (the zero value).
type Assignee struct {
	Type AssigneeType
	ID   string
}

// IsZero reports whether nobody is assigned.
func (a Assignee) IsZero() bool { return a.Type == AssigneeNone }

// Conversation is an exchange between a contact and the workspace on one
// channel.
type Conversation struct {
	ID          string
	WorkspaceID string
	ContactID   string
	Status      ConversationStatus
	Assignee    Assignee
	// TeamID is the team a user was picked from when the conversation
	// went to a team, "" otherwise.
	TeamID        string
	Channel       string // "web", "api", "cli", "whatsapp"…
	ClosingNoteID string // "" when none
	Summary       string

	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time

	// WorkspaceVersion is the workspace's Version as LockConversation read
	// it, with the conversation (0 from the other reads).
	WorkspaceVersion int64
}

// ConversationFilter narrows ListConversations. Zero fields do not filter.
type ConversationFilter struct {
	Status    ConversationStatus
	ContactID string
	// Assignee keeps conversations of that assignee; &Assignee{} keeps
	// the unassigned ones.
	Assignee *Assignee
	// AssigneeAny, when not empty, keeps conversations assigned to any of
	// them; a team matches too the conversations a user was picked from
	// it for (TeamID).
	AssigneeAny []Assignee
	// UpdatedSince keeps conversations updated at or after it.
	UpdatedSince time.Time
	// BeforeID pages: when set, the list is newest first (by ID, which is
	// time-ordered) and starts after that ID. Without it, the order is
	// oldest first unless NewestFirst.
	BeforeID    string
	NewestFirst bool
	Limit       int
}

// Role is who wrote a message.
type Role string

// Message roles.
const (
	RoleVisitor Role = "visitor"
	RoleAIAgent Role = "ai_agent"
	RoleHuman   Role = "human"
	RoleSystem  Role = "system"
)

// Roles lists the valid roles.
var Roles = []Role{RoleVisitor, RoleAIAgent, RoleHuman, RoleSystem}

// Message is one message of a conversation.
type Message struct {
	ID             string
	WorkspaceID    string
	ConversationID string
	// Seq orders messages within their conversation: 1, 2, 3…
	Seq  int64
	Role Role
	// AuthorID is the user or AI agent who wrote it ("" for visitors and
	// the system).
	AuthorID    string
	Text        string
	Attachments []Attachment
	// Metadata carries structured extras (citations, actions taken…).
	Metadata map[string]any

	CreatedAt time.Time
}

// Attachment describes a file sent with a message; the bytes live
// elsewhere (URL).
type Attachment struct {
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
}

// MessageFilter narrows ListMessages.
type MessageFilter struct {
	// Last keeps only the last N messages (still returned oldest first);
	// 0 keeps all.
	Last int
	// BeforeSeq keeps messages with Seq < BeforeSeq when > 0.
	BeforeSeq int64
	// AfterSeq keeps messages with Seq > AfterSeq when > 0; with Limit,
	// the first Limit of them.
	AfterSeq int64
	Limit    int
}
