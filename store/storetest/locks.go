package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
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
