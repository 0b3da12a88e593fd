package storetest

import (
	"testing"

	"github.com/causerie/causerie/store"
)

// BenchAppendMessage measures appending one message to a conversation
// (its own transaction: sequence number, insert, commit).
func BenchAppendMessage(b *testing.B, s store.Store) {
	w := NewWorkspace(b, s)
	conv := NewConversation(b, s, w)
	b.ReportAllocs()
	for b.Loop() {
		m := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleVisitor,
			Text: "Bonjour, je voudrais prendre rendez-vous pour une coloration samedi matin."}
		if err := s.AppendMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchLoadConversation measures loading a conversation with its last 50
// messages, as an agent turn does.
func BenchLoadConversation(b *testing.B, s store.Store) {
	w := NewWorkspace(b, s)
	conv := NewConversation(b, s, w)
	for i := range 50 {
		role := store.RoleVisitor
		if i%2 == 1 {
			role = store.RoleAIAgent
		}
		m := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: role,
			Text:     "Bonjour, je voudrais prendre rendez-vous pour une coloration samedi matin.",
			Metadata: map[string]any{"turn": i}}
		if err := s.AppendMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetConversation(ctx, w.ID, conv.ID); err != nil {
			b.Fatal(err)
		}
		msgs, err := s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{Last: 50})
		if err != nil || len(msgs) != 50 {
			b.Fatalf("loaded %d messages, %v", len(msgs), err)
		}
	}
}
