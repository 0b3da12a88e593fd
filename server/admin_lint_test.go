package server_test

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
)

func findingOf(fs lint.Findings, kind lint.Kind) (lint.Finding, bool) {
	i := slices.IndexFunc(fs, func(f lint.Finding) bool { return f.Kind == kind })
	if i < 0 {
		return lint.Finding{}, false
	}
	return fs[i], true
}

func TestAdminLint(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		const path = "/v1/admin/lint"
		lintOf := func(body any) server.LintResult {
			t.Helper()
			return decode[server.LintResult](t, h.must(http.StatusOK, request{method: "POST", path: path, token: h.adminKey, body: body}))
		}

		// The stored workspace: the salon's findings are infos only.
		res := lintOf(map[string]any{})
		if res.Errors != 0 || res.Warnings != 0 || res.Summary != res.Findings.Summary() {
			t.Fatalf("the stored salon workspace: %+v", res)
		}

		// A draft of an agent's instructions, against the stored workspace:
		// positions are the draft's own, offsets underline the words.
		draft := "Tu es l'assistante.\n- Si le client parle de prix, assigne à @Équipe Ventes par round robin."
		res = lintOf(map[string]any{"agent": "Assistante Salon", "instructions": draft})
		f, ok := findingOf(res.Findings, lint.UnknownMention)
		if !ok || f.Words != "@Équipe Ventes" || draft[f.Start:f.End] != "@Équipe Ventes" || f.Line != 2 || f.Column != 41 ||
			f.File != "" || !slices.Contains(f.Suggestions, "Équipe des Ventes") {
			t.Fatalf("draft: %+v", res.Findings)
		}
		if res.Errors != 1 {
			t.Errorf("draft: %d errors, want 1: %+v", res.Errors, res.Findings)
		}

		// A file, against its own entities.
		data, err := os.ReadFile("../examples/salon/workspace.yaml")
		if err != nil {
			t.Fatal(err)
		}
		file := strings.Replace(string(data), "par round robin.\n", "par round robin à 17 h.\n", 1)
		res = lintOf(map[string]any{"file": file})
		f, ok = findingOf(res.Findings, lint.ScheduledAction)
		if !ok || f.File != "workspace.yaml" || f.Words != "à 17 h" || f.Line == 0 || f.Path != "ai_agents[0].instructions" {
			t.Fatalf("file: %+v", res.Findings)
		}

		// Bad requests say which field.
		wantProblem(t, h.do(request{method: "POST", path: path, token: h.adminKey, body: map[string]any{"agent": "Assistante Salon"}}),
			http.StatusBadRequest, "instructions")
		wantProblem(t, h.do(request{method: "POST", path: path, token: h.adminKey, body: map[string]any{"file": file, "agent": "x", "instructions": ""}}),
			http.StatusBadRequest, "file")
		_, e := wantProblem(t, h.do(request{method: "POST", path: path, token: h.adminKey, body: map[string]any{"agent": "Personne", "instructions": "x"}}),
			http.StatusBadRequest, "agent")
		if !strings.Contains(e.Detail, "Assistante Salon") {
			t.Errorf("an unknown agent's problem names the valid ones: %+v", e)
		}
		wantProblem(t, h.do(request{method: "POST", path: path, token: h.adminKey, body: map[string]any{"file": "workspace:\n  slug: [x\n"}}),
			http.StatusBadRequest, "")

		// Apply returns the file's findings, and applies despite them…
		r := h.file("PUT", "/v1/admin/workspace", "application/yaml", []byte(strings.ReplaceAll(file, "slug: salon", "slug: "+h.ws.Slug)))
		applied := decode[server.ApplyResult](t, r)
		if _, ok := findingOf(applied.Lint.Findings, lint.ScheduledAction); !ok || applied.Lint.Errors != 1 || len(applied.Changes) == 0 {
			t.Fatalf("apply: %+v", applied)
		}
		// …unless strict: then nothing is applied.
		strict := strings.Replace(strings.ReplaceAll(file, "slug: salon", "slug: "+h.ws.Slug), "à 17 h", "demain", 1)
		p, e := wantProblem(t, h.file("PUT", "/v1/admin/workspace?strict=true", "application/yaml", []byte(strict)),
			http.StatusUnprocessableEntity, "ai_agents[0].instructions")
		if !strings.Contains(e.Detail, "scheduled-action") || !strings.Contains(e.Detail, "demain") || !strings.Contains(p.Detail, "nothing was applied") {
			t.Fatalf("strict: %+v %+v", p, e)
		}
		agents, err := s.ListAIAgents(ctx, h.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(agents[0].Instructions, "demain") {
			t.Fatal("a strict apply refused by lint applied the file")
		}
	})
}
