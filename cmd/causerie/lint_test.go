package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/lint"
)

// badSalon is the salon example with an unknown @mention and a scheduled
// assignment planted in its instructions.
func badSalon(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/salon/workspace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "assigne la conversation à @Équipe des Ventes par round robin.",
		"assigne la conversation à @Équipe Ventes par round robin.", 1)
	s = strings.Replace(s, "assigne à @Équipe de Planification par round robin.", "assigne à @Équipe de Planification demain.", 1)
	if s == string(data) {
		t.Fatal("the salon example changed: the planted mistakes are not there")
	}
	path := filepath.Join(t.TempDir(), "salon.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLint(t *testing.T) {
	t.Parallel()
	// The examples are clean.
	for _, ex := range []string{"salon", "support"} {
		out := mustRun(t, "lint", "-f", "../../examples/"+ex+"/workspace.yaml", "--strict")
		if !strings.Contains(out, "lint: no findings") {
			t.Errorf("%s: %s", ex, out)
		}
	}
	path := badSalon(t)
	out, err := run(t, "lint", "-f", path)
	if err == nil || !strings.Contains(err.Error(), "2 errors") {
		t.Fatalf("lint of a file with errors: %v\n%s", err, out)
	}
	// file:line:column inside the block scalar, the kind, the words, the fix.
	for _, want := range []string{
		path + `:63:38: error unknown-mention: "@Équipe Ventes"`, `did you mean "Équipe des Ventes"`,
		path + `:67:110: error scheduled-action: "demain"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	// JSON: the same findings, for scripts.
	out, err = run(t, "lint", "-f", path, "--format", "json")
	if err == nil {
		t.Fatal("lint --format json of a file with errors succeeded")
	}
	var fs lint.Findings
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "]")+1]), &fs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(fs) != 2 || fs[0].Kind != lint.UnknownMention || fs[0].Line != 63 || fs[1].Kind != lint.ScheduledAction {
		t.Fatalf("JSON findings: %+v", fs)
	}
	// Flow files: their texts' @mentions, against the workspace.
	data, err := os.ReadFile("../../examples/salon/flows/prise-de-rendez-vous.json")
	if err != nil {
		t.Fatal(err)
	}
	flow := filepath.Join(t.TempDir(), "rdv.json")
	bad := strings.Replace(string(data), "Quelle couleur souhaitez-vous ?", "Quelle couleur ? @Coloristes vous conseillera.", 1)
	if err := os.WriteFile(flow, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "lint", "-f", "../../examples/salon/workspace.yaml", flow)
	if err == nil || !strings.Contains(out, flow+`:19:34: error unknown-mention: "@Coloristes"`) {
		t.Fatalf("a flow's @mention: %v\n%s", err, out)
	}
	if out := mustRun(t, "lint", "-f", "../../examples/salon/workspace.yaml", "../../examples/salon/flows/prise-de-rendez-vous.json",
		"../../examples/salon/flows/relance.json"); !strings.Contains(out, "no findings") {
		t.Errorf("the salon's flows: %s", out)
	}
	if _, err := run(t, "lint", "-f", path, "--format", "xml"); err == nil || !strings.Contains(err.Error(), "text and json") {
		t.Errorf("an unknown format: %v", err)
	}
}

func TestApplyPrintsLintAndStrictRefuses(t *testing.T) {
	t.Parallel()
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := badSalon(t)
			// --strict refuses and applies nothing.
			out, err := run(t, append(flags, "apply", "-f", path, "--strict")...)
			if err == nil || !strings.Contains(err.Error(), "nothing applied") || !strings.Contains(out, "unknown-mention") {
				t.Fatalf("apply --strict: %v\n%s", err, out)
			}
			if out, err := run(t, append(flags, "export", "-w", "salon")...); err == nil {
				t.Fatalf("a refused apply created the workspace:\n%s", out)
			}
			// Without it the file is applied and its findings printed.
			out = mustRun(t, append(flags, "apply", "-f", path)...)
			if !strings.Contains(out, "applied") || !strings.Contains(out, "error scheduled-action") || !strings.Contains(out, "lint: 2 errors") {
				t.Fatalf("apply: %s", out)
			}
			// The stored workspace lints the same, positioned in its export.
			out, err = run(t, append(flags, "lint", "-w", "salon")...)
			if err == nil || !strings.Contains(out, "salon (causerie export -w salon):") || !strings.Contains(out, `"@Équipe Ventes"`) {
				t.Fatalf("lint -w: %v\n%s", err, out)
			}
		})
	}
}
