package tools_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
)

// Two store handles on one database stand for two processes: 400
// conversations assigned concurrently to a team of 4 through both give
// every member 100 ± 1, and no conversation is assigned twice.
func TestRoundRobinAcrossProcesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, a store.Store) { roundRobinAcross(t, a, storetest.Reopen(t, a)) })
}

func roundRobinAcross(t *testing.T, a, b store.Store) {
	fx := newFixture(t, a, tools.Options{})
	team := &store.Team{WorkspaceID: fx.ws.ID, Name: "Quatre"}
	for i := range 4 {
		u := &store.User{WorkspaceID: fx.ws.ID, Email: fmt.Sprintf("agent%d@salon.fr", i), Name: fmt.Sprintf("Agent %d", i)}
		if err := a.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		team.MemberIDs = append(team.MemberIDs, u.ID)
	}
	if err := a.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	const n = 400
	convs := make(chan *store.Conversation, n)
	for range n {
		convs <- fx.newConversation()
	}
	close(convs)
	cats := []*tools.Catalogue{tools.New(a, tools.Options{}), tools.New(b, tools.Options{})}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			cat := cats[w%2]
			for conv := range convs {
				r, err := cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: conv.ID, Action: "assign",
					Args: []byte(`{"team": "Quatre"}`), Actor: "ai_agent:x", Key: tools.IdempotencyKey(conv.ID, 1, 0)})
				if err != nil || !r.OK {
					t.Errorf("assign %s: %v %s", conv.ID, err, r.JSON())
				}
			}
		})
	}
	wg.Wait()
	counts, err := a.CountOpenConversations(ctx, fx.ws.ID, team.MemberIDs)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, id := range team.MemberIDs {
		total += counts[id]
		if c := counts[id]; c < 99 || c > 101 {
			t.Errorf("member %s got %d conversations, want 100 ± 1 (all: %v)", id, c, counts)
		}
	}
	if total != n {
		t.Errorf("%d conversations assigned, want %d", total, n)
	}
	events, err := a.ListEvents(ctx, fx.ws.ID, store.EventFilter{Type: "conversation.assigned"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.ConversationID]++
	}
	if len(events) != n || len(seen) != n {
		t.Errorf("%d assignment events over %d conversations, want %d each assigned once", len(events), len(seen), n)
	}
}
