package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Errors callers branch on. Implementations wrap them with context, so
// match with errors.Is.
var (
	// ErrNotFound: no such entity in this workspace.
	ErrNotFound = errors.New("not found")
	// ErrConflict: an optimistic update lost a race (the version changed).
	ErrConflict = errors.New("version conflict")
	// ErrDuplicate: a unique key (a name, an email, a field id) is taken.
	ErrDuplicate = errors.New("already exists")
	// ErrReadOnly: a write to a store opened read-only.
	ErrReadOnly = errors.New("the store is open read-only (its files cannot be written): this command needs write access")
)

// Store is all persistence. Methods of the embedded [Queries] run each in
// their own transaction; [Store.InTx] runs several in one.
type Store interface {
	Queries

	// InTx runs fn in one transaction: it commits when fn returns nil and
	// rolls everything back when fn returns an error or panics. The
	// Queries passed to fn must not be used after fn returns. When the
	// database aborts the transaction as a deadlock victim or for a
	// serialization failure, InTx runs fn again (a few times): fn must do
	// nothing outside the transaction that a second run would repeat.
	InTx(ctx context.Context, fn func(q Queries) error) error

	// Dialect names the implementation: "sqlite" or "postgres".
	Dialect() string

	// Close releases the connections.
	Close() error
}

