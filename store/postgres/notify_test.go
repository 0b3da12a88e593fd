package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/storetest"
)

// listener runs Notifier.Listen until the test ends and collects the
// payloads it keeps.
type listener struct {
	payloads chan string
	readies  atomic.Int32
	done     chan error
	cancel   context.CancelFunc
	stopOnce sync.Once
}

func listen(t *testing.T, n store.Notifier, channel string, keep func(string) bool) *listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{payloads: make(chan string, 1000), done: make(chan error, 1), cancel: cancel}
	ready := make(chan struct{})
	go func() {
		l.done <- n.Listen(ctx, channel, func() {
			if l.readies.Add(1) == 1 {
				close(ready)
			}
		}, func(p string) {
			if keep == nil || keep(p) {
				l.payloads <- p
			}
		})
	}()
	select {
	case <-ready:
	case err := <-l.done:
		t.Fatalf("Listen returned %v before it was ready", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Listen not ready after 10 s")
	}
	t.Cleanup(func() { l.stop(t) })
	return l
}

// stop ends Listen, which must return nil.
func (l *listener) stop(t *testing.T) {
	t.Helper()
	l.stopOnce.Do(func() {
		l.cancel()
		select {
		case err := <-l.done:
			if err != nil {
				t.Errorf("Listen returned %v when its context ended, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Listen still runs 10 s after its context ended")
		}
		if n := l.readies.Load(); n != 1 {
			t.Errorf("ready called %d times, want once", n)
		}
	})
}

// next is the next payload, within timeout.
func (l *listener) next(t *testing.T, timeout time.Duration) string {
	t.Helper()
	select {
	case p := <-l.payloads:
		return p
	case <-time.After(timeout):
		t.Fatalf("no notification within %v", timeout)
		return ""
	}
}

// none checks that no payload arrives for d.
func (l *listener) none(t *testing.T, d time.Duration, when string) {
	t.Helper()
	select {
	case p := <-l.payloads:
		t.Errorf("%s: notified %q", when, p)
	case <-time.After(d):
	}
}

func testChannel() string { return "causerie_test_" + store.NewID("l") }

// adminConn is a connection of the test database's own, to watch and end
// other backends.
func adminConn(t *testing.T) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), os.Getenv(storetest.EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// The notice of a stream event is sent when its transaction commits, and
// never when it rolls back; notices arrive in commit order.
func TestNotifierStreamEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenPostgres(t)
	n, ok := s.(store.Notifier)
	if !ok {
		t.Fatalf("the PostgreSQL store (%T) is no store.Notifier", s)
	}
	w := storetest.NewWorkspace(t, s)
	a, b := storetest.NewConversation(t, s, w), storetest.NewConversation(t, s, w)
	// Other tests' events share the database's channel: keep this workspace's.
	l := listen(t, n, store.StreamChannel, func(p string) bool { return strings.HasPrefix(p, w.ID+"/") })

	e := &store.StreamEvent{WorkspaceID: w.ID, ConversationID: a.ID, Kind: "message"}
	if err := s.AppendStreamEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got, want := l.next(t, 5*time.Second), w.ID+"/"+a.ID+"/1"; got != want || store.StreamNotice(e) != want {
		t.Errorf("notice %q (StreamNotice %q), want %q", got, store.StreamNotice(e), want)
	}

	// Nothing before the commit.
	err := s.InTx(ctx, func(q store.Queries) error {
		if err := q.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: a.ID, Kind: "status"}); err != nil {
			return err
		}
		l.none(t, 300*time.Millisecond, "before the commit")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.next(t, 5*time.Second), w.ID+"/"+a.ID+"/2"; got != want {
		t.Errorf("after the commit: %q, want %q", got, want)
	}

	// Nothing for a rollback: the next notice is the next commit's.
	errAbort := errors.New("abort")
	err = s.InTx(ctx, func(q store.Queries) error {
		if err := q.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: b.ID, Kind: "message"}); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatal(err)
	}
	if err := s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: a.ID, Kind: "message"}); err != nil {
		t.Fatal(err)
	}
	if got, want := l.next(t, 5*time.Second), w.ID+"/"+a.ID+"/3"; got != want {
		t.Errorf("after a rollback and a commit: %q, want %q", got, want)
	}
	l.none(t, 200*time.Millisecond, "after the last commit")
}

