package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/causerie/causerie/store"
)

func scanConversation(s scanner) (*store.Conversation, error) {
	return scanConversationWith(s)
}

// scanConversationWith scans a conversation row followed by the columns
// of extra.
func scanConversationWith(s scanner, extra ...any) (*store.Conversation, error) {
	var c store.Conversation
	var closed sql.NullTime
	if err := s.Scan(append([]any{&c.ID, &c.WorkspaceID, &c.ContactID, &c.Status, &c.Assignee.Type, &c.Assignee.ID, &c.TeamID,
		&c.Channel, &c.ClosingNoteID, &c.Summary, &c.CreatedAt, &c.UpdatedAt, &closed}, extra...)...); err != nil {
		return nil, err
	}
	utc(&c.CreatedAt, &c.UpdatedAt)
	if closed.Valid {
		t := closed.Time.UTC()
		c.ClosedAt = &t
	}
	return &c, nil
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// CreateConversation implements store.Queries.
func (q *queries) CreateConversation(ctx context.Context, c *store.Conversation) error {
	if c.ID == "" {
		c.ID = store.NewID("conv")
	}
	if c.Status == "" {
		c.Status = store.StatusOpen
	}
	c.CreatedAt, c.UpdatedAt = now(), now()
	return q.tx(ctx, func(q *queries) error {
		if err := q.contactExists(ctx, c.WorkspaceID, c.ContactID); err != nil {
			return err
		}
		_, err := q.exec(ctx, "CreateConversation", c.ID, c.WorkspaceID, c.ContactID, string(c.Status),
			string(c.Assignee.Type), c.Assignee.ID, c.TeamID, c.Channel, c.ClosingNoteID, c.Summary,
			c.CreatedAt, c.UpdatedAt, nullTime(c.ClosedAt))
		return q.mapErr(err, "conversation", c.ID)
	})
}

// GetConversation implements store.Queries.
func (q *queries) GetConversation(ctx context.Context, workspaceID, id string) (*store.Conversation, error) {
	c, err := scanConversation(q.conn.QueryRow(ctx, q.sql.Get("GetConversation"), workspaceID, id))
	return c, q.mapErr(err, "conversation", id)
}

// assigneeArgs are the three filter parameters "($n = 0 OR (type, id))".
func assigneeArgs(a *store.Assignee) []any {
	if a == nil {
		return []any{0, "", ""}
	}
	return []any{1, string(a.Type), a.ID}
}

// assigneeAnyArgs are the two parameters of AssigneeAny: a flag, and a
// JSON object whose keys are "<type>:<id>" (an assignee type has no
// colon, so the key names one assignee).
func assigneeAnyArgs(as []store.Assignee) []any {
	if len(as) == 0 {
		return []any{0, "{}"}
	}
	keys := make(map[string]bool, len(as))
	for _, a := range as {
		keys[string(a.Type)+":"+a.ID] = true
	}
	return []any{1, toJSON(keys)}
}

// timeArgs are the two parameters "($n = 0 OR column >= $n+1)" (or <) of
// an optional time bound: a flag, and the time.
func timeArgs(t time.Time) []any {
	if t.IsZero() {
		return []any{0, time.Time{}}
	}
	return []any{1, t.UTC()}
}

// ListConversations implements store.Queries.
func (q *queries) ListConversations(ctx context.Context, workspaceID string, f store.ConversationFilter) ([]*store.Conversation, error) {
	name := "ListConversations"
	if f.NewestFirst || f.BeforeID != "" {
		name = "ListConversationsNewestFirst"
	}
	args := append([]any{workspaceID, string(f.Status), f.ContactID}, assigneeArgs(f.Assignee)...)
	args = append(args, assigneeAnyArgs(f.AssigneeAny)...)
	args = append(args, timeArgs(f.UpdatedSince)...)
	return list(ctx, q, name, scanConversation, append(args, f.BeforeID, limit(f.Limit))...)
}

// UpdateConversation implements store.Queries. Moving a conversation to
// another contact (a merge) requires that contact in the same workspace.
func (q *queries) UpdateConversation(ctx context.Context, c *store.Conversation) error {
	c.UpdatedAt = now()
	return q.tx(ctx, func(q *queries) error {
		if err := q.contactExists(ctx, c.WorkspaceID, c.ContactID); err != nil {
			return err
		}
		return q.execOne(ctx, "conversation", c.ID, "UpdateConversation", c.WorkspaceID, c.ID, string(c.Status),
			string(c.Assignee.Type), c.Assignee.ID, c.TeamID, c.Channel, c.ClosingNoteID, c.Summary, c.UpdatedAt,
			nullTime(c.ClosedAt), c.ContactID)
	})
}

func (q *queries) contactExists(ctx context.Context, workspaceID, id string) error {
	var n int
	if err := q.conn.QueryRow(ctx, q.sql.Get("ContactExists"), workspaceID, id).Scan(&n); err != nil {
		return q.mapErr(err, "contact", id)
	}
	if n == 0 {
		return q.mapErr(ErrNoRows, "contact", id)
	}
	return nil
}

// DeleteConversation implements store.Queries.
func (q *queries) DeleteConversation(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "conversation", id, "DeleteConversation", workspaceID, id)
}

