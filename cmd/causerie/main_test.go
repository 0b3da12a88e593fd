package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

// run runs the CLI in-process with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("causerie %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// storeFlags returns the flags that select a fresh store of each dialect.
func storeFlags(t *testing.T) map[string][]string {
	return map[string][]string{
		"sqlite":   {"--data-dir", t.TempDir()},
		"postgres": {"--database-url", storetest.PostgresURL(t)},
	}
}

func TestApplyExportRoundTrip(t *testing.T) {
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out := mustRun(t, append(flags, "apply", "-f", "../../examples/salon/workspace.yaml")...)
			if !strings.Contains(out, `workspace "salon" applied: 28 changes (`+name+` store)`) {
				t.Errorf("apply output:\n%s", out)
			}
			first := filepath.Join(dir, "first.yaml")
			mustRun(t, append(flags, "export", "-o", first)...)
			out = mustRun(t, append(flags, "apply", "-f", first)...)
			if !strings.Contains(out, `workspace "salon" is up to date`) {
				t.Errorf("re-applying the export changed something:\n%s", out)
			}
			second := mustRun(t, append(flags, "export", "--workspace", "salon")...)
			data, _ := os.ReadFile(first)
			if string(data) != second {
				t.Errorf("export is not stable:\n%s\n---\n%s", data, second)
			}
			if !strings.Contains(second, "name: Équipe de Planification") {
				t.Errorf("export lacks the team:\n%s", second)
			}
		})
	}
}

func TestApplyMalformedFileChangesNothing(t *testing.T) {
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			mustRun(t, append(flags, "apply", "-f", "../../examples/salon/workspace.yaml")...)
			before := mustRun(t, append(flags, "export")...)
			bad := filepath.Join(t.TempDir(), "bad.yaml")
			os.WriteFile(bad, []byte(strings.Replace(before, "  - name: Équipe des Ventes\n    members:\n",
				"  - name: Équipe des Ventes\n    membres: []\n    members:\n      - paul@salon-elegance.fr\n", 1)), 0o644)
			_, err := run(t, append(flags, "apply", "-f", bad)...)
			var ps workspace.Problems
			if !errors.As(err, &ps) || len(ps) != 2 {
				t.Fatalf("apply of a bad file = %v, want 2 problems", err)
			}
			for _, p := range ps {
				if p.File != bad || p.Line == 0 {
					t.Errorf("problem without file:line: %v", p)
				}
			}
			if after := mustRun(t, append(flags, "export")...); after != before {
				t.Errorf("a rejected file changed the store")
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	if out := mustRun(t, "--data-dir", dir, "migrate"); !strings.Contains(out, "applied 00001_workspace_model.sql") {
		t.Errorf("first migrate:\n%s", out)
	}
	if out := mustRun(t, "--data-dir", dir, "migrate"); !strings.Contains(out, "is up to date") {
		t.Errorf("second migrate:\n%s", out)
	}
}

func TestExportNeedsAWorkspace(t *testing.T) {
	dir := t.TempDir()
	_, err := run(t, "--data-dir", dir, "export")
	if err == nil || !strings.Contains(err.Error(), "no workspace yet") {
		t.Errorf("export of an empty store = %v", err)
	}
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/support/workspace.yaml")
	_, err = run(t, "--data-dir", dir, "export")
	if err == nil || !strings.Contains(err.Error(), "choose one with --workspace (salon, support)") {
		t.Errorf("export with two workspaces = %v", err)
	}
	if out := mustRun(t, "--data-dir", dir, "export", "-w", "support"); !strings.Contains(out, "slug: support") {
		t.Errorf("export -w support:\n%s", out)
	}
}
