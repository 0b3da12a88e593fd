package workspace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/workspace"
)

// FuzzWorkspace feeds arbitrary bytes to the workspace parser: it must
// not panic, and what it accepts has a slug.
func FuzzWorkspace(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*/workspace.yaml")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Issue 20's attacks: an alias bomb and deep nesting.
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nworkspace: {slug: s, name: S}\n"))
	f.Add([]byte("workspace:\n  slug: s\n  name: S\nusers: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := workspace.Parse("ws.yaml", data)
		if err == nil && ws.Workspace.Slug == "" {
			t.Fatalf("accepted a file without a slug")
		}
	})
}
