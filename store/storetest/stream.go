package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/causerie/causerie/store"
)

// seqs returns the Seq of each event.
func seqs(events []*store.StreamEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Seq
	}
	return out
}

// seqRange is [from, from+1, …, to].
func seqRange(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func appendStream(t *testing.T, s store.Queries, w *store.Workspace, conv *store.Conversation, kind, data string) *store.StreamEvent {
	t.Helper()
	e := &store.StreamEvent{WorkspaceID: w.ID, ConversationID: conv.ID, Kind: kind, Data: json.RawMessage(data)}
	must(t, s.AppendStreamEvent(ctx, e))
	return e
}

func testStreamEvents(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	a, b := NewConversation(t, s, w), NewConversation(t, s, w)
	listStream := func(conv *store.Conversation, after int64, n int) []*store.StreamEvent {
		t.Helper()
		events, err := s.ListStreamEvents(ctx, w.ID, conv.ID, after, n)
		must(t, err)
		return events
	}

	// Seqs count 1, 2, 3… per conversation, whatever the other does.
	data := `{"text": "Bonjour",  "z": 1, "a": [true, null]}` // kept as written
	first := appendStream(t, s, w, a, "message", data)
	appendStream(t, s, w, b, "status", `{"status":"open"}`)
	appendStream(t, s, w, a, "action", `{"action":"tag"}`)
	appendStream(t, s, w, b, "message", `{}`)
	last := appendStream(t, s, w, a, "status", "")
	if first.Seq != 1 || last.Seq != 3 || first.CreatedAt.IsZero() {
		t.Errorf("appended seqs %d and %d, created at %v; want 1 and 3", first.Seq, last.Seq, first.CreatedAt)
	}
	got := listStream(a, 0, 0)
	diff(t, "stream of a", seqs(got), []int64{1, 2, 3})
	diff(t, "stream of b", seqs(listStream(b, 0, 0)), []int64{1, 2})
	if len(got) == 3 {
		e := got[0]
		if e.WorkspaceID != w.ID || e.ConversationID != a.ID || e.Kind != "message" || string(e.Data) != data ||
			!e.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("first event read back as %+v (data %s)", e, e.Data)
		}
		if string(got[2].Data) != "{}" || string(last.Data) != "{}" {
			t.Errorf("empty data stored as %q (set %q), want {}", got[2].Data, last.Data)
		}
	}
	diff(t, "after 1", seqs(listStream(a, 1, 0)), []int64{2, 3})
	diff(t, "after 1, limit 1", seqs(listStream(a, 1, 1)), []int64{2})
	diff(t, "after the last", seqs(listStream(a, 3, 0)), []int64{})

	// Not JSON: refused.
	if err := s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: a.ID, Kind: "message",
		Data: json.RawMessage(`{"text":`)}); err == nil {
		t.Error("data that is not JSON was appended")
	}

	// Another workspace neither appends to the conversation nor reads it.
	other := NewWorkspace(t, s)
	err := s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: other.ID, ConversationID: a.ID, Kind: "message"})
	wantErr(t, err, store.ErrNotFound)
	err = s.AppendStreamEvent(ctx, &store.StreamEvent{WorkspaceID: w.ID, ConversationID: "conv_missing", Kind: "message"})
	wantErr(t, err, store.ErrNotFound)
	foreign, err := s.ListStreamEvents(ctx, other.ID, a.ID, 0, 0)
	must(t, err)
	diff(t, "stream read through another workspace", seqs(foreign), []int64{})

	// In a transaction: a rollback stores nothing (and its seq is taken
	// again), a commit stores everything.
	err = s.InTx(ctx, func(q store.Queries) error {
		appendStream(t, q, w, a, "message", `{"n":4}`)
		return errAbort
	})
	wantErr(t, err, errAbort)
	diff(t, "after a rollback", seqs(listStream(a, 0, 0)), []int64{1, 2, 3})
	must(t, s.InTx(ctx, func(q store.Queries) error {
		appendStream(t, q, w, a, "message", `{"n":4}`)
		e := appendStream(t, q, w, a, "message", `{"n":5}`)
		if e.Seq != 5 {
			t.Errorf("second append of the transaction got seq %d, want 5", e.Seq)
		}
		inside, err := q.ListStreamEvents(ctx, w.ID, a.ID, 3, 0)
		diff(t, "read inside the transaction", seqs(inside), []int64{4, 5})
		return err
	}))
	diff(t, "after a commit", seqs(listStream(a, 0, 0)), []int64{1, 2, 3, 4, 5})

	// The stream goes with its conversation.
	must(t, s.DeleteConversation(ctx, w.ID, b.ID))
	diff(t, "stream of a deleted conversation", seqs(listStream(b, 0, 0)), []int64{})
}

