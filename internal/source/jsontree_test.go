package source

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

type flat []string

func (f *flat) Visit(n ast.Node) ast.Visitor {
	tk := n.GetToken()
	*f = append(*f, fmt.Sprintf("%T %q %d:%d", n, tk.Value, tk.Position.Line, tk.Position.Column))
	return f
}

// The JSON fast path builds the tree goccy/go-yaml's parser builds, node
// for node, value and line:column included, on every JSON file of the
// repository and on unicode and escapes.
func TestJSONTreeIsGoccysTree(t *testing.T) {
	paths, _ := filepath.Glob("../../examples/*/flows/*.json")
	more, _ := filepath.Glob("../../dsl/testdata/*.json")
	docs := map[string][]byte{"unicode": []byte("{\n  \"nœud\": \"Équipe de Planification\", \"é\": [1, -2, 3.5, true, false, null],\n\t\"e\": \"caf\\u00e9 \\\"x\\\"\", \"n\": {}\n}")}
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[p] = b
	}
	for name, data := range docs {
		want := flat{}
		f, err := parser.ParseBytes(data, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ast.Walk(&want, f.Docs[0].Body)
		root, deep, err := jsonTree(data)
		if err != nil || deep != nil {
			t.Fatalf("%s: %v %v", name, err, deep)
		}
		got := flat{}
		ast.Walk(&got, root)
		if len(got) != len(want) {
			t.Fatalf("%s: %d nodes, goccy has %d", name, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: node %d = %s, goccy: %s", name, i, got[i], want[i])
				break
			}
		}
	}
}
