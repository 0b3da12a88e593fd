package store

import (
	"context"
	"encoding/json"
	"time"
)

// StreamEvent is one entry of a conversation's event stream: what a
// channel shows the visitor or a human agent (a message stored, an action
// taken, a status change). Channels stream them in Seq order; a client
// that reconnects says the last Seq it saw and receives exactly the
// events after it.
type StreamEvent struct {
	WorkspaceID    string
	ConversationID string
	// Seq orders the events of one conversation: 1, 2, 3…, set by
	// AppendStreamEvent, never reused, and committed in order (a reader
	// that has seen Seq n never later finds an event below n appear).
	Seq int64
	// Kind is "message", "action" or "status".
	Kind string
	// Data is the event's public JSON, as clients receive it.
	Data      json.RawMessage
	CreatedAt time.Time
}

// VisitorToken lets one visitor read and write one conversation (and its
// contact) and nothing else. Only the hash of its secret is stored.
type VisitorToken struct {
	Hash           string
	WorkspaceID    string
	ConversationID string
	ContactID      string
	CreatedAt      time.Time
}

// VisitorTokenPrefix starts every visitor token secret.
const VisitorTokenPrefix = "cvt_"

// IdempotencyRecord remembers a request made with an Idempotency-Key, so
// that a retry gets the first answer instead of running again.
type IdempotencyRecord struct {
	WorkspaceID string
	// Scope is who made the request (a visitor token's conversation, an
	// API key id): keys of different callers never collide.
	Scope string
	Key   string
	// RequestHash is the SHA-256 of the method, path and body: the same
	// key with another request is refused.
	RequestHash string
	// Status is the response's HTTP status, 0 while the first request is
	// still running.
	Status    int
	Response  json.RawMessage
	CreatedAt time.Time
}

// StreamQueries store conversations' event streams, visitor tokens and
// idempotency records.
type StreamQueries interface {
	// AppendStreamEvent appends e to its conversation's stream and sets
	// e.Seq and e.CreatedAt. Seqs of one conversation are assigned under
	// that conversation's row lock, so they commit in order. ErrNotFound
	// when the workspace has no such conversation. On PostgreSQL the
	// commit also notifies StreamChannel with StreamNotice(e).
	AppendStreamEvent(ctx context.Context, e *StreamEvent) error
	// ListStreamEvents returns the conversation's events with Seq >
	// afterSeq, in order, at most limit (0: all).
	ListStreamEvents(ctx context.Context, workspaceID, conversationID string, afterSeq int64, limit int) ([]*StreamEvent, error)

	// CreateVisitorToken stores t (t.Hash from NewVisitorTokenSecret).
	CreateVisitorToken(ctx context.Context, t *VisitorToken) error
	// GetVisitorTokenByHash finds a token in any workspace; ErrNotFound
	// when there is none.
	GetVisitorTokenByHash(ctx context.Context, hash string) (*VisitorToken, error)

	// ClaimIdempotencyKey stores r (with Status 0) when its (WorkspaceID,
	// Scope, Key) is new, and returns nil, nil; when the key is taken it
	// stores nothing and returns the stored record.
	ClaimIdempotencyKey(ctx context.Context, r *IdempotencyRecord) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey saves the response (Status, Response) of a
	// claimed key.
	CompleteIdempotencyKey(ctx context.Context, r *IdempotencyRecord) error
	// ReleaseIdempotencyKey forgets a claimed key whose request failed
	// before doing anything, so a retry runs it.
	ReleaseIdempotencyKey(ctx context.Context, workspaceID, scope, key string) error
}

// StreamChannel is the PostgreSQL notification channel of stream events
// and of live-only signals (reply text as it streams, typing): every
// serve replica listens on it.
const StreamChannel = "causerie_stream"

// StreamNotice is the notification payload of a stored event:
// "<workspace>/<conversation>/<seq>".
func StreamNotice(e *StreamEvent) string {
	return e.WorkspaceID + "/" + e.ConversationID + "/" + itoa(e.Seq)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Notifier is implemented by stores whose processes can wake each other
// (PostgreSQL's LISTEN/NOTIFY). SQLite's does not: one process serves an
// embedded store.
type Notifier interface {
	// Notify sends payload (at most 7,900 bytes) on channel to every
	// listener, this process's included.
	Notify(ctx context.Context, channel, payload string) error
	// Listen calls fn with each payload sent on channel, until ctx is
	// done; it reconnects after a lost connection and then calls fn with
	// "" (notices may have been missed: listeners re-read the store).
	// ready, when not nil, is called once listening has begun.
	Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error
}

// NewVisitorTokenSecret returns a new visitor token secret and its hash.
func NewVisitorTokenSecret() (secret, hash string) {
	secret, _ = NewAPIKeySecret()
	secret = VisitorTokenPrefix + secret[len(APIKeyPrefix):]
	return secret, HashAPIKey(secret)
}
