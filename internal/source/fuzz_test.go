package source_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/causerie/causerie/internal/source"
)

// fuzzDoc has a field of every kind the decoder reads.
type fuzzDoc struct {
	Name   string              `yaml:"name"`
	N      int                 `yaml:"n"`
	Small  int8                `yaml:"small"`
	F      float64             `yaml:"f"`
	B      *bool               `yaml:"b"`
	List   []fuzzDoc           `yaml:"list"`
	Labels []label             `yaml:"labels"`
	Map    map[string][]string `yaml:"map"`
	Args   map[string]any      `yaml:"args"`
	Any    any                 `yaml:"any"`
	Next   *fuzzDoc            `yaml:"next"`
	Items  []item              `yaml:"items"`
}

// FuzzDecode feeds arbitrary bytes to Decode, as JSON and as YAML: it
// must not panic, a problem that stops it comes alone, and every offset
// of every text decoded has a position (TextPosition) within the file,
// never before the previous offset's.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"../../examples/*/*.yaml", "../../examples/*/flows/*", "../../examples/*/evals/*.yaml", "../../dsl/testdata/*.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name": 1, "n": 1e3, "small": 300, "list": [{"next": {"any": [1, {"a": null}]}}], "args": {"x": 1E400}}`))
	f.Add([]byte("name: &a x\nlist:\n  - *a\n  - <<: {n: 1}\nany: !!str 10\nlabels: [a, {name: b}]\nmap: {k: [v]}\n"))
	f.Add([]byte("name: |2\r\n    é\r\n  @x\r\nlist:\n  - name: >-\n      a\n\n      b\n  - name: 'l''é'\nargs: {m: \"\\u00e9\\\"\\\n  x\"}\n"))
	f.Add([]byte(`{"name": "\ud83d\ude00 \ud83d \u00e9\"\\\/", "args": {"m": ["\n\t@x"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"fuzz.json", "fuzz.yaml"} {
			for _, atKeys := range []bool{false, true} {
				var v fuzzDoc
				d, err := source.Decode(name, data, &v, source.Options{AtKeys: atKeys})
				if err != nil {
					var ps source.Problems
					if !errors.As(err, &ps) || len(ps) != 1 {
						t.Fatalf("Decode(%s) returned %v, not one problem", name, err)
					}
					continue
				}
				d.At("list[0].name", "checked")
				d.Missing("next.next.n", "checked")
				var ps source.Problems
				if err := d.Err(); !errors.As(err, &ps) || len(ps) == 0 {
					t.Fatalf("Err() = %v after At", err)
				}
				for _, p := range ps {
					if p.File != name || p.Line < 0 || p.Column < 0 || p.Message == "" {
						t.Fatalf("bad problem %#v", p)
					}
				}
				_ = ps.Error()
				// Every text decoded has a position for each of its
				// bytes, within the file.
				for _, path := range source.TextPaths(d) {
					checkPositions(t, d, path, string(data), name == "fuzz.json")
				}
			}
		}
	})
}
