package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/causerie/causerie/store"
)

// sameJSON compares JSON values, not their spelling (PostgreSQL's JSONB
// respaces them).
var sameJSON = cmp.Transformer("json", func(r json.RawMessage) any {
	var v any
	if json.Unmarshal(r, &v) != nil {
		return string(r)
	}
	return v
})

func newFlow(t *testing.T, s store.Queries, w *store.Workspace, key string, priority int, enabled bool) *store.Flow {
	t.Helper()
	f := &store.Flow{WorkspaceID: w.ID, Key: key, Name: "Flow " + key, Enabled: enabled, Priority: priority,
		Document: json.RawMessage(`{"id": "` + key + `", "nodes": []}`)}
	must(t, s.CreateFlow(ctx, f))
	return f
}

func testFlows(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	booking := newFlow(t, s, w, "prise-de-rendez-vous", 10, true)
	if booking.ID == "" || booking.Version != 1 || booking.CreatedAt.IsZero() {
		t.Fatalf("create did not set ID, version and timestamps: %+v", booking)
	}
	got, err := s.GetFlow(ctx, w.ID, booking.ID)
	must(t, err)
	diff(t, "flow", got, booking, timeless(store.Flow{}))
	byKey, err := s.GetFlowByKey(ctx, w.ID, "prise-de-rendez-vous")
	must(t, err)
	diff(t, "flow by key", byKey, booking, timeless(store.Flow{}))
	// The document comes back byte for byte, spacing and key order
	// included.
	if string(got.Document) != string(booking.Document) {
		t.Errorf("document = %s, want %s", got.Document, booking.Document)
	}

	err = s.CreateFlow(ctx, &store.Flow{WorkspaceID: w.ID, Key: "prise-de-rendez-vous", Name: "again", Document: json.RawMessage(`{}`)})
	wantErr(t, err, store.ErrDuplicate)

	lead := newFlow(t, s, w, "qualification", 20, true)
	off := newFlow(t, s, w, "triage", 30, false)
	all, err := s.ListFlows(ctx, w.ID, store.FlowFilter{})
	must(t, err)
	diff(t, "flows by priority", keys(all), []string{"triage", "qualification", "prise-de-rendez-vous"})
	enabled, err := s.ListFlows(ctx, w.ID, store.FlowFilter{EnabledOnly: true})
	must(t, err)
	diff(t, "enabled flows", keys(enabled), []string{"qualification", "prise-de-rendez-vous"})

	off.Enabled, off.Name, off.Document = true, "Triage du support", json.RawMessage(`{"id": "triage", "name": "Triage du support"}`)
	must(t, s.UpdateFlow(ctx, off))
	if off.Version != 2 {
		t.Errorf("version after update = %d, want 2", off.Version)
	}
	got, err = s.GetFlow(ctx, w.ID, off.ID)
	must(t, err)
	diff(t, "updated flow", got, off, timeless(store.Flow{}))

	must(t, s.DeleteFlow(ctx, w.ID, lead.ID))
	_, err = s.GetFlow(ctx, w.ID, lead.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteFlow(ctx, w.ID, lead.ID), store.ErrNotFound)
	lead.ID = "flow_missing"
	wantErr(t, s.UpdateFlow(ctx, lead), store.ErrNotFound)
}

func keys(flows []*store.Flow) []string {
	var out []string
	for _, f := range flows {
		out = append(out, f.Key)
	}
	return out
}

