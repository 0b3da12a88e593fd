package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
)

// Run as the causerie binary when this is set: tests that need a process
// of their own (signals) start this test binary.
const runMainEnv = "CAUSERIE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Ctrl-C during a turn cancels it and comes back to the prompt; the next
// message is answered; Ctrl-C at the prompt leaves.
func TestChatCtrlCCancelsTheTurn(t *testing.T) {
	srv := agenttest.New(t,
		agenttest.Step{Delay: 20 * time.Second, Reply: "trop tard"},
		agenttest.Step{Reply: "Me revoilà."})
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	cmd := exec.Command(os.Args[0], "--data-dir", dir, "chat")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "OPENAI_BASE_URL="+srv.URL, "OPENAI_API_KEY=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen strings.Builder
	waitFor := func(want string) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("chat ended before %q:\n%s", want, seen.String())
				}
				seen.WriteString(l + "\n")
				if strings.Contains(l, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q:\n%s", want, seen.String())
			}
		}
	}
	waitFor("Chatting with")
	io.WriteString(stdin, "Bonjour\n")
	for len(srv.Requests()) == 0 { // the turn is at the model
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitFor("(turn cancelled")
	io.WriteString(stdin, "Vous êtes là ?\n")
	waitFor("Me revoilà.")
	time.Sleep(50 * time.Millisecond) // back at the prompt
	cmd.Process.Signal(syscall.SIGINT)
	waitFor("bye")
	if err := cmd.Wait(); err != nil {
		t.Errorf("chat exited with %v:\n%s", err, seen.String())
	}
	// The cancelled turn is on record, over: nothing is left to recover.
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "causerie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wss, _ := s.ListWorkspaces(context.Background())
	events, _ := s.ListEvents(context.Background(), wss[0].ID, store.EventFilter{Type: "turn.cancelled"})
	left, _ := s.ListUnhandledMessages(context.Background(), time.Now().Add(time.Hour), 10)
	if len(events) != 1 || len(left) != 0 {
		t.Errorf("%d turn.cancelled events, %d unhandled messages", len(events), len(left))
	}
}
