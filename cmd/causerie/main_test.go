package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store/storetest"
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
	t.Parallel()
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := mustRun(t, append(flags, "apply", "-f", "../../examples/salon/workspace.yaml")...)
			if !strings.Contains(out, `workspace "salon" applied: 31 changes (`+name+` store)`) {
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
	t.Parallel()
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mustRun(t, append(flags, "apply", "-f", "../../examples/salon/workspace.yaml")...)
			before := mustRun(t, append(flags, "export")...)
			bad := filepath.Join(t.TempDir(), "bad.yaml")
			os.WriteFile(bad, []byte(strings.Replace(before, "  - name: Équipe des Ventes\n    members:\n",
				"  - name: Équipe des Ventes\n    membres: []\n    members:\n      - paul@salon-elegance.fr\n", 1)), 0o644)
			_, err := run(t, append(flags, "apply", "-f", bad)...)
			var ps source.Problems
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
	t.Parallel()
	dir := t.TempDir()
	if out := mustRun(t, "--data-dir", dir, "migrate"); !strings.Contains(out, "applied 00001_workspace_model.sql") {
		t.Errorf("first migrate:\n%s", out)
	}
	if out := mustRun(t, "--data-dir", dir, "migrate"); !strings.Contains(out, "is up to date") {
		t.Errorf("second migrate:\n%s", out)
	}
}

func TestExportNeedsAWorkspace(t *testing.T) {
	t.Parallel()
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

func TestKnowledgeBaseCommands(t *testing.T) {
	t.Parallel()
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mustRun(t, append(flags, "apply", "-f", "../../examples/salon/workspace.yaml")...)
			dir := t.TempDir()
			for _, f := range []string{"tarifs.md", "horaires.md"} {
				data, _ := os.ReadFile(filepath.Join("../../examples/salon/knowledge", f))
				os.WriteFile(filepath.Join(dir, f), data, 0o644)
			}
			os.WriteFile(filepath.Join(dir, "vide.txt"), []byte(" "), 0o644)
			out, err := run(t, append(flags, "kb", "ingest", dir, "--kb", "Salon")...)
			if err == nil || !strings.Contains(out, `knowledge base "Salon" (hashed-lexical-768): 2 added, 0 updated, 0 unchanged, 0 deleted, 1 failed`) ||
				!strings.Contains(out, "vide.txt: the file is empty") {
				t.Fatalf("ingest with a bad file: %v\n%s", err, out)
			}
			os.Remove(filepath.Join(dir, "vide.txt"))
			out = mustRun(t, append(flags, "kb", "ingest", dir)...)
			if !strings.Contains(out, "0 added, 0 updated, 2 unchanged") {
				t.Errorf("re-ingest:\n%s", out)
			}
			out = mustRun(t, append(flags, "kb", "search", "Combien coûte une coloration ?", "-k", "2")...)
			if !strings.Contains(out, "1. score 1.000  vector+lexical (vector #1") || !strings.Contains(out, "Tarifs du Salon Élégance › Tarifs > Coloration") {
				t.Errorf("search:\n%s", out)
			}
			out = mustRun(t, append(flags, "kb", "list")...)
			if !strings.Contains(out, "Salon  french    2          ") {
				t.Errorf("list:\n%s", out)
			}
			out = mustRun(t, append(flags, "kb", "list", "--kb", "Salon")...)
			if !strings.Contains(out, filepath.Base(dir)+"/tarifs.md") {
				t.Errorf("list --kb:\n%s", out)
			}
			// Bad values are refused with the valid range, before anything runs.
			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"kb", "ingest", dir, "--chunk-tokens", "0"}, "--chunk-tokens 0: want 16 to 8192"},
				{[]string{"kb", "ingest", dir, "--chunk-tokens", "64", "--overlap-tokens", "64"}, "chunk overlap 64 tokens: want 0 to 63"},
				{[]string{"kb", "ingest", dir, "--exclude", "[x"}, `--exclude "[x" is not a valid glob`},
				{[]string{"kb", "search", "coupe", "-k", "0"}, "-k 0: want 1 to 100 hits"},
				{[]string{"kb", "search", "coupe", "--threshold", "5"}, "--threshold 5: want a fused score from 0 to 1"},
			} {
				if _, err := run(t, append(flags, bad.args...)...); err == nil || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%v: %v, want %q", bad.args, err, bad.want)
				}
			}
			// An excluded file is left out, and emptying the folder is
			// refused without --prune.
			out = mustRun(t, append(flags, "kb", "ingest", dir, "--exclude", "horaires.md")...)
			if !strings.Contains(out, "0 added, 0 updated, 1 unchanged, 1 deleted") {
				t.Errorf("ingest --exclude:\n%s", out)
			}
			empty := filepath.Join(t.TempDir(), filepath.Base(dir))
			os.Mkdir(empty, 0o755)
			if _, err := run(t, append(flags, "kb", "ingest", empty)...); err == nil || !strings.Contains(err.Error(), "would delete 1 of the 1 documents") {
				t.Errorf("ingest of an empty folder: %v", err)
			}
			mustRun(t, append(flags, "kb", "ingest", dir)...)
			_, err = run(t, append(flags, "kb", "rm", "--kb", "Salon", "nope.md")...)
			if err == nil || !strings.Contains(err.Error(), `has no document nope.md; its documents:`) {
				t.Errorf("rm of an unknown document: %v", err)
			}
			out = mustRun(t, append(flags, "kb", "rm", "--all")...)
			if strings.Count(out, "removed ") != 2 {
				t.Errorf("rm --all:\n%s", out)
			}
			_, err = run(t, append(flags, "kb", "search", "x", "--kb", "Docs")...)
			if err == nil || !strings.Contains(err.Error(), `has no knowledge base "Docs"; its knowledge bases: Salon`) {
				t.Errorf("unknown kb: %v", err)
			}
		})
	}
}