func testFlowRuns(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	f := newFlow(t, s, w, "prise-de-rendez-vous", 0, true)
	conv := NewConversation(t, s, w)
	r := &store.FlowRun{WorkspaceID: w.ID, ConversationID: conv.ID, FlowID: f.ID, NodeID: "service",
		Vars: map[string]any{"service": "Coupe", "budget": 45.0}, Steps: 3, Trail: []string{"accueil", "service"}}
	must(t, s.CreateFlowRun(ctx, r))
	if r.Status != store.FlowRunActive || r.Version != 1 {
		t.Errorf("new run: status %q version %d, want active 1", r.Status, r.Version)
	}
	got, err := s.GetActiveFlowRun(ctx, w.ID, conv.ID)
	must(t, err)
	diff(t, "active run", got, r, timeless(store.FlowRun{}))

	// One active run per conversation.
	second := &store.FlowRun{WorkspaceID: w.ID, ConversationID: conv.ID, FlowID: f.ID, NodeID: "accueil"}
	wantErr(t, s.CreateFlowRun(ctx, second), store.ErrDuplicate)

	got.NodeID, got.Retries, got.Steps = "date", 1, 5
	got.Vars["date"] = "2026-12-05"
	got.Trail = append(got.Trail, "date")
	must(t, s.UpdateFlowRun(ctx, got))
	if got.Version != 2 {
		t.Errorf("version after update = %d, want 2", got.Version)
	}
	// r is stale now.
	wantErr(t, s.UpdateFlowRun(ctx, r), store.ErrConflict)
	again, err := s.GetFlowRun(ctx, w.ID, r.ID)
	must(t, err)
	diff(t, "updated run", again, got, timeless(store.FlowRun{}))

	// A finished run frees the conversation for the next one.
	again.Status = store.FlowRunCompleted
	must(t, s.UpdateFlowRun(ctx, again))
	_, err = s.GetActiveFlowRun(ctx, w.ID, conv.ID)
	wantErr(t, err, store.ErrNotFound)
	must(t, s.CreateFlowRun(ctx, second))
	runs, err := s.ListFlowRuns(ctx, w.ID, store.FlowRunFilter{ConversationID: conv.ID})
	must(t, err)
	if len(runs) != 2 || runs[0].ID != r.ID || runs[1].ID != second.ID {
		t.Errorf("runs of the conversation: %+v", runs)
	}
	done, err := s.ListFlowRuns(ctx, w.ID, store.FlowRunFilter{Status: store.FlowRunCompleted, FlowID: f.ID})
	must(t, err)
	if len(done) != 1 || done[0].ID != r.ID {
		t.Errorf("completed runs: %+v", done)
	}
	missing := *second
	missing.ID = "run_missing"
	wantErr(t, s.UpdateFlowRun(ctx, &missing), store.ErrNotFound)

	// Deleting the flow deletes its runs.
	must(t, s.DeleteFlow(ctx, w.ID, f.ID))
	_, err = s.GetFlowRun(ctx, w.ID, r.ID)
	wantErr(t, err, store.ErrNotFound)
}

// Two processes starting a run in one conversation at once: one wins,
// the other gets ErrDuplicate.
func testFlowRunConcurrentStart(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	f := newFlow(t, s, w, "triage", 0, true)
	conv := NewConversation(t, s, w)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.CreateFlowRun(ctx, &store.FlowRun{WorkspaceID: w.ID, ConversationID: conv.ID, FlowID: f.ID, NodeID: "a"})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrDuplicate):
			t.Errorf("concurrent start: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d runs started, want 1", won)
	}
}

func testResponseRules(t *testing.T, s store.Store) {
	w := NewWorkspace(t, s)
	hours := &store.ResponseRule{WorkspaceID: w.ID, Name: "Horaires", Keywords: []string{"horaires", "ouvert"},
		Reply: "Nous sommes ouverts du mardi au samedi, de 9 h à 19 h.", Enabled: true, Position: 0}
	must(t, s.CreateResponseRule(ctx, hours))
	if hours.Match != "contains" {
		t.Errorf("default match = %q, want contains", hours.Match)
	}
	price := &store.ResponseRule{WorkspaceID: w.ID, Name: "Tarifs", Keywords: []string{`\bprix\b`}, Match: "regex",
		Reply: "Coupe 35 €, Coloration 60 €.", Enabled: false, Position: 1,
		Actions: []store.RuleAction{{Action: "tag_contact", Args: json.RawMessage(`{"tag":"coloration"}`)}}}
	must(t, s.CreateResponseRule(ctx, price))
	wantErr(t, s.CreateResponseRule(ctx, &store.ResponseRule{WorkspaceID: w.ID, Name: "Horaires"}), store.ErrDuplicate)

	rules, err := s.ListResponseRules(ctx, w.ID)
	must(t, err)
	diff(t, "rules", rules, []*store.ResponseRule{hours, price}, timeless(store.ResponseRule{}), sameJSON)

	price.Enabled, price.Position, hours.Position = true, 0, 1
	must(t, s.UpdateResponseRule(ctx, price))
	must(t, s.UpdateResponseRule(ctx, hours))
	rules, err = s.ListResponseRules(ctx, w.ID)
	must(t, err)
	diff(t, "rules after reordering", rules, []*store.ResponseRule{price, hours}, timeless(store.ResponseRule{}), sameJSON)

	must(t, s.DeleteResponseRule(ctx, w.ID, hours.ID))
	wantErr(t, s.DeleteResponseRule(ctx, w.ID, hours.ID), store.ErrNotFound)
	hours.ID = "rule_missing"
	wantErr(t, s.UpdateResponseRule(ctx, hours), store.ErrNotFound)
}

