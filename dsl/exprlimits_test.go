package dsl_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// conditionFlow is a flow whose trigger word leads to a condition on
// expression, with a true, a false and (when withError) an error edge.
func conditionFlow(t *testing.T, expression string, withError bool) string {
	t.Helper()
	edges := `{"id": "e1", "source": "go", "target": "c"},
 {"id": "e2", "source": "c", "sourceHandle": "true", "target": "yes"},
 {"id": "e3", "source": "c", "sourceHandle": "false", "target": "no"}`
	oops := ""
	if withError {
		edges += `, {"id": "e4", "source": "c", "sourceHandle": "error", "target": "oops"}`
		oops = `,
 {"id": "oops", "type": "end", "data": {"parameters": {"text": "erreur : {{error.message}}"}}}`
	}
	src := `{"id": "cond", "name": "Condition", "triggers": [{"keywords": ["tester"]}],
"nodes": [
 {"id": "go", "type": "message", "data": {"parameters": {"text": "On teste."}}},
 {"id": "c", "type": "condition", "data": {"parameters": {"expression": ` + quote(expression) + `}}},
 {"id": "yes", "type": "end", "data": {"parameters": {"text": "oui"}}},
 {"id": "no", "type": "end", "data": {"parameters": {"text": "non"}}}` + oops + `],
"edges": [` + edges + `]}`
	path := filepath.Join(t.TempDir(), "cond.json")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// The expression that took the whole process down (fatal error: out of
// memory — expr's budget does not count string concatenation) passes
// validation, but its evaluation stops at the string limit: the run takes
// its error edge (or fails with the fallback), the failure is an event,
// and the process lives on with bounded memory.
func TestExpressionStringBombIsBounded(t *testing.T) {
	bomb := `len(reduce(1..900, {#acc + #acc}, "ab")) > 0`
	for _, withError := range []bool{true, false} {
		h := newHarness(t, storetest.OpenSQLite(t), setup{workspace: salon, flows: []string{conditionFlow(t, bomb, withError)}})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		replies := h.say("je veux tester")
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
			t.Errorf("evaluating the bomb allocated %d MiB", grown>>20)
		}
		last := replies[len(replies)-1]
		switch {
		case withError && !strings.Contains(last, "erreur : the expression") && !strings.Contains(last, "at most 65536"):
			t.Errorf("with an error edge, replies %q", replies)
		case !withError && h.run().Status != store.FlowRunFailed:
			t.Errorf("without an error edge the run should fail with the fallback; replies %q, run %+v", replies, h.run())
		}
		if !slices.Contains(h.events(), "flow.expression_failed") {
			t.Errorf("no flow.expression_failed event: %v", h.events())
		}
	}
}

// A variable not set yet makes an expression fail: without an error edge
// that is the false branch, as before, but no longer silently.
func TestExpressionOnUnsetVariableIsRecorded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, storetest.OpenSQLite(t), setup{workspace: salon, flows: []string{conditionFlow(t, "contact.budget > 100", false)}})
	if replies := h.say("je veux tester"); replies[len(replies)-1] != "non" {
		t.Errorf("replies %q, want the false branch", replies)
	}
	if !slices.Contains(h.events(), "flow.expression_failed") {
		t.Errorf("no flow.expression_failed event: %v", h.events())
	}
}

// What is provably too big is refused at validation, with the limit.
func TestExpressionLimitsAtValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, want string }{
		{`len(1..5000000) > 0`, "a range of 5000000 values is too large; at most 100000"},
		{strings.Repeat("1 + ", 1200) + "1 > 0", "expression exceeds maximum allowed nodes"},
	} {
		_, err := dsl.Check("cond.json", []byte(`{"id": "c", "name": "C", "nodes": [
 {"id": "c", "type": "condition", "data": {"parameters": {"expression": `+quote(tc.expr)+`}}},
 {"id": "y", "type": "end"}, {"id": "n", "type": "end"}],
 "edges": [{"id": "1", "source": "c", "sourceHandle": "true", "target": "y"}, {"id": "2", "source": "c", "sourceHandle": "false", "target": "n"}]}`), dsl.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40s…: %v, want %q", tc.expr, err, tc.want)
		}
	}
}

// Each string-growing operation stops at the limit; within it they work
// as expr's own.
func TestBoundedStringOperations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{`repeat("ab", 3) == "ababab"`, true},
		{`len(repeat("ab", 100000)) > 0`, false},
		{`replace("a-b", "-", "+") == "a+b"`, true},
		{`len(replace(repeat("a", 60000), "a", "aa")) > 0`, false},
		{`join(["a", "b"], ", ") == "a, b"`, true},
		{`len(join(map(1..50000, {"ab"}), "--")) > 0`, false},
		{`1 + 2 == 3 && "a" + "b" == "ab"`, true},
	} {
		h := newHarness(t, storetest.OpenSQLite(t), setup{workspace: salon, flows: []string{conditionFlow(t, tc.expr, true)}})
		replies := h.say("je veux tester")
		last := replies[len(replies)-1]
		if tc.ok && last != "oui" || !tc.ok && !strings.HasPrefix(last, "erreur") {
			t.Errorf("%s: replies %q", tc.expr, replies)
		}
	}
}
