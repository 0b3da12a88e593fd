package dsl_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

const relance = "../examples/salon/flows/relance.json"

// crmHook is the external service of seed 004's "Appeler une source
// HTTP" block: it records what it receives and answers with status.
type crmHook struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	answer   string
	received []map[string]any
	auth     []string
}

func newHook(t *testing.T, status int, answer string) *crmHook {
	h := &crmHook{status: status, answer: answer}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		h.mu.Lock()
		h.received = append(h.received, body)
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(h.status)
		io.WriteString(w, h.answer)
	}))
	t.Cleanup(h.Close)
	return h
}

// pointAt sends the flow's http-notify block to the hook instead of
// exemple.com (the block is otherwise seed 004's, verbatim).
func pointAt(hook *crmHook) func(f *dsl.Flow) {
	return func(f *dsl.Flow) {
		for i := range f.Nodes {
			if f.Nodes[i].ID == "http-notify" {
				f.Nodes[i].Data.Parameters["url"] = hook.URL + "/relance"
			}
		}
	}
}

// The follow-up flow built from seed 004's five blocks, every path: the
// service accepts (the AI writes the message, or cannot), the service
// answers that it did not take it, the service fails.
func TestRelanceFlowEveryPath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		var walked [][]string
		prog := newHarness(t, s, setup{workspace: salon, flows: []string{relance}}).progs["relance"]

		// common checks the state every path leaves.
		common := func(t *testing.T, h *harness, hook *crmHook) {
			t.Helper()
			c := h.contact()
			if c.Fields["telephone"] != "+33612345678" || !slices.Contains(c.Tags, "relance_envoyee") {
				t.Errorf("contact = %+v", c)
			}
			tasks := h.tasks()
			if len(tasks) != 1 || tasks[0].Priority != store.PriorityHigh ||
				tasks[0].Assignee != (store.Assignee{Type: store.AssigneeTeam, ID: h.teamID("Commercial")}) || tasks[0].ContactID != c.ID {
				t.Errorf("tasks = %+v", tasks)
			}
			if len(hook.received) != 1 || hook.received[0]["event"] != "relance_envoyee" || hook.auth[0] != "Bearer VOTRE_TOKEN" {
				t.Errorf("the service received %v with Authorization %v", hook.received, hook.auth)
			}
		}

		t.Run("accepted, AI message", func(t *testing.T) {
			hook := newHook(t, 200, `{"status": "ok", "id": 42}`)
			model := agenttest.New(t, agenttest.Step{Reply: "Bonjour Camille, merci pour votre intérêt ! Sophie vous rappelle très vite."})
			h := newHarness(t, s, setup{workspace: salon, flows: []string{relance}, allow: []string{"127.0.0.1"}, edit: pointAt(hook),
				model: agent.NewOpenAI(agent.OpenAIConfig{BaseURL: model.URL, Timeout: 2 * time.Second, MaxRetries: 1, Backoff: time.Millisecond})})
			h.conv = h.newConversation("camille@example.fr")
			h.expect("Pouvez-vous me rappeler ?", "Un membre de notre équipe va vous rappeler", "À quel numéro")
			h.expect("06 12 34 56 78", "Sophie vous rappelle très vite", "l'équipe commerciale vous rappellera au +33612345678")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			common(t, h, hook)
			r := h.run()
			httpVars, _ := r.Vars["http"].(map[string]any)
			body, _ := httpVars["body"].(map[string]any)
			if httpVars["status"] != 200.0 || body["status"] != "ok" || body["id"] != 42.0 {
				t.Errorf("http variable = %v", r.Vars["http"])
			}
			if !strings.HasPrefix(text(r.Vars["ai_reply"]), "Bonjour Camille") {
				t.Errorf("ai_reply variable = %v", r.Vars["ai_reply"])
			}
			reqs := model.Requests()
			if len(reqs) != 1 || reqs[0].Body["temperature"] != 0.4 || reqs[0].Body["max_tokens"] != 240.0 {
				t.Errorf("model requests = %+v", reqs)
			}
			// crm_upsert kept the contact (no duplicate) with its email and phone.
			c := h.contact()
			if c.Email != "camille@example.fr" || c.Phone != "+33612345678" {
				t.Errorf("contact after crm_upsert: email %q phone %q", c.Email, c.Phone)
			}
			ev := h.events()
			if count(ev, "action.executed") != 5 || ev[len(ev)-1] != "flow.completed" {
				t.Errorf("events = %v", ev)
			}
		})

		t.Run("accepted, no model", func(t *testing.T) {
			hook := newHook(t, 200, `{"status": "ok"}`)
			h := newHarness(t, s, setup{workspace: salon, flows: []string{relance}, allow: []string{"127.0.0.1"}, edit: pointAt(hook)})
			h.conv = h.newConversation("camille@example.fr")
			h.say("relance")
			h.expect("0612345678", "l'équipe commerciale vous rappellera")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			common(t, h, hook)
			if e, _ := h.run().Vars["error"].(map[string]any); e["node"] != "ai-reply" || !strings.Contains(text(e["message"]), "no model") {
				t.Errorf("error variable = %v", h.run().Vars["error"])
			}
		})

		t.Run("not accepted", func(t *testing.T) {
			hook := newHook(t, 200, `{"status": "pending"}`)
			h := newHarness(t, s, setup{workspace: salon, flows: []string{relance}, allow: []string{"127.0.0.1"}, edit: pointAt(hook)})
			h.say("Je voudrais être rappelé")
			h.expect("+33 6 12 34 56 78", "l'équipe commerciale vous rappellera")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			common(t, h, hook)
			if c := h.contact(); c.Phone != "" {
				t.Errorf("crm_upsert ran on the false branch: phone %q", c.Phone)
			}
		})

		t.Run("service down", func(t *testing.T) {
			hook := newHook(t, 503, `{"error": "maintenance"}`)
			h := newHarness(t, s, setup{workspace: salon, flows: []string{relance}, allow: []string{"127.0.0.1"}, edit: pointAt(hook)})
			h.say("rappelez-moi svp")
			h.expect("06 12 34 56 78", "l'équipe commerciale vous rappellera")
			walked = append(walked, h.finished(store.FlowRunCompleted))
			common(t, h, hook)
			r := h.run()
			if hv, _ := r.Vars["http"].(map[string]any); hv["status"] != 503.0 || hv["ok"] != false {
				t.Errorf("http variable = %v", r.Vars["http"])
			}
		})

		t.Run("not allowlisted: blocked, the error edge", func(t *testing.T) {
			hook := newHook(t, 200, `{"status": "ok"}`)
			h := newHarness(t, s, setup{workspace: salon, flows: []string{relance}, edit: pointAt(hook)})
			h.say("relance")
			h.expect("06 12 34 56 78", "l'équipe commerciale vous rappellera")
			h.finished(store.FlowRunCompleted)
			if len(hook.received) != 0 {
				t.Errorf("a loopback request went out without the allowlist")
			}
			if tasks := h.tasks(); len(tasks) != 1 {
				t.Errorf("tasks = %v", tasks)
			}
		})
		coverage(t, prog, walked, nil)
	})
}

func text(v any) string {
	s, _ := v.(string)
	return s
}
