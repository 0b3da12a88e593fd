package conversation_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// A NUL byte, invalid UTF-8 and a decomposed accent reach both stores the
// same way: PostgreSQL refused NUL (SQLSTATE 22021) and the message was
// lost, while SQLite kept it.
func TestVisitorTextNormalisedOnEveryStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		fx := workspacetest.Salon(t, s)
		conv := fx.NewConversation(fx.FirstAgent().ID)
		rt := conversation.New(s, conversation.Options{})
		raw := "Quels horaires\x00 le samedi ? \xff\xfe caf" + "e\u0301"
		out, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: fx.Workspace.ID, ConversationID: conv.ID, Text: raw})
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		want := "Quels horaires le samedi ? \uFFFD café" // one U+FFFD per run of invalid bytes
		if out.Visitor.Text != want {
			t.Errorf("outcome text %q, want %q", out.Visitor.Text, want)
		}
		if ms := fx.Messages(conv.ID); len(ms) != 2 || ms[0].Text != want || out.Via != "rule:Horaires" {
			t.Errorf("stored %d messages (%q), via %q", len(ms), ms[0].Text, out.Via)
		}
	})
}

func TestMessageSizeLimit(t *testing.T) {
	t.Parallel()
	s := storetest.OpenSQLite(t)
	fx := workspacetest.Salon(t, s)
	conv := fx.NewConversation(fx.FirstAgent().ID)
	rt := conversation.New(s, conversation.Options{MaxMessageBytes: 1000})
	_, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: fx.Workspace.ID, ConversationID: conv.ID, Text: strings.Repeat("a", 1001)})
	var tooLong *conversation.TooLongError
	if !errors.As(err, &tooLong) || tooLong.Bytes != 1001 || tooLong.Limit != 1000 ||
		!strings.Contains(err.Error(), "the limit is 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
	if ms := fx.Messages(conv.ID); len(ms) != 0 {
		t.Errorf("a refused message was stored: %d messages", len(ms))
	}
	if _, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: fx.Workspace.ID, ConversationID: conv.ID, Text: strings.Repeat("a", 1000)}); err != nil {
		t.Errorf("a message at the limit: %v", err)
	}
}