// Notify reaches the listeners of its channel, in this process and in
// others, and no other channel's.
func TestNotifyAndListen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenPostgres(t)
	n := s.(store.Notifier)
	other := storetest.Reopen(t, s).(store.Notifier) // another process
	channel, elsewhere := testChannel(), testChannel()
	l := listen(t, n, channel, nil)

	long := strings.Repeat("é", 3950) // 7,900 bytes
	for _, notify := range []struct {
		n       store.Notifier
		channel string
		payload string
	}{
		{n, elsewhere, "not for this channel"},
		{n, channel, "hello"},
		{other, channel, "from another process"},
		{n, channel, long},
	} {
		if err := notify.n.Notify(ctx, notify.channel, notify.payload); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"hello", "from another process", long} {
		if got := l.next(t, 5*time.Second); got != want {
			t.Errorf("payload %.40q…, want %.40q…", got, want)
		}
	}
	l.none(t, 200*time.Millisecond, "after the last notification")

	for _, bad := range []string{"", strings.Repeat("c", 64)} {
		if err := n.Listen(ctx, bad, nil, func(string) {}); err == nil {
			t.Errorf("Listen on channel %q: no error", bad)
		}
	}
	l.stop(t)
}

// When its connection is lost, Listen connects again, says so with "",
// and hears the channel again.
func TestListenReconnects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenPostgres(t)
	n := s.(store.Notifier)
	admin := adminConn(t)
	channel := testChannel()
	l := listen(t, n, channel, nil)

	pid := func() int32 {
		t.Helper()
		for range 100 {
			var pids []int32
			rows, err := admin.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE query = $1`, "LISTEN "+pgx.Identifier{channel}.Sanitize())
			if err == nil {
				pids, err = pgx.CollectRows(rows, pgx.RowTo[int32])
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(pids) == 1 {
				return pids[0]
			}
			if len(pids) > 1 {
				t.Fatalf("%d backends listen on %s", len(pids), channel)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no backend listens on %s", channel)
		return 0
	}
	for round := range 2 {
		first := pid()
		var ended bool
		if err := admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, first).Scan(&ended); err != nil || !ended {
			t.Fatalf("terminate backend %d: %v, %v", first, ended, err)
		}
		if got := l.next(t, 15*time.Second); got != "" {
			t.Fatalf("round %d: after the connection was lost, got %q, want \"\"", round, got)
		}
		if again := pid(); again == first {
			t.Fatalf("round %d: still listening on backend %d", round, first)
		}
		if err := n.Notify(ctx, channel, "after"); err != nil {
			t.Fatal(err)
		}
		if got := l.next(t, 5*time.Second); got != "after" {
			t.Errorf("round %d: after reconnecting, got %q", round, got)
		}
	}
	l.stop(t) // ready was called once only
}

// A listening connection silent for longer than its ping interval is
// checked, and keeps listening.
func TestListenPingsIdleConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenPostgres(t)
	postgres.SetListenPing(s, 20*time.Millisecond)
	n := s.(store.Notifier)
	channel := testChannel()
	l := listen(t, n, channel, nil)
	l.none(t, 300*time.Millisecond, "while idle") // about 15 pings; no reconnection ("")
	for _, p := range []string{"one", "two"} {
		if err := n.Notify(ctx, channel, p); err != nil {
			t.Fatal(err)
		}
		if got := l.next(t, 5*time.Second); got != p {
			t.Errorf("got %q, want %q", got, p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	l.stop(t)
}

// TestStreamChannel: AppendStreamEvent's query writes the channel's name
// out; it must be store.StreamChannel, which Listen listens on.
func TestStreamChannel(t *testing.T) {
	q, err := os.ReadFile("queries.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(q), "pg_notify('"+store.StreamChannel+"'") {
		t.Fatalf("queries.sql does not notify on %q", store.StreamChannel)
	}
}
