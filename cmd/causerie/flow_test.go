package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runIn runs the CLI in-process with stdin and returns its output.
func runIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(&out, &out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

const (
	bookingFile = "../../examples/salon/flows/prise-de-rendez-vous.json"
	relanceFile = "../../examples/salon/flows/relance.json"
)

func TestFlowValidate(t *testing.T) {
	t.Parallel()
	out := mustRun(t, "flow", "validate", bookingFile, relanceFile, "../../examples/support/flows/lead-qualification.yaml")
	for _, want := range []string{
		`prise-de-rendez-vous.json: flow "prise-de-rendez-vous" is valid (14 nodes, 15 edges, 6 paths)`,
		`relance.json: flow "relance" is valid (9 nodes, 11 edges, 4 paths)`,
		`lead-qualification.yaml: flow "lead-qualification" is valid`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	out, err := run(t, "flow", "validate", "../../dsl/testdata/broken.json")
	if err == nil || !strings.Contains(out, "4 problems:") || !strings.Contains(out, `broken.json:11:8: node "http-notify": nodes[1].data.parameters.timeout_seconds: timeout_seconds is 90, but the maximum is 60`) {
		t.Errorf("validate of a broken flow: %v\n%s", err, out)
	}
	// seed 004's URL is https: it passes in production too; an http one
	// does not.
	if _, err := run(t, "flow", "validate", "--production", relanceFile); err != nil {
		t.Errorf("relance in production: %v", err)
	}
}

func TestFlowGraphAndPaths(t *testing.T) {
	t.Parallel()
	out := mustRun(t, "flow", "graph", bookingFile, "--format", "mermaid")
	for _, want := range []string{"graph TD\n", `n_service{"Quel service ?"}`, `n_service -->|"Coupe"| n_details`,
		`n_service -->|"Coloration"| n_couleur`, `n_confirmer(["Confirmer & Fin"])`} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "flow", "graph", bookingFile, "--format", "dot"); err == nil || !strings.Contains(err.Error(), "the only format is mermaid") {
		t.Errorf("graph --format dot: %v", err)
	}
	out = mustRun(t, "flow", "paths", relanceFile)
	if !strings.Contains(out, "1. trigger → accueil → telephone → tag-contact → http-notify → statut [true] → create-crm-contact → ai-reply → create-sales-task → fin") ||
		!strings.HasSuffix(out, "4 paths\n") {
		t.Errorf("paths:\n%s", out)
	}
}

func TestFlowRun(t *testing.T) {
	t.Parallel()
	out, err := runIn(t, "Coloration\nblond\n05/12/2026\n14h30\n06 12 34 56 78\n", "flow", "run", bookingFile, "--fail", "notifier", "--contact", "Léa")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"bot: Bonjour Léa !",
		`[tag-coloration] tag_contact {"action_type":"tag_contact","tag":"coloration"} → done`,
		"[notifier] send_email",
		"→ fails (--fail)",
		"[tache-confirmation] create_task",
		"bot: Merci pour ta réservation. Nous sommes impatients de te voir le 2026-12-05 à 14h30.",
		"(flow completed)",
		"path: accueil → service[Coloration] → couleur → tag-coloration → date → heure → telephone → enregistrer → notifier[error] → tache-confirmation → confirmer",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	out, _ = runIn(t, "Coupe\nannuler\n", "flow", "run", bookingFile)
	if !strings.Contains(out, "(you left the flow)") || !strings.Contains(out, "(flow exited)") {
		t.Errorf("run with an exit word:\n%s", out)
	}
}

// apply, list, disable, enable and rm on both stores; then the flow and
// a response rule answer in chat without a model.
func TestFlowCommandsAndChat(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	for name, flags := range storeFlags(t) {
		t.Run(name, func(t *testing.T) {
			cmd := func(args ...string) string { return mustRun(t, append(append([]string{}, flags...), args...)...) }
			cmd("apply", "-f", "../../examples/salon/workspace.yaml")
			out := cmd("flow", "apply", bookingFile, relanceFile)
			if !strings.Contains(out, `created flow "prise-de-rendez-vous" (Prise de rendez-vous, enabled, priority 10) in workspace "salon"`) ||
				!strings.Contains(out, `created flow "relance"`) {
				t.Errorf("flow apply:\n%s", out)
			}
			if out := cmd("flow", "apply", bookingFile); !strings.Contains(out, `unchanged flow "prise-de-rendez-vous"`) {
				t.Errorf("second flow apply:\n%s", out)
			}
			cmd("flow", "disable", "relance")
			out = cmd("flow", "list")
			if !strings.Contains(out, "prise-de-rendez-vous  Prise de rendez-vous  true     10") || !strings.Contains(out, "relance               Relance commerciale   false    5") {
				t.Errorf("flow list:\n%s", out)
			}
			cmd("flow", "enable", "relance")
			if _, err := run(t, append(flags, "flow", "rm", "relanse")...); err == nil || !strings.Contains(err.Error(), `has no flow "relanse"; its flows: prise-de-rendez-vous, relance`) {
				t.Errorf("rm of a misspelt flow: %v", err)
			}
			cmd("flow", "rm", "relance")
			if out := cmd("flow", "list"); strings.Contains(out, "relance") {
				t.Errorf("relance still listed:\n%s", out)
			}
			if _, err := run(t, append(flags, "flow", "apply", "../../dsl/testdata/broken.json")...); err == nil || !strings.Contains(err.Error(), "nothing was applied: 4 problems") {
				t.Errorf("apply of a broken flow: %v", err)
			}

			out, err := runIn(t, "Vous êtes ouverts samedi ?\nJe voudrais un rendez-vous\ncoupe\nstop\n", append(flags, "chat")...)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"Assistante Salon: Le Salon Élégance est ouvert du mardi au samedi",
				"(answered by rule Horaires)",
				"Assistante Salon: Quel service souhaitez-vous ?",
				"(answered by flow prise-de-rendez-vous)",
				"Assistante Salon: Pour la coupe, quelle est la longueur",
				"Assistante Salon: D'accord, on s'arrête là.",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("chat lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// --fail names an action node of the flow, or the walk is refused.
func TestFlowRunRefusesUnknownFailNode(t *testing.T) {
	t.Parallel()
	_, err := runIn(t, "", "flow", "run", bookingFile, "--fail", "notifer", "--fail", "accueil")
	if err == nil {
		t.Fatal("flow run with an unknown --fail node ran")
	}
	for _, want := range []string{`--fail notifer: flow "prise-de-rendez-vous" has no node "notifer" (did you mean "notifier"?); action nodes: `,
		`--fail accueil: node "accueil" is not an action node, so it cannot fail`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// A flow's trigger label follows the workspace's language.
func TestFlowGraphFollowsTheWorkspaceLanguage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/support/workspace.yaml")
	out := mustRun(t, "--data-dir", dir, "flow", "graph", bookingFile)
	if !strings.Contains(out, "The visitor starts the flow: “") {
		t.Errorf("graph in an English workspace:\n%s", out)
	}
	out = mustRun(t, "--data-dir", dir, "flow", "graph", bookingFile, "--lang", "fr")
	if !strings.Contains(out, "Le visiteur déclenche le flux : « ") {
		t.Errorf("graph --lang fr:\n%s", out)
	}
	if _, err := run(t, "--data-dir", dir, "flow", "graph", bookingFile, "--lang", "de"); err == nil || !strings.Contains(err.Error(), `--lang "de": the labels exist in en, fr`) {
		t.Errorf("graph --lang de: %v", err)
	}
}
