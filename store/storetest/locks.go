package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/causerie/causerie/store"
)

// 50 concurrent transactions read-increment-write the round-robin cursor
// under LockTeam: none may read a stale cursor.
func testTeamLock(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	team := &store.Team{WorkspaceID: w.ID, Name: "Ventes"}
	must(t, s.CreateTeam(ctx, team))
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.InTx(ctx, func(q store.Queries) error {
				locked, err := q.LockTeam(ctx, w.ID, team.ID)
				if err != nil {
					return err
				}
				return q.SetTeamCursor(ctx, w.ID, team.ID, locked.RoundRobinCursor+1)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetTeam(ctx, w.ID, team.ID)
	must(t, err)
	if got.RoundRobinCursor != n-1 {
		t.Errorf("cursor = %d after %d locked increments from -1, want %d", got.RoundRobinCursor, n, n-1)
	}
	wantErr(t, s.SetTeamCursor(ctx, w.ID, "team_missing", 1), store.ErrNotFound)
}

// Concurrent transactions that close a conversation only if it is open:
// with LockConversation exactly one of them closes it.
func testConversationLock(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	const n = 20
	var wg sync.WaitGroup
	closed := make(chan bool, n)
	for range n {
		wg.Go(func() {
			err := s.InTx(ctx, func(q store.Queries) error {
				c, err := q.LockConversation(ctx, w.ID, conv.ID)
				if err != nil {
					return err
				}
				if c.Status == store.StatusClosed {
					closed <- false
					return nil
				}
				c.Status = store.StatusClosed
				closed <- true
				return q.UpdateConversation(ctx, c)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(closed)
	count := 0
	for c := range closed {
		if c {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d transactions closed the conversation, want exactly 1", count)
	}
	contact, err := s.LockContact(ctx, w.ID, conv.ContactID)
	must(t, err)
	if contact.ID != conv.ContactID {
		t.Errorf("LockContact returned %s", contact.ID)
	}
}

func testCountOpenConversations(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	us := newUsers(t, s, w, "a@x.fr", "b@x.fr", "c@x.fr")
	assign := func(u *store.User, status store.ConversationStatus) {
		c := NewConversation(t, s, w)
		c.Assignee = store.Assignee{Type: store.AssigneeUser, ID: u.ID}
		c.Status = status
		must(t, s.UpdateConversation(ctx, c))
	}
	assign(us[0], store.StatusOpen)
	assign(us[0], store.StatusOpen)
	assign(us[0], store.StatusClosed)
	assign(us[1], store.StatusOpen)
	assign(us[2], store.StatusOpen)
	got, err := s.CountOpenConversations(ctx, w.ID, []string{us[0].ID, us[1].ID})
	must(t, err)
	diff(t, "open counts", got, map[string]int{us[0].ID: 2, us[1].ID: 1})
}

func testActionRuns(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	r := &store.ActionRun{WorkspaceID: w.ID, Key: "conv_1/3/0", Action: "assign"}
	must(t, s.CreateActionRun(ctx, r))
	if r.Status != store.RunPending {
		t.Errorf("new run status = %q", r.Status)
	}
	wantErr(t, s.CreateActionRun(ctx, &store.ActionRun{WorkspaceID: w.ID, Key: r.Key, Action: "assign"}), store.ErrDuplicate)
	r.Status = store.RunDone
	r.Result = json.RawMessage(`{"ok": true, "message": "assigned"}`)
	must(t, s.UpdateActionRun(ctx, r))
	got, err := s.GetActionRun(ctx, w.ID, r.Key)
	must(t, err)
	var res map[string]any
	must(t, json.Unmarshal(got.Result, &res))
	if got.Status != store.RunDone || got.Action != "assign" || res["message"] != "assigned" {
		t.Errorf("run = %+v (result %s)", got, got.Result)
	}
	other := NewWorkspace(t, s)
	_, err = s.GetActionRun(ctx, other.ID, r.Key)
	wantErr(t, err, store.ErrNotFound)
	must(t, s.CreateActionRun(ctx, &store.ActionRun{WorkspaceID: other.ID, Key: r.Key, Action: "assign"})) // keys are per workspace
	must(t, s.DeleteActionRun(ctx, w.ID, r.Key))
	_, err = s.GetActionRun(ctx, w.ID, r.Key)
	wantErr(t, err, store.ErrNotFound)
}

// The turn lease: one holder at a time, renewable by its holder, taken
// over once expired, released by its holder only.
func testTurnLock(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	now := time.Now()
	acquire := func(holder string, until time.Time) bool {
		t.Helper()
		ok, err := s.AcquireTurnLock(ctx, w.ID, conv.ID, holder, until)
		must(t, err)
		return ok
	}
	if !acquire("a", now.Add(time.Minute)) {
		t.Fatal("a could not take a free lock")
	}
	if acquire("b", now.Add(time.Minute)) {
		t.Fatal("b took a lock a holds")
	}
	if !acquire("a", now.Add(2*time.Minute)) {
		t.Fatal("a could not renew its own lock")
	}
	must(t, s.ReleaseTurnLock(ctx, w.ID, conv.ID, "b")) // not b's: no effect
	if acquire("b", now.Add(time.Minute)) {
		t.Fatal("b's release freed a's lock")
	}
	must(t, s.ReleaseTurnLock(ctx, w.ID, conv.ID, "a"))
	if !acquire("b", now.Add(-time.Second)) { // b takes it, already expired
		t.Fatal("b could not take a released lock")
	}
	if !acquire("c", now.Add(time.Minute)) {
		t.Fatal("c could not take an expired lock")
	}
	_, err := s.AcquireTurnLock(ctx, NewWorkspace(t, s).ID, conv.ID, "d", now.Add(time.Minute))
	wantErr(t, err, store.ErrNotFound)

	// Concurrent acquirers: exactly one wins.
	conv2 := NewConversation(t, s, w)
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := range 20 {
		wg.Go(func() {
			holder := fmt.Sprint("h", i)
			ok, err := s.AcquireTurnLock(ctx, w.ID, conv2.ID, holder, time.Now().Add(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins <- holder
			}
		})
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Errorf("%d concurrent acquirers won the lock, want 1", n)
	}
}

// Two processes (two handles on one database) take turns on one
// conversation the way the conversation pipeline does: each visitor
// message is stored with the conversation row locked and the turn lease
// tried in the same transaction; a message that did not get the lease
// waits for it; the answer is stored and the lease released. Every
// message is stored, every one answered once, after it, and no two turns
// ever overlap. (On PostgreSQL this once deadlocked, SQLSTATE 40P01: the
// lease's foreign-key check against the locked conversation row.)
func testTwoProcessesOneConversation(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	handles := []store.Store{s, Reopen(t, s)}
	var inTurn, overlaps atomic.Int64
	turn := func(q store.Store, holder, text string) error {
		visitor := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleVisitor, Text: text}
		locked := false
		err := q.InTx(ctx, func(tx store.Queries) error {
			if _, err := tx.LockConversation(ctx, w.ID, conv.ID); err != nil {
				return err
			}
			if err := tx.AppendMessage(ctx, visitor); err != nil {
				return err
			}
			var err error
			locked, err = tx.AcquireTurnLock(ctx, w.ID, conv.ID, holder, time.Now().Add(time.Minute))
			return err
		})
		if err != nil {
			return fmt.Errorf("store %q: %w", text, err)
		}
		for !locked {
			time.Sleep(time.Millisecond)
			if locked, err = q.AcquireTurnLock(ctx, w.ID, conv.ID, holder, time.Now().Add(time.Minute)); err != nil {
				return fmt.Errorf("lease for %q: %w", text, err)
			}
		}
		if inTurn.Add(1) > 1 {
			overlaps.Add(1)
		}
		reply := &store.Message{WorkspaceID: w.ID, ConversationID: conv.ID, Role: store.RoleAIAgent, Text: "re: " + text,
			Metadata: map[string]any{"in_reply_to": visitor.Seq}}
		err = q.AppendMessage(ctx, reply)
		inTurn.Add(-1)
		if rerr := q.ReleaseTurnLock(ctx, w.ID, conv.ID, holder); err == nil {
			err = rerr
		}
		if err != nil {
			return fmt.Errorf("answer %q: %w", text, err)
		}
		return nil
	}
	const senders, each = 4, 25
	errs := make(chan error, len(handles)*senders*each)
	var wg sync.WaitGroup
	for p, q := range handles {
		for g := range senders {
			wg.Go(func() {
				for i := range each {
					holder := fmt.Sprintf("p%d/g%d/%d", p, g, i)
					if err := turn(q, holder, holder); err != nil {
						errs <- err
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
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d turns overlapped another", n)
	}
	msgs, err := s.ListMessages(ctx, w.ID, conv.ID, store.MessageFilter{})
	must(t, err)
	seqOf, answered := map[string]int64{}, map[int64]int{}
	for _, m := range msgs {
		if m.Role == store.RoleVisitor {
			seqOf[m.Text] = m.Seq
			continue
		}
		to, _ := m.Metadata["in_reply_to"].(float64)
		if int64(to) != seqOf[m.Text[len("re: "):]] || int64(to) >= m.Seq {
			t.Errorf("reply %d (%q) answers %v", m.Seq, m.Text, to)
		}
		answered[int64(to)]++
	}
	sent := len(handles) * senders * each
	if len(seqOf) != sent || len(answered) != sent {
		t.Errorf("sent %d messages: %d stored, %d answered", sent, len(seqOf), len(answered))
	}
	for seq, n := range answered {
		if n != 1 {
			t.Errorf("message %d answered %d times", seq, n)
		}
	}
}