func scanMessage(s scanner) (*store.Message, error) {
	var m store.Message
	var attachments, metadata string
	if err := s.Scan(&m.ID, &m.WorkspaceID, &m.ConversationID, &m.Seq, &m.Role, &m.AuthorID, &m.Text, &attachments,
		&metadata, &m.CreatedAt); err != nil {
		return nil, err
	}
	utc(&m.CreatedAt)
	if err := fromJSON(attachments, &m.Attachments); err != nil {
		return nil, err
	}
	return &m, fromJSON(metadata, &m.Metadata)
}

// AppendMessage implements store.Queries. The conversation row's counter
// hands out Seq, so concurrent appends queue on its row lock and never
// share a number.
func (q *queries) AppendMessage(ctx context.Context, m *store.Message) error {
	if m.ID == "" {
		m.ID = store.NewID("msg")
	}
	m.CreatedAt = now()
	err := q.conn.QueryRow(ctx, q.sql.Get("AppendMessage"), m.ID, m.WorkspaceID, m.ConversationID, string(m.Role), m.AuthorID,
		m.Text, jsonList(m.Attachments), jsonMap(m.Metadata), m.CreatedAt).Scan(&m.Seq)
	if errors.Is(err, ErrNoRows) {
		return q.mapErr(err, "conversation", m.ConversationID)
	}
	return q.mapErr(err, "message", m.ID)
}

// ListMessages implements store.Queries. With both Last and Limit, it
// returns the first Limit of the last Last messages.
func (q *queries) ListMessages(ctx context.Context, workspaceID, conversationID string, f store.MessageFilter) ([]*store.Message, error) {
	after := max(f.AfterSeq, 0)
	if f.Last <= 0 {
		return list(ctx, q, "ListMessagesFirst", scanMessage, workspaceID, conversationID, f.BeforeSeq, after, limit(f.Limit))
	}
	return list(ctx, q, "ListMessages", scanMessage, workspaceID, conversationID, f.BeforeSeq, f.Last, after, limit(f.Limit))
}

// MarkMessageHandled implements store.Queries.
func (q *queries) MarkMessageHandled(ctx context.Context, workspaceID, id string) error {
	return q.execOne(ctx, "visitor message", id, "MarkMessageHandled", workspaceID, id, now())
}

// ListUnhandledMessages implements store.Queries.
func (q *queries) ListUnhandledMessages(ctx context.Context, before time.Time, limit int) ([]*store.Message, error) {
	return list(ctx, q, "ListUnhandledMessages", scanMessage, before.UTC(), limit)
}

// LockConversation implements store.Queries.
func (q *queries) LockConversation(ctx context.Context, workspaceID, id string) (*store.Conversation, error) {
	var version int64
	c, err := scanConversationWith(q.conn.QueryRow(ctx, q.sql.Get("GetConversationForUpdate"), workspaceID, id), &version)
	if c != nil {
		c.WorkspaceVersion = version
	}
	return c, q.mapErr(err, "conversation", id)
}

// CountOpenConversations implements store.Queries.
func (q *queries) CountOpenConversations(ctx context.Context, workspaceID string, userIDs []string) (map[string]int, error) {
	type count struct {
		user string
		n    int
	}
	counts, err := list(ctx, q, "CountOpenConversations", func(s scanner) (count, error) {
		var c count
		return c, s.Scan(&c.user, &c.n)
	}, workspaceID)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, id := range userIDs {
		wanted[id] = true
	}
	out := map[string]int{}
	for _, c := range counts {
		if wanted[c.user] {
			out[c.user] = c.n
		}
	}
	return out, nil
}