// A store that cannot be written (chattr +i stands for read-only media:
// root ignores file modes) is read by the commands that only read, and a
// command that writes says why it cannot.
func TestReadOnlyStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	db := filepath.Join(dir, "causerie.db")
	if out, err := exec.Command("chattr", "+i", db, dir).CombinedOutput(); err != nil {
		t.Fatalf("chattr +i (needed to make the store read-only): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", db, dir).Run() })
	if out := mustRun(t, "--data-dir", dir, "export"); !strings.Contains(out, "slug: salon") {
		t.Errorf("export of a read-only store:\n%s", out)
	}
	mustRun(t, "--data-dir", dir, "conversations", "list")
	_, err := run(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	if err == nil || !strings.Contains(err.Error(), "cannot be written (read-only media or permissions)") {
		t.Errorf("apply to a read-only store: %v", err)
	}
}

// apply --dry-run prints what would change and changes nothing; an apply
// that deletes a team the booking flow uses is refused, then --force does
// it and warns.
func TestApplyDryRunAndForce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	mustRun(t, "--data-dir", dir, "flow", "apply", "../../examples/salon/flows/prise-de-rendez-vous.json")
	before := mustRun(t, "--data-dir", dir, "export")
	edited := filepath.Join(t.TempDir(), "ws.yaml")
	src := strings.Replace(before, "  - name: Équipe de Planification\n", "  - name: Équipe du Planning\n", 1)
	if src == before {
		t.Fatal("the export has no team to rename")
	}
	os.WriteFile(edited, []byte(src), 0o644)

	out := mustRun(t, "--data-dir", dir, "apply", "--dry-run", "-f", edited)
	for _, want := range []string{`would be deleted team "Équipe de Planification"`, `would be created team "Équipe du Planning"`, "this apply would be refused", "none applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if after := mustRun(t, "--data-dir", dir, "export"); after != before {
		t.Error("the dry run changed the store")
	}
	out, err := run(t, "--data-dir", dir, "apply", "-f", edited)
	if err == nil || !strings.Contains(err.Error(), `team "Équipe de Planification" is still used by flow "prise-de-rendez-vous"`) {
		t.Fatalf("apply deleting a used team: err %v\n%s", err, out)
	}
	out = mustRun(t, "--data-dir", dir, "apply", "--force", "-f", edited)
	if !strings.Contains(out, `warning: team "Équipe de Planification" is still used by flow "prise-de-rendez-vous"`) {
		t.Errorf("forced apply does not warn:\n%s", out)
	}
}