// Appends from 8 goroutines (half of them in transactions that hold the
// conversation a little longer) number the events 1..n without gap or
// repeat; readers polling meanwhile never see a seq appear below one they
// have already seen, so a client that resumes after its last seq misses
// nothing.
func testConcurrentStreamAppends(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	const writers, each = 8, 25
	var done atomic.Bool
	var readers sync.WaitGroup
	problems := make(chan string, 100)
	report := func(format string, args ...any) {
		select {
		case problems <- fmt.Sprintf(format, args...):
		default:
		}
	}
	// A snapshot reader: every read is exactly 1..k, k never shrinking.
	readers.Go(func() {
		var seen int64
		for !done.Load() {
			events, err := s.ListStreamEvents(ctx, w.ID, conv.ID, 0, 0)
			if err != nil {
				report("snapshot read: %v", err)
				return
			}
			for i, e := range events {
				if e.Seq != int64(i+1) {
					report("snapshot %v is not 1..%d: an event committed before one below it", seqs(events), len(events))
					return
				}
			}
			n := int64(len(events))
			if n < seen {
				report("snapshot shrank from %d to %d events", seen, n)
				return
			}
			seen = n
		}
	})
	// A resuming reader, as a reconnecting client: after its last seq.
	var followed []int64
	readers.Go(func() {
		var last int64
		for {
			finished := done.Load()
			events, err := s.ListStreamEvents(ctx, w.ID, conv.ID, last, 7)
			if err != nil {
				report("resuming read: %v", err)
				return
			}
			for _, e := range events {
				followed = append(followed, e.Seq)
				last = e.Seq
			}
			if finished && len(events) == 0 {
				return
			}
		}
	})

	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				e := &store.StreamEvent{WorkspaceID: w.ID, ConversationID: conv.ID, Kind: "message",
					Data: json.RawMessage(fmt.Sprintf(`{"writer":%d,"i":%d}`, g, i))}
				if g%2 == 0 {
					errs <- s.AppendStreamEvent(ctx, e)
					continue
				}
				errs <- s.InTx(ctx, func(q store.Queries) error {
					if err := q.AppendStreamEvent(ctx, e); err != nil {
						return err
					}
					time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond) // commit late
					return nil
				})
			}
		})
	}
	wg.Wait()
	done.Store(true)
	readers.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	close(problems)
	for p := range problems {
		t.Error(p)
	}
	events, err := s.ListStreamEvents(ctx, w.ID, conv.ID, 0, 0)
	must(t, err)
	diff(t, "seqs after concurrent appends", seqs(events), seqRange(1, writers*each))
	diff(t, "seqs the resuming reader received", followed, seqRange(1, writers*each))
	perWriter := map[string]int{}
	for _, e := range events {
		var d struct{ Writer, I int }
		must(t, json.Unmarshal(e.Data, &d))
		perWriter[fmt.Sprint(d.Writer, "/", d.I)]++
	}
	if len(perWriter) != writers*each {
		t.Errorf("%d distinct appends stored, want %d", len(perWriter), writers*each)
	}
}

