package dsl_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/source"
)

// seedFiles are the fuzzer's starting corpus: the example flows, the
// broken one and seed 004's blocks. Run it with a short
// -fuzzminimizetime (make test uses 1s): nearly every mutation of these
// finds new coverage in the parsers, and minimizing each for the default
// 60 s leaves no time to fuzz.
func seedFiles(f *testing.F) [][]byte {
	var out [][]byte
	for _, pattern := range []string{"../examples/*/flows/*", "testdata/*.json", "testdata/seed004/*.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// checkAll parses, validates and, when valid, compiles, draws, lists the
// paths of and walks a flow: none of it may panic, and what Validate
// accepts Compile must accept.
func checkAll(t *testing.T, name string, data []byte) {
	f, err := dsl.Parse(name, data)
	var ps source.Problems
	if err != nil && !errors.As(err, &ps) {
		t.Fatalf("Parse returned %T, not Problems: %v", err, err)
	}
	if f == nil {
		if len(ps) != 1 {
			t.Fatalf("Parse returned no flow and %d problems", len(ps))
		}
		return
	}
	if len(dsl.Validate(f, dsl.Options{Production: true})) > 0 || len(ps) > 0 {
		return
	}
	p, err := dsl.Compile(f, dsl.Options{Production: true})
	if err != nil {
		t.Fatalf("Validate accepted a flow Compile rejects: %v", err)
	}
	_ = p.Mermaid("fr")
	_ = p.Paths(2)
	env := &dsl.Simulation{Lang: "fr"}
	st := p.NewState("fuzz")
	if err := p.Start(ctx, env, st); err != nil {
		t.Fatal(err)
	}
	for _, answer := range []string{"1", "oui", "2026-12-05", "camille@example.fr", "x"} {
		if !st.Waiting() {
			break
		}
		if err := p.Resume(ctx, env, st, answer); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the parser, as JSON and as YAML.
func FuzzParse(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"id": "t", "nodes": [{"id": 1, "type": null, "data": {"parameters": []}}], "edges": {}}`))
	f.Add([]byte("id: t\nnodes:\n  - &a {id: x}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAll(t, "fuzz.json", data)
		checkAll(t, "fuzz.yaml", data)
	})
}

// FuzzValidate mutates one node and one edge of a valid flow — its type,
// a parameter, a handle, a target — and checks the validator and the
// interpreter agree on the result.
func FuzzValidate(f *testing.F) {
	f.Add("question", "validation", "email", "", "end")
	f.Add("choice", "options", "Coupe", "Coupe", "end")
	f.Add("condition", "expression", "contact.budget > 100", "true", "end")
	f.Add("condition", "cases", "vip", "vip", "start")
	f.Add("action", "action_type", "http_request", "error", "end")
	f.Add("action", "timeout_seconds", "90", "", "ask")
	f.Add("ai_reply", "temperature", "1.5", "", "end")
	f.Add("set_variable", "expression", "len(contact.tags) + 1", "", "nowhere")
	f.Add("handoff", "team", "Sales", "error", "ask")
	f.Fuzz(func(t *testing.T, kind, param, value, handle, target string) {
		params := map[string]any{"text": "Question ?", "variable": "answer", param: value}
		switch param {
		case "options":
			params[param] = []any{value, "Autre"}
		case "cases":
			params[param] = []any{map[string]any{"label": value, "expression": "answer == '" + value + "'"}}
		case "max_retries", "temperature":
			params[param] = len(value)
		}
		fl := &dsl.Flow{ID: "fuzz", Name: "Fuzz", Nodes: []dsl.Node{
			{ID: "start", Type: "message", Data: dsl.NodeData{Parameters: map[string]any{"text": "Bonjour {{contact.name}}"}}},
			{ID: "ask", Type: kind, Data: dsl.NodeData{Parameters: params}},
			{ID: "end", Type: "end"},
		}, Edges: []dsl.Edge{
			{ID: "1", Source: "start", Target: "ask"},
			{ID: "2", Source: "ask", SourceHandle: handle, Target: target},
			{ID: "3", Source: "ask", SourceHandle: "Autre", Target: "end"},
		}}
		if len(dsl.Validate(fl, dsl.Options{})) > 0 {
			return
		}
		checkAll(t, "fuzz.json", fl.JSON())
	})
}