// Queries is every read and write of the workspace model.
type Queries interface {
	FlowQueries
	KnowledgeQueries
	APIKeyQueries
	StreamQueries

	CreateWorkspace(ctx context.Context, w *Workspace) error
	GetWorkspace(ctx context.Context, id string) (*Workspace, error)
	GetWorkspaceBySlug(ctx context.Context, slug string) (*Workspace, error)
	ListWorkspaces(ctx context.Context) ([]*Workspace, error)
	UpdateWorkspace(ctx context.Context, w *Workspace) error
	DeleteWorkspace(ctx context.Context, id string) error

	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, workspaceID, id string) (*User, error)
	ListUsers(ctx context.Context, workspaceID string) ([]*User, error)
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, workspaceID, id string) error

	CreateTeam(ctx context.Context, t *Team) error
	GetTeam(ctx context.Context, workspaceID, id string) (*Team, error)
	// LockTeam is GetTeam that, inside InTx, also locks the team's row
	// until the transaction ends: concurrent assigners of one team, in any
	// process, queue behind it.
	LockTeam(ctx context.Context, workspaceID, id string) (*Team, error)
	// SetTeamCursor saves the round-robin cursor.
	SetTeamCursor(ctx context.Context, workspaceID, id string, cursor int) error
	ListTeams(ctx context.Context, workspaceID string) ([]*Team, error)
	// UpdateTeam saves the name and replaces the member list; it leaves
	// the round-robin cursor alone.
	UpdateTeam(ctx context.Context, t *Team) error
	DeleteTeam(ctx context.Context, workspaceID, id string) error

	CreateAIAgent(ctx context.Context, a *AIAgent) error
	GetAIAgent(ctx context.Context, workspaceID, id string) (*AIAgent, error)
	ListAIAgents(ctx context.Context, workspaceID string) ([]*AIAgent, error)
	UpdateAIAgent(ctx context.Context, a *AIAgent) error
	DeleteAIAgent(ctx context.Context, workspaceID, id string) error

	CreateContactField(ctx context.Context, f *ContactField) error
	ListContactFields(ctx context.Context, workspaceID string) ([]*ContactField, error)
	UpdateContactField(ctx context.Context, f *ContactField) error
	DeleteContactField(ctx context.Context, workspaceID, id string) error

	CreateLifecycleStage(ctx context.Context, s *LifecycleStage) error
	ListLifecycleStages(ctx context.Context, workspaceID string) ([]*LifecycleStage, error)
	UpdateLifecycleStage(ctx context.Context, s *LifecycleStage) error
	// DeleteLifecycleStage also clears the stage from contacts that had it.
	DeleteLifecycleStage(ctx context.Context, workspaceID, id string) error

	CreateLabel(ctx context.Context, l *Label) error
	ListLabels(ctx context.Context, workspaceID string, kind LabelKind) ([]*Label, error)
	UpdateLabel(ctx context.Context, l *Label) error
	DeleteLabel(ctx context.Context, workspaceID, id string) error

	CreateKnowledgeBase(ctx context.Context, kb *KnowledgeBase) error
	ListKnowledgeBases(ctx context.Context, workspaceID string) ([]*KnowledgeBase, error)
	UpdateKnowledgeBase(ctx context.Context, kb *KnowledgeBase) error
	DeleteKnowledgeBase(ctx context.Context, workspaceID, id string) error

	CreateContact(ctx context.Context, c *Contact) error
	GetContact(ctx context.Context, workspaceID, id string) (*Contact, error)
	// LockContact is GetContact that, inside InTx, locks the contact's row.
	LockContact(ctx context.Context, workspaceID, id string) (*Contact, error)
	ListContacts(ctx context.Context, workspaceID string, f ContactFilter) ([]*Contact, error)
	// UpdateContact saves c if c.Version is still the stored version and
	// bumps it; otherwise it returns ErrConflict and saves nothing.
	UpdateContact(ctx context.Context, c *Contact) error
	// SetContactFields merges values (keyed by field key) into the contact's
	// field values under a row lock, so concurrent callers lose no update.
	// A nil value removes the field.
	SetContactFields(ctx context.Context, workspaceID, id string, values map[string]any) (*Contact, error)
	DeleteContact(ctx context.Context, workspaceID, id string) error

	CreateConversation(ctx context.Context, c *Conversation) error
	GetConversation(ctx context.Context, workspaceID, id string) (*Conversation, error)
	// LockConversation is GetConversation that, inside InTx, locks the
	// conversation's row.
	LockConversation(ctx context.Context, workspaceID, id string) (*Conversation, error)
	// CountOpenConversations counts the open conversations assigned to
	// each of the given users (users with none are absent from the map).
	CountOpenConversations(ctx context.Context, workspaceID string, userIDs []string) (map[string]int, error)
	ListConversations(ctx context.Context, workspaceID string, f ConversationFilter) ([]*Conversation, error)
	// UpdateConversation saves every field, the contact included (a move
	// to another contact of the workspace, when contacts are merged).
	UpdateConversation(ctx context.Context, c *Conversation) error
	DeleteConversation(ctx context.Context, workspaceID, id string) error

	// AppendMessage stores m at the end of its conversation: it sets m.ID,
	// m.Seq (1, 2, 3… per conversation, never reused) and m.CreatedAt.
	AppendMessage(ctx context.Context, m *Message) error
	// ListMessages returns a conversation's messages in order (by Seq).
	ListMessages(ctx context.Context, workspaceID, conversationID string, f MessageFilter) ([]*Message, error)
	// MarkMessageHandled records that a visitor message's turn ran to the
	// end.
	MarkMessageHandled(ctx context.Context, workspaceID, id string) error
	// ListUnhandledMessages returns, oldest first and across workspaces,
	// the visitor messages stored before before whose turn never ended
	// (their process died mid-turn): the conversation pipeline handles
	// them again.
	ListUnhandledMessages(ctx context.Context, before time.Time, limit int) ([]*Message, error)

	// AppendEvent adds e to the audit log; it sets e.ID and e.CreatedAt.
	AppendEvent(ctx context.Context, e *Event) error
	// AppendEvents adds events to the log in one statement, in order (an
	// action's domain events and its audit event); it sets their ID and
	// CreatedAt.
	AppendEvents(ctx context.Context, events ...*Event) error
	ListEvents(ctx context.Context, workspaceID string, f EventFilter) ([]*Event, error)

	// AcquireTurnLock takes the lease on a conversation's turn for holder
	// until expires (or renews holder's own lease): it returns false when
	// another holder's lease has not expired. The lease, not process
	// memory, makes turns one at a time across processes.
	AcquireTurnLock(ctx context.Context, workspaceID, conversationID, holder string, expires time.Time) (bool, error)
	// ReleaseTurnLock gives the lease up, if holder has it.
	ReleaseTurnLock(ctx context.Context, workspaceID, conversationID, holder string) error

	// CreateActionRun records that an action with this idempotency key
	// started; ErrDuplicate when the key is already taken.
	CreateActionRun(ctx context.Context, r *ActionRun) error
	GetActionRun(ctx context.Context, workspaceID, key string) (*ActionRun, error)
	UpdateActionRun(ctx context.Context, r *ActionRun) error
	DeleteActionRun(ctx context.Context, workspaceID, key string) error

	CreateTask(ctx context.Context, t *Task) error
	GetTask(ctx context.Context, workspaceID, id string) (*Task, error)
	ListTasks(ctx context.Context, workspaceID string, f TaskFilter) ([]*Task, error)
	UpdateTask(ctx context.Context, t *Task) error
	DeleteTask(ctx context.Context, workspaceID, id string) error
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new, time-ordered identifier such as
// "conv_06f3k2…": the prefix says what it identifies, the rest is a UUIDv7
// in lower-case Crockford base32.
func NewID(prefix string) string {
	u, err := uuid.NewV7()
	if err != nil { // only when the system's random source fails
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("store: no randomness: %v", err))
		}
		u = b
	}
	return prefix + "_" + idEncoding.EncodeToString(u[:])
}