func testVisitorTokens(t *testing.T, s store.Store) {
	w, other := NewWorkspace(t, s), NewWorkspace(t, s)
	conv := NewConversation(t, s, w)
	secret, hash := store.NewVisitorTokenSecret()
	if !strings.HasPrefix(secret, store.VisitorTokenPrefix) || len(secret) < 40 || store.HashAPIKey(secret) != hash || hash == secret {
		t.Fatalf("secret %q, hash %q", secret, hash)
	}
	if s2, h2 := store.NewVisitorTokenSecret(); s2 == secret || h2 == hash {
		t.Fatal("two visitor token secrets are equal")
	}
	tok := &store.VisitorToken{Hash: hash, WorkspaceID: w.ID, ConversationID: conv.ID, ContactID: conv.ContactID}
	must(t, s.CreateVisitorToken(ctx, tok))
	if tok.CreatedAt.IsZero() {
		t.Error("CreatedAt not set")
	}
	got, err := s.GetVisitorTokenByHash(ctx, hash)
	must(t, err)
	diff(t, "token by hash", got, tok, cmpopts.IgnoreFields(store.VisitorToken{}, "CreatedAt"))
	if !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Errorf("created at %v, read back %v", tok.CreatedAt, got.CreatedAt)
	}
	_, err = s.GetVisitorTokenByHash(ctx, store.HashAPIKey("cvt_nope"))
	wantErr(t, err, store.ErrNotFound)

	// A hash is unique; a token needs a conversation and a contact of its
	// workspace.
	wantErr(t, s.CreateVisitorToken(ctx, &store.VisitorToken{Hash: hash, WorkspaceID: w.ID, ConversationID: conv.ID,
		ContactID: conv.ContactID}), store.ErrDuplicate)
	_, h := store.NewVisitorTokenSecret()
	wantErr(t, s.CreateVisitorToken(ctx, &store.VisitorToken{Hash: h, WorkspaceID: other.ID, ConversationID: conv.ID,
		ContactID: conv.ContactID}), store.ErrNotFound)
	wantErr(t, s.CreateVisitorToken(ctx, &store.VisitorToken{Hash: h, WorkspaceID: w.ID, ConversationID: "conv_missing",
		ContactID: conv.ContactID}), store.ErrNotFound)
	foreign := NewContact(t, s, other)
	wantErr(t, s.CreateVisitorToken(ctx, &store.VisitorToken{Hash: h, WorkspaceID: w.ID, ConversationID: conv.ID,
		ContactID: foreign.ID}), store.ErrNotFound)
	_, err = s.GetVisitorTokenByHash(ctx, h)
	wantErr(t, err, store.ErrNotFound)

	// Tokens go with their conversation, and with their workspace.
	must(t, s.DeleteConversation(ctx, w.ID, conv.ID))
	_, err = s.GetVisitorTokenByHash(ctx, hash)
	wantErr(t, err, store.ErrNotFound)
	conv2 := NewConversation(t, s, w)
	_, h2 := store.NewVisitorTokenSecret()
	must(t, s.CreateVisitorToken(ctx, &store.VisitorToken{Hash: h2, WorkspaceID: w.ID, ConversationID: conv2.ID, ContactID: conv2.ContactID}))
	must(t, s.DeleteWorkspace(ctx, w.ID))
	_, err = s.GetVisitorTokenByHash(ctx, h2)
	wantErr(t, err, store.ErrNotFound)
}

