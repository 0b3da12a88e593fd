package evals

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Failure is an expectation that did not hold.
type Failure struct {
	Assertion string `json:"assertion"`
	Expected  string `json:"expected"`
	Actual    string `json:"actual"`
}

func (f Failure) String() string {
	return fmt.Sprintf("%s\n      expected: %s\n      actual:   %s", f.Assertion, f.Expected, f.Actual)
}

// observed is what a trial did and left.
type observed struct {
	turns   []*conversation.Outcome
	actions []tools.ActionTaken
	conv    *store.Conversation
	contact *store.Contact
	tasks   []*store.Task
	events  []*store.Event
}

// norm turns a value into its JSON form (numbers as float64, maps of any)
// so that YAML-written expectations compare with stored values.
func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// subset reports whether want is contained in got: maps key by key,
// lists element by element, other values equal.
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if gv, ok := g[k]; !ok || !subset(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subset(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, got)
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func describeActions(as []tools.ActionTaken) string {
	if len(as) == 0 {
		return "no action"
	}
	var parts []string
	for _, a := range as {
		ok := "ok"
		if !a.Result.OK {
			ok = "failed"
		}
		parts = append(parts, fmt.Sprintf("%s%s (%s)", a.Name, string(a.Args), ok))
	}
	return strings.Join(parts, ", ")
}

// check evaluates every expectation and returns those that failed.
func (e *Expect) check(n *names, o *observed) []Failure {
	var fs []Failure
	fail := func(assertion, expected, actual string) {
		fs = append(fs, Failure{Assertion: assertion, Expected: expected, Actual: actual})
	}
	taken := describeActions(o.actions)

	for _, m := range e.Actions.Called {
		found := false
		for _, a := range o.actions {
			var args any
			_ = json.Unmarshal(a.Args, &args)
			if a.Name == m.Tool && (m.Args == nil || subset(norm(m.Args), args)) && (m.OK == nil || *m.OK == a.Result.OK) {
				found = true
				break
			}
		}
		if !found {
			want := m.Tool
			if m.Args != nil {
				want += show(m.Args)
			}
			if m.OK != nil {
				want += fmt.Sprintf(" (ok: %v)", *m.OK)
			}
			fail("actions.called", want, taken)
		}
	}
	for _, name := range e.Actions.NotCalled {
		for _, a := range o.actions {
			if a.Name == name {
				fail("actions.not_called", "no "+name, taken)
				break
			}
		}
	}
	if len(e.Actions.Order) > 0 {
		i := 0
		for _, a := range o.actions {
			if i < len(e.Actions.Order) && a.Name == e.Actions.Order[i] {
				i++
			}
		}
		if i < len(e.Actions.Order) {
			fail("actions.order", strings.Join(e.Actions.Order, " → "), taken)
		}
	}
	for name, want := range e.Actions.Count {
		got := 0
		for _, a := range o.actions {
			if a.Name == name {
				got++
			}
		}
		if got != want {
			fail("actions.count."+name, fmt.Sprint(want), fmt.Sprintf("%d (%s)", got, taken))
		}
	}

	if c := e.State.Contact; c != nil {
		ct := o.contact
		for _, f := range []struct{ name, want, got string }{
			{"name", c.Name, ct.Name}, {"email", c.Email, ct.Email}, {"phone", c.Phone, ct.Phone},
			{"stage", c.Stage, n.stageName(ct.LifecycleStageID)},
		} {
			if f.want != "" && f.want != f.got {
				fail("state.contact."+f.name, f.want, orEmpty(f.got))
			}
		}
		for key, want := range c.Fields {
			w := norm(want)
			if fd := n.field(key); fd != nil && want != nil {
				if nv, err := tools.NormalizeValue(fd, want, n.ws.Settings.DefaultCountry); err == nil {
					w, key = norm(nv), fd.Key
				}
			}
			got, ok := ct.Fields[key]
			if !ok && want != nil {
				fail("state.contact.fields."+key, show(w), "(not set)")
			} else if !subset(w, norm(got)) {
				fail("state.contact.fields."+key, show(w), show(got))
			}
		}
		if c.Tags != nil {
			want, got := slices.Sorted(slices.Values(c.Tags)), slices.Sorted(slices.Values(ct.Tags))
			if !slices.Equal(want, got) {
				fail("state.contact.tags", show(want), show(got))
			}
		}
	}
	if c := e.State.Conversation; c != nil {
		if c.Status != "" && c.Status != string(o.conv.Status) {
			fail("state.conversation.status", c.Status, string(o.conv.Status))
		}
		if c.Assignee != nil {
			want, err := n.assignee(c.Assignee)
			if err != nil {
				fail("state.conversation.assignee", c.Assignee.String(), "cannot compare: "+err.Error())
			} else if want != o.conv.Assignee {
				fail("state.conversation.assignee", c.Assignee.String(), n.describe(o.conv.Assignee).String())
			}
		}
		if c.ClosingNote != "" && c.ClosingNote != n.noteName(o.conv.ClosingNoteID) {
			fail("state.conversation.closing_note", c.ClosingNote, orEmpty(n.noteName(o.conv.ClosingNoteID)))
		}
	}
	if e.State.Tasks != nil {
		fs = append(fs, checkTasks(n, e.State.Tasks, o.tasks)...)
	}

	for _, r := range e.Replies {
		fs = append(fs, r.check(n, o)...)
	}
	fs = append(fs, e.Flows.check(o.events)...)
	return fs
}

func orEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

func describeTask(n *names, t *store.Task) string {
	return fmt.Sprintf("%q for %s, %s", t.Title, n.describe(t.Assignee), t.Priority)
}

// checkTasks compares the tasks as a set: each expected task matches a
// different actual one, and there are no others.
func checkTasks(n *names, want []TaskState, got []*store.Task) []Failure {
	var all []string
	for _, t := range got {
		all = append(all, describeTask(n, t))
	}
	actual := "[" + strings.Join(all, "; ") + "]"
	used := make([]bool, len(got))
	var fs []Failure
	for _, w := range want {
		matched := false
		for i, t := range got {
			if used[i] || (w.Title != "" && !strings.Contains(t.Title, w.Title)) || (w.Priorite != "" && w.Priorite != string(t.Priority)) {
				continue
			}
			if w.Assignation != nil {
				a, err := n.assignee(w.Assignation)
				if err != nil || a != t.Assignee {
					continue
				}
			}
			used[i], matched = true, true
			break
		}
		if !matched {
			fs = append(fs, Failure{"state.tasks", fmt.Sprintf("a task %q for %v, priorite %s", w.Title, w.Assignation, orEmpty(w.Priorite)), actual})
		}
	}
	if len(got) != len(want) {
		fs = append(fs, Failure{"state.tasks", fmt.Sprintf("%d tasks", len(want)), fmt.Sprintf("%d: %s", len(got), actual)})
	}
	return fs
}

// replies returns the AI agent's reply texts of turn (1-based; 0: all).
func (o *observed) replies(turn int) ([]string, []map[string]any) {
	var texts []string
	var metas []map[string]any
	for i, out := range o.turns {
		if turn != 0 && i != turn-1 {
			continue
		}
		for _, m := range out.Replies {
			texts = append(texts, m.Text)
			metas = append(metas, m.Metadata)
		}
	}
	return texts, metas
}

func (r *ReplyExpect) check(n *names, o *observed) []Failure {
	texts, metas := o.replies(r.Turn)
	where := "replies"
	if r.Turn > 0 {
		where = fmt.Sprintf("replies (turn %d)", r.Turn)
	}
	all := strings.Join(texts, "\n")
	shown := fmt.Sprintf("%q", all)
	if len(texts) == 0 {
		shown = "no reply"
	}
	var fs []Failure
	fail := func(what, expected string) { fs = append(fs, Failure{where + "." + what, expected, shown}) }
	if r.None && len(texts) > 0 {
		fail("none", "no reply")
	}
	if r.Contains != "" && !strings.Contains(all, r.Contains) {
		fail("contains", fmt.Sprintf("a reply containing %q", r.Contains))
	}
	if r.NotContains != "" && strings.Contains(all, r.NotContains) {
		fail("not_contains", fmt.Sprintf("no reply containing %q", r.NotContains))
	}
	if r.re != nil && !r.re.MatchString(all) {
		fail("regex", "a reply matching /"+r.Regex+"/")
	}
	if r.Language != "" {
		want := languageCode(r.Language)
		for _, t := range texts {
			if got := detectLanguage(t); got != want {
				fs = append(fs, Failure{where + ".language", want, fmt.Sprintf("%s for %q", got, t)})
			}
		}
	}
	if r.Cites != "" {
		cited := false
		var cites []string
		for _, m := range metas {
			list, _ := norm(m["citations"]).([]any)
			for _, c := range list {
				c, _ := c.(map[string]any)
				title, _ := c["title"].(string)
				src := n.docNames[fmt.Sprint(c["document_id"])]
				cites = append(cites, title+" ("+src+")")
				if title == r.Cites || strings.HasSuffix(src, r.Cites) {
					cited = true
				}
			}
		}
		if !cited {
			fs = append(fs, Failure{where + ".cites", r.Cites, "citations: " + show(cites)})
		}
	}
	return fs
}

// check reads flow events: flow.started, flow.completed, flow.node_visited
// (payload: flow, node).
func (f *FlowsExpect) check(events []*store.Event) []Failure {
	if len(f.Started)+len(f.Completed)+len(f.Visited) == 0 {
		return nil
	}
	started, completed, visited := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, e := range events {
		var p struct {
			Flow, FlowName, Node string
		}
		_ = json.Unmarshal(e.Payload, &p)
		switch e.Type {
		case "flow.started":
			started[p.Flow], started[p.FlowName] = true, true
		case "flow.completed":
			completed[p.Flow], completed[p.FlowName] = true, true
		case "flow.node_visited":
			visited[p.Node], visited[p.Flow+"/"+p.Node] = true, true
		}
	}
	var fs []Failure
	for _, want := range []struct {
		what string
		list []string
		got  map[string]bool
	}{{"started", f.Started, started}, {"completed", f.Completed, completed}, {"visited", f.Visited, visited}} {
		for _, w := range want.list {
			if !want.got[w] {
				fs = append(fs, Failure{"flows." + want.what, w, show(slices.Sorted(mapKeys(want.got)))})
			}
		}
	}
	return fs
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if k != "" && k != "/" && !yield(k) {
				return
			}
		}
	}
}