// eval checks every option before running anything, and says all that is
// wrong at once.
func TestEvalChecksOptionsUpFront(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	notReport := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(notReport, []byte(`{"cases": 3}`), 0o644)
	out, err := run(t, "eval", "../../examples/salon/evals/salon.yaml", "--format", "xml", "--trials", "0", "--record",
		"--baseline", notReport, "-o", "/nonexistent/report.xml")
	if err == nil {
		t.Fatalf("eval with bad options ran:\n%s", out)
	}
	for _, want := range []string{"nothing was run", `--format "xml": use one of text, json, junit, html`,
		"--trials 0: run each case at least once", "--record needs a model endpoint: no model endpoint configured: set OPENAI_API_KEY",
		"--baseline: baseline " + notReport + " is not a JSON report", "--output /nonexistent/report.xml: the folder /nonexistent does not exist"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(out, "[1/") {
		t.Errorf("cases ran:\n%s", out)
	}
}

// The example generation suite replays green from its cassette (and its
// offline case from none), over trials.
func TestEvalGenerationSuite(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_KEY", "")
	out, err := run(t, "eval", "../../examples/salon/evals/generation.yaml", "--trials", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"✓ liste d'étapes du seed 001, hors ligne", "✓ rendez-vous coupe ou coloration, avec le modèle",
		"2 cases, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// API keys: created with a secret shown once (only its hash is stored),
// listed without it, revoked once; an agent key names a user of the
// workspace.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
	out := mustRun(t, "--data-dir", dir, "key", "create", "--role", "admin", "--name", "CI")
	secret := ""
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, "secret (shown once, only its hash is stored): "); ok {
			secret = s
		}
	}
	if !strings.HasPrefix(secret, "csk_") {
		t.Fatalf("key create:\n%s", out)
	}
	mustRun(t, "--data-dir", dir, "key", "create", "--role", "agent", "--user", "marie@salon-elegance.fr")
	list := mustRun(t, "--data-dir", dir, "key", "list")
	if strings.Contains(list, secret) || !strings.Contains(list, secret[:12]+"…") || !strings.Contains(list, "marie@salon-elegance.fr") ||
		strings.Count(list, "active") != 2 {
		t.Fatalf("key list:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if out := mustRun(t, "--data-dir", dir, "key", "revoke", id); !strings.Contains(out, "revoked API key "+id) {
		t.Errorf("revoke: %s", out)
	}
	if _, err := run(t, "--data-dir", dir, "key", "revoke", id); err == nil || !strings.Contains(err.Error(), "has no active API key") {
		t.Errorf("revoke twice: %v", err)
	}
	for args, want := range map[string]string{
		"--role owner":                       `--role "owner": use admin`,
		"--role agent":                       "give --user EMAIL",
		"--role agent --user nobody@nope.fr": `"nobody@nope.fr" is not a user of workspace "salon"; its users: `,
	} {
		if _, err := run(t, append([]string{"--data-dir", dir, "key", "create"}, strings.Fields(args)...)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("key create %s: %v, want %q", args, err, want)
		}
	}
	var b bytes.Buffer
	printError(&b, errors.New("bad key "+secret))
	if strings.Contains(b.String(), secret) {
		t.Errorf("a key secret reached the screen: %s", b.String())
	}
}
