package evals_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/evals"
)

// FuzzSuite feeds arbitrary bytes to the suite parser: it must not panic,
// and what it accepts has a name and its cases.
func FuzzSuite(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*/evals/*.yaml")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("a: &a [1, *a]\n"))
	f.Add([]byte(strings.Repeat("- ", 5000) + "x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := evals.Parse("suite.yaml", data)
		if err == nil && (s.Name == "" || s.Workspace == "") {
			t.Fatalf("accepted a suite without a name or workspace: %+v", s)
		}
	})
}
