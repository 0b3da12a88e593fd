package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// TestReplicas: two servers on one PostgreSQL database — each with its own
// connections, runtime, turn holder and in-memory hub, as two serve
// processes have — behave as one. 200 visitors send 5 messages each to one
// replica while their streams are connected to the other: every stream
// gets every event once, in order; the fifth message makes the AI agent
// assign the conversation to a team, round robin, which stays exact
// across replicas.
func TestReplicas(t *testing.T) {
	visitors, messages := 200, 5
	if testing.Short() {
		visitors = 40
	}
	s := storetest.OpenPostgres(t)
	h := newHarness(t, s, harnessOptions{})
	h.model.RespondWith(func(req agenttest.Request) agenttest.Step {
		msgs := req.Messages()
		last := msgs[len(msgs)-1]
		if last["role"] == "tool" {
			return agenttest.Step{Reply: "Je vous passe l'équipe."}
		}
		text, _ := last["content"].(string)
		if strings.HasSuffix(text, "#"+strconv.Itoa(messages)) {
			return agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("assign", `{"team":"Équipe de Planification"}`)}}
		}
		return agenttest.Step{Reply: "Réponse à " + text}
	})
	_, _, other := h.replica(storetest.Reopen(t, s), server.Options{})
	replicas := []*httptest.Server{h.http, other}

	type conv struct {
		id, token string
		post      *httptest.Server
		stream    *stream
	}
	convs := make([]*conv, visitors)
	for i := range convs {
		v := h.newVisitor(nil)
		c := &conv{id: v.conv, token: v.token, post: replicas[i%2]}
		c.stream = h.openStreamAt(replicas[(i+1)%2], h.convs+"/"+v.conv+"/events", v.token, "")
		convs[i] = c
	}
	errs := make(chan error, visitors)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for m := 1; m <= messages; m++ {
				body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("visiteur %d message #%d", i, m)})
				req, _ := http.NewRequest("POST", c.post.URL+h.convs+"/"+c.id+"/messages?wait=true", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := c.post.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("visitor %d message %d: %d %s", i, m, res.StatusCode, raw)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d visitors × %d messages over HTTP with wait=true in %s", visitors, messages, time.Since(start).Round(time.Millisecond))

	// Each stream: the visitor's message and the reply for messages 1–4;
	// for the 5th the visitor's message, the assign action and the status
	// change (the reply after the hand-off is dropped). Ids 1…n, each once.
	want := 2*(messages-1) + 3
	for i, c := range convs {
		var texts []string
		for n := 1; n <= want; n++ {
			ev := c.stream.next(t, "message", "action", "status")
			if ev.id != strconv.Itoa(n) {
				what := "an event was lost"
				if id, _ := strconv.Atoi(ev.id); id < n {
					what = "an event came twice"
				}
				t.Fatalf("visitor %d: event %d has id %s (%s %s): %s", i, n, ev.id, ev.event, ev.data, what)
			}
			if ev.event == "message" {
				var m conversation.PublicMessage
				_ = json.Unmarshal([]byte(ev.data), &m)
				texts = append(texts, m.Text)
			}
		}
		for m := 1; m <= messages; m++ {
			if j := 2 * (m - 1); j >= len(texts) || texts[j] != fmt.Sprintf("visiteur %d message #%d", i, m) {
				t.Fatalf("visitor %d: messages out of order: %q", i, texts)
			}
		}
	}

	// Round robin across replicas: Marie and Luc (Karim is unavailable)
	// got 100 each, ±1.
	counts := map[string]int{}
	for _, c := range convs {
		got := h.fx.Conversation(c.id).Assignee
		if got.Type != store.AssigneeUser {
			t.Fatalf("conversation %s: assignee %+v", c.id, got)
		}
		counts[got.ID]++
	}
	if len(counts) != 2 {
		t.Fatalf("assignments = %v, want two members", counts)
	}
	for id, n := range counts {
		if n < visitors/2-1 || n > visitors/2+1 {
			t.Fatalf("user %s got %d of %d conversations: round robin is off by more than 1 (%v)", id, n, visitors, counts)
		}
	}
}
