package conversation_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// Two processes (two store handles, two runtimes) receive many messages
// of one conversation at once, answered by a response rule: every message
// is stored, every one is answered, and each answer follows its message.
// On PostgreSQL the turn lease and the message's transaction once
// deadlocked (SQLSTATE 40P01), losing messages.
func TestTwoProcessesOneConversation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, sa store.Store) {
		sb := storetest.Reopen(t, sa)
		fx := workspacetest.Salon(t, sa)
		conv := fx.NewConversation(fx.FirstAgent().ID)
		runtimes := []*conversation.Runtime{conversation.New(sa, conversation.Options{}), conversation.New(sb, conversation.Options{})}
		const senders, each = 4, 20
		var wg sync.WaitGroup
		errs := make(chan error, len(runtimes)*senders*each)
		for p, rt := range runtimes {
			for g := range senders {
				wg.Go(func() {
					for i := range each {
						text := fmt.Sprintf("horaires ? (%d-%d-%d)", p, g, i)
						out, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: fx.Workspace.ID, ConversationID: conv.ID, Text: text})
						if err == nil && (out.Via != "rule:Horaires" || len(out.Replies) != 1) {
							err = fmt.Errorf("%q: answered by %q with %d replies", text, out.Via, len(out.Replies))
						}
						if err != nil {
							errs <- fmt.Errorf("%q: %w", text, err)
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		sent := len(runtimes) * senders * each
		visitors, replies := 0, map[float64]bool{}
		for _, m := range fx.Messages(conv.ID) {
			switch m.Role {
			case store.RoleVisitor:
				visitors++
			case store.RoleAIAgent:
				to, _ := m.Metadata["in_reply_to"].(float64)
				if to >= float64(m.Seq) || replies[to] {
					t.Errorf("reply %d answers message %v: not a single answer to an earlier message", m.Seq, to)
				}
				replies[to] = true
			}
		}
		if visitors != sent || len(replies) != sent {
			t.Errorf("sent %d messages: %d stored, %d answered", sent, visitors, len(replies))
		}
	})
}
