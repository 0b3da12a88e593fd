package conversation_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace/workspacetest"
)

// The chaos test's child processes are this test binary, started with
// chaosEnv set: each sends its messages to one conversation and prints
// "ack <text>" for every message Handle accepted.
const chaosEnv = "CAUSERIE_CHAOS_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(chaosEnv) != "" {
		os.Exit(chaosChild())
	}
	os.Exit(m.Run())
}

// chaosOptions are the children's and the parent's: a short lease, so
// that a killed process's turn is taken over within seconds. LockWait
// leaves room for one process's burst of turns: the other's waiting
// message is not first in line (the lease is not a queue).
func chaosOptions(model string) conversation.Options {
	return conversation.Options{Model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model, Timeout: 5 * time.Second, MaxRetries: -1}),
		LockTTL: 600 * time.Millisecond, LockWait: 15 * time.Second}
}

func openDSN(dialect, dsn string) (store.Store, error) {
	if dialect == "postgres" {
		return postgres.Open(context.Background(), dsn)
	}
	return sqlite.Open(context.Background(), dsn)
}

func chaosChild() int {
	ctx := context.Background()
	s, err := openDSN(os.Getenv("CHAOS_DIALECT"), os.Getenv("CHAOS_DSN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer s.Close()
	rt := conversation.New(s, chaosOptions(os.Getenv("CHAOS_MODEL")))
	from, _ := strconv.Atoi(os.Getenv("CHAOS_FROM"))
	to, _ := strconv.Atoi(os.Getenv("CHAOS_TO"))
	for i := from; i < to; i++ {
		text := fmt.Sprintf("%s-%d", os.Getenv("CHAOS_NAME"), i)
		_, err := rt.Handle(ctx, conversation.Inbound{WorkspaceID: os.Getenv("CHAOS_WS"), ConversationID: os.Getenv("CHAOS_CONV"), Text: text})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", text, err)
			continue
		}
		fmt.Printf("ack %s\n", text)
	}
	return 0
}

// Concurrent processes on one conversation, one of them killed with
// SIGKILL in the middle of its turns and started again: every message a
// process acknowledged is stored, and every stored message is answered
// exactly once — the killed turns by Recover, on both stores.
func TestChaosKillMidTurn(t *testing.T) {
	t.Parallel()
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "causerie.db"), "postgres": storetest.PostgresURL(t)}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s, err := openDSN(dialect, dsns[dialect])
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			fx := workspacetest.Salon(t, s)
			conv := fx.NewConversation(fx.FirstAgent().ID)
			model := agenttest.New(t)
			model.RespondWith(func(req agenttest.Request) agenttest.Step {
				msgs := req.Messages()
				if msgs[len(msgs)-1]["role"] == "tool" {
					return agenttest.Step{Reply: "Noté.", Delay: 30 * time.Millisecond}
				}
				return agenttest.Step{Delay: 30 * time.Millisecond, ToolCalls: []agenttest.ToolCall{
					agenttest.Call("tag_contact", `{"tag": "vip"}`)}}
			})
			var mu sync.Mutex
			acked := map[string]bool{}
			start := func(name string, from, to int) *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), chaosEnv+"=1", "CHAOS_DIALECT="+dialect, "CHAOS_DSN="+dsns[dialect],
					"CHAOS_MODEL="+model.URL, "CHAOS_WS="+fx.Workspace.ID, "CHAOS_CONV="+conv.ID, "CHAOS_NAME="+name,
					fmt.Sprintf("CHAOS_FROM=%d", from), fmt.Sprintf("CHAOS_TO=%d", to))
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stderr = os.Stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				go func() {
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						if text, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
							mu.Lock()
							acked[text] = true
							mu.Unlock()
						}
					}
				}()
				return cmd
			}
			const each = 25
			steady := start("b", 0, each)
			victim := start("a", 0, each)
			// Kill the victim in the middle of a turn: once a few of its
			// messages are in, while the model is answering.
			deadline := time.Now().Add(20 * time.Second)
			for {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 6 || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = victim.Wait()
			mu.Lock()
			resumeFrom := 0
			for i := range each {
				if acked[fmt.Sprintf("a-%d", i)] {
					resumeFrom = i + 1
				}
			}
			mu.Unlock()
			// Restarted, it sends the rest (the message it died on is not
			// sent again: a visitor whose request failed may or may not
			// retry; either way nothing it was told was received is lost).
			restarted := start("a", resumeFrom+1, each)
			for _, c := range []*exec.Cmd{steady, restarted} {
				if err := c.Wait(); err != nil {
					t.Errorf("child: %v", err)
				}
			}
			// A process starting after the crash recovers the killed turns.
			rt := conversation.New(s, chaosOptions(model.URL))
			for end := time.Now().Add(60 * time.Second); ; {
				if _, err := rt.Recover(ctx); err != nil {
					t.Fatal(err)
				}
				left, err := s.ListUnhandledMessages(ctx, time.Now().Add(time.Hour), 1000)
				if err != nil {
					t.Fatal(err)
				}
				mine := 0
				for _, m := range left {
					if m.ConversationID == conv.ID {
						mine++
					}
				}
				if mine == 0 {
					break
				}
				if time.Now().After(end) {
					t.Fatalf("%d messages still unhandled after recovery", mine)
				}
				time.Sleep(200 * time.Millisecond)
			}

			stored, answers := map[string]int64{}, map[int64]int{}
			for _, m := range fx.Messages(conv.ID) {
				switch m.Role {
				case store.RoleVisitor:
					stored[m.Text] = m.Seq
				case store.RoleAIAgent:
					to, _ := m.Metadata["in_reply_to"].(float64)
					answers[int64(to)]++
				}
			}
			for text := range acked {
				if _, ok := stored[text]; !ok {
					t.Errorf("%q was acknowledged but is not stored", text)
				}
			}
			for text, seq := range stored {
				if answers[seq] != 1 {
					t.Errorf("%q (seq %d) answered %d times, want once", text, seq, answers[seq])
				}
			}
			t.Logf("%s: %d acknowledged, %d stored, %d answered", dialect, len(acked), len(stored), len(answers))
			if len(stored) < len(acked) || len(answers) != len(stored) {
				t.Errorf("acknowledged %d, stored %d, answered %d", len(acked), len(stored), len(answers))
			}
		})
	}
}