// Flows, runs and rules of workspace A are invisible and untouchable
// through workspace B, and go with their workspace.
func testFlowIsolation(t *testing.T, s store.Store) {
	a, b := NewWorkspace(t, s), NewWorkspace(t, s)
	f := newFlow(t, s, a, "relance", 0, true)
	conv := NewConversation(t, s, a)
	run := &store.FlowRun{WorkspaceID: a.ID, ConversationID: conv.ID, FlowID: f.ID, NodeID: "x"}
	must(t, s.CreateFlowRun(ctx, run))
	rule := &store.ResponseRule{WorkspaceID: a.ID, Name: "Horaires", Keywords: []string{"horaires"}, Reply: "9 h – 19 h", Enabled: true}
	must(t, s.CreateResponseRule(ctx, rule))
	B := b.ID

	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s through workspace B: got %v, want ErrNotFound", what, err)
		}
	}
	_, err := s.GetFlow(ctx, B, f.ID)
	notFound("GetFlow", err)
	_, err = s.GetFlowByKey(ctx, B, "relance")
	notFound("GetFlowByKey", err)
	_, err = s.GetActiveFlowRun(ctx, B, conv.ID)
	notFound("GetActiveFlowRun", err)
	_, err = s.GetFlowRun(ctx, B, run.ID)
	notFound("GetFlowRun", err)
	other := *f
	other.WorkspaceID, other.Name = B, "hijacked"
	notFound("UpdateFlow", s.UpdateFlow(ctx, &other))
	notFound("DeleteFlow", s.DeleteFlow(ctx, B, f.ID))
	otherRun := *run
	otherRun.WorkspaceID, otherRun.Status = B, store.FlowRunFailed
	notFound("UpdateFlowRun", s.UpdateFlowRun(ctx, &otherRun))
	otherRule := *rule
	otherRule.WorkspaceID, otherRule.Reply = B, "hijacked"
	notFound("UpdateResponseRule", s.UpdateResponseRule(ctx, &otherRule))
	notFound("DeleteResponseRule", s.DeleteResponseRule(ctx, B, rule.ID))

	flows, err := s.ListFlows(ctx, B, store.FlowFilter{})
	must(t, err)
	runs, err := s.ListFlowRuns(ctx, B, store.FlowRunFilter{})
	must(t, err)
	rules, err := s.ListResponseRules(ctx, B)
	must(t, err)
	if len(flows)+len(runs)+len(rules) != 0 {
		t.Errorf("workspace B sees %d flows, %d runs, %d rules of workspace A", len(flows), len(runs), len(rules))
	}
	got, err := s.GetFlow(ctx, a.ID, f.ID)
	must(t, err)
	if got.Name != f.Name || got.Version != 1 {
		t.Errorf("workspace A's flow changed through B: %+v", got)
	}

	must(t, s.DeleteWorkspace(ctx, a.ID))
	flows, _ = s.ListFlows(ctx, a.ID, store.FlowFilter{})
	runs, _ = s.ListFlowRuns(ctx, a.ID, store.FlowRunFilter{})
	rules, _ = s.ListResponseRules(ctx, a.ID)
	if len(flows)+len(runs)+len(rules) != 0 {
		t.Errorf("%d flows, %d runs, %d rules survived their workspace", len(flows), len(runs), len(rules))
	}
}