func testIdempotencyKeys(t *testing.T, s store.Store) {
	w, other := NewWorkspace(t, s), NewWorkspace(t, s)
	claim := func(ws *store.Workspace, scope, key, hash string) (*store.IdempotencyRecord, *store.IdempotencyRecord) {
		t.Helper()
		r := &store.IdempotencyRecord{WorkspaceID: ws.ID, Scope: scope, Key: key, RequestHash: hash}
		stored, err := s.ClaimIdempotencyKey(ctx, r)
		must(t, err)
		return r, stored
	}
	ignore := cmpopts.IgnoreFields(store.IdempotencyRecord{}, "CreatedAt")

	// A new key is claimed, running (status 0); claimed again, the first
	// claim comes back whatever the request.
	r, stored := claim(w, "key_1", "k1", "h1")
	if stored != nil || r.Status != 0 || r.CreatedAt.IsZero() {
		t.Fatalf("first claim: stored %+v, record %+v", stored, r)
	}
	_, stored = claim(w, "key_1", "k1", "h2")
	want := &store.IdempotencyRecord{WorkspaceID: w.ID, Scope: "key_1", Key: "k1", RequestHash: "h1"}
	diff(t, "second claim while running", stored, want, ignore)
	if stored != nil && !stored.CreatedAt.Equal(r.CreatedAt) {
		t.Errorf("stored claim created at %v, claimed at %v", stored.CreatedAt, r.CreatedAt)
	}

	// Completed, a claim returns the response.
	r.Status, r.Response = 201, json.RawMessage(`{"id": "msg_1",  "seq":3}`)
	must(t, s.CompleteIdempotencyKey(ctx, r))
	_, stored = claim(w, "key_1", "k1", "h1")
	want.Status, want.Response = 201, r.Response
	diff(t, "claim after completion", stored, want, ignore)
	if stored != nil && string(stored.Response) != string(r.Response) {
		t.Errorf("response read back as %s, want %s byte for byte", stored.Response, r.Response)
	}
	// A response without a body.
	r2, _ := claim(w, "key_1", "k2", "h")
	r2.Status = 204
	must(t, s.CompleteIdempotencyKey(ctx, r2))
	_, stored = claim(w, "key_1", "k2", "h")
	diff(t, "bodiless response", stored, &store.IdempotencyRecord{WorkspaceID: w.ID, Scope: "key_1", Key: "k2", RequestHash: "h", Status: 204}, ignore)
	if err := s.CompleteIdempotencyKey(ctx, &store.IdempotencyRecord{WorkspaceID: w.ID, Scope: "key_1", Key: "k2", Status: 200,
		Response: json.RawMessage(`not json`)}); err == nil {
		t.Error("a response that is not JSON was saved")
	}

	// Scopes and workspaces have keys of their own.
	if _, stored := claim(w, "conv_2", "k1", "h1"); stored != nil {
		t.Errorf("the key of another scope is taken: %+v", stored)
	}
	if _, stored := claim(other, "key_1", "k1", "h1"); stored != nil {
		t.Errorf("the key of another workspace is taken: %+v", stored)
	}
	wantErr(t, s.CompleteIdempotencyKey(ctx, &store.IdempotencyRecord{WorkspaceID: w.ID, Scope: "key_1", Key: "never", Status: 200}), store.ErrNotFound)

	// A released key is claimed anew; releasing it again finds nothing.
	claim(w, "key_1", "k3", "h1")
	must(t, s.ReleaseIdempotencyKey(ctx, w.ID, "key_1", "k3"))
	if r, stored := claim(w, "key_1", "k3", "h9"); stored != nil || r.RequestHash != "h9" {
		t.Errorf("claim after release: %+v", stored)
	}
	wantErr(t, s.ReleaseIdempotencyKey(ctx, other.ID, "key_1", "k3"), store.ErrNotFound)
	must(t, s.ReleaseIdempotencyKey(ctx, w.ID, "key_1", "k3"))
	wantErr(t, s.ReleaseIdempotencyKey(ctx, w.ID, "key_1", "k3"), store.ErrNotFound)

	// Concurrent claims of one key: exactly one wins.
	const n = 8
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			stored, err := s.ClaimIdempotencyKey(ctx, &store.IdempotencyRecord{WorkspaceID: w.ID, Scope: "race", Key: "k", RequestHash: fmt.Sprint(i)})
			if err != nil {
				t.Error(err)
				return
			}
			if stored == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of %d concurrent claims won, want 1", wins.Load(), n)
	}

	// Keys go with their workspace.
	must(t, s.DeleteWorkspace(ctx, w.ID))
	must(t, s.CreateWorkspace(ctx, w)) // same ID again
	if _, stored := claim(w, "key_1", "k1", "h1"); stored != nil {
		t.Errorf("a key survived its workspace: %+v", stored)
	}
}
