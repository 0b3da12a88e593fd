package dsl_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/dsl"
)

// largeFlow is a flow of n nodes as an editor exports it: messages,
// questions, HTTP calls and conditions in a chain, with positions and
// labels, then an end node.
func largeFlow(n int) *dsl.Flow {
	f := &dsl.Flow{ID: "large", Name: "Large", Triggers: []dsl.Trigger{{Keywords: []string{"grand", "large"}}}}
	for i := range n - 1 {
		id := fmt.Sprintf("n%d", i)
		node := dsl.Node{ID: id, Position: dsl.Position{X: float64(i * 200), Y: float64(i % 7 * 90)},
			Data: dsl.NodeData{Label: "Étape " + id}}
		switch i % 4 {
		case 0:
			node.Type, node.Data.Parameters = "message", map[string]any{"text": "Bonjour {{contact.name}}, étape " + id + "."}
		case 1:
			node.Type, node.Data.Parameters = "question", map[string]any{"text": "Quel jour vous convient ?", "variable": "v" + id,
				"validation": "date", "max_retries": 2.0}
		case 2:
			node.Type, node.Data.Parameters = "action", map[string]any{"action_type": "http_request", "http_method": "POST",
				"url": "https://exemple.com/hook", "timeout_seconds": 10.0, "headers_json": `{"X-Source": "causerie"}`}
		case 3:
			node.Type, node.Data.Parameters = "condition", map[string]any{"expression": "contact.budget > 100"}
		}
		f.Nodes = append(f.Nodes, node)
	}
	f.Nodes = append(f.Nodes, dsl.Node{ID: "end", Type: "end", Data: dsl.NodeData{Label: "Fin"}})
	for i := range n - 1 {
		target := f.Nodes[i+1].ID
		f.Edges = append(f.Edges, dsl.Edge{ID: fmt.Sprintf("e%d", i), Source: f.Nodes[i].ID, Target: target})
		if i%4 == 3 {
			f.Edges[len(f.Edges)-1].SourceHandle = "true"
			f.Edges = append(f.Edges, dsl.Edge{ID: fmt.Sprintf("f%d", i), Source: f.Nodes[i].ID, SourceHandle: "false", Target: "end"})
		}
	}
	return f
}

// BenchmarkParseLargeFlow measures Parse on a flow of 500 nodes, as JSON
// (what the store keeps and editors export) and as YAML.
func BenchmarkParseLargeFlow(b *testing.B) {
	f := largeFlow(500)
	doc := f.JSON()
	var tree any
	if err := yaml.Unmarshal(doc, &tree); err != nil {
		b.Fatal(err)
	}
	yamlDoc, err := yaml.Marshal(tree)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"large.json", doc}, {"large.yaml", yamlDoc}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			for b.Loop() {
				g, err := dsl.Parse(tc.name, tc.data)
				if err != nil || len(g.Nodes) != 500 {
					b.Fatalf("Parse = %v", err)
				}
			}
		})
	}
}

// The same flow written as JSON and as YAML parses to the same Flow.
func TestParseJSONAndYAMLAgree(t *testing.T) {
	doc := largeFlow(40).JSON()
	var tree any
	if err := yaml.Unmarshal(doc, &tree); err != nil {
		t.Fatal(err)
	}
	yamlDoc, err := yaml.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := dsl.Check("large.json", doc, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := dsl.Check("large.yaml", yamlDoc, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := string(fromJSON.JSON()), string(fromYAML.JSON()); a != b || a != string(doc) {
		t.Errorf("JSON and YAML parse differently:\n%s\n---\n%s", a, b)
	}
}

// BenchmarkCheckLargeFlow is issue 20's target: dsl.Check (parse and
// validate) of a minified 10,000-node JSON flow in under a second.
func BenchmarkCheckLargeFlow(b *testing.B) {
	var min bytes.Buffer
	if err := json.Compact(&min, largeFlow(10000).JSON()); err != nil {
		b.Fatal(err)
	}
	doc := min.Bytes()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dsl.Check("large.json", doc, dsl.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
