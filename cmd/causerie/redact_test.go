package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
)

const token = "sk-live-4f9a8b7c6d5e4f3a"

func noSecret(t *testing.T, where, out string) {
	t.Helper()
	if strings.Contains(out, token) || strings.Contains(out, "hunter2") {
		t.Errorf("%s shows a secret:\n%s", where, out)
	}
	if !strings.Contains(out, "[redacted]") {
		t.Errorf("%s does not say what it redacted:\n%s", where, out)
	}
}

// Every output path of the CLI goes through the one redaction: chat's
// action lines, flow run's, and a command's error.
func TestSecretsNeverReachTheScreen(t *testing.T) {
	t.Run("chat", func(t *testing.T) {
		srv := agenttest.New(t,
			agenttest.Step{ToolCalls: []agenttest.ToolCall{{Name: "http_request", Args: `{"http_method": "GET", ` +
				`"url": "https://10.0.0.7/crm?api_key=` + token + `", "headers_json": "{\"Authorization\": \"Bearer ` + token + `\"}"}`}}},
			agenttest.Step{Reply: "Je n'ai pas pu joindre le CRM."})
		t.Setenv("OPENAI_BASE_URL", srv.URL)
		t.Setenv("OPENAI_API_KEY", "")
		dir := t.TempDir()
		mustRun(t, "--data-dir", dir, "apply", "-f", "../../examples/salon/workspace.yaml")
		out := runChat(t, dir, "Vérifiez mon dossier\n")
		if !strings.Contains(out, "http_request") || !strings.Contains(out, "failed") {
			t.Fatalf("chat does not show the failed call:\n%s", out)
		}
		noSecret(t, "chat", out)
	})
	t.Run("flow run", func(t *testing.T) {
		flow := filepath.Join(t.TempDir(), "crm.json")
		os.WriteFile(flow, []byte(`{"id": "crm", "name": "CRM", "triggers": [{"keywords": ["crm"]}],
  "nodes": [
    {"id": "push", "type": "action", "position": {"x": 0, "y": 0}, "data": {"label": "Push", "parameters": {
      "action_type": "http_request", "http_method": "POST", "url": "https://crm.example.com/contacts",
      "headers_json": "{\"Authorization\": \"Bearer `+token+`\", \"X-Password\": \"hunter2\"}", "body_json": "{}"}}},
    {"id": "fin", "type": "end", "position": {"x": 200, "y": 0}, "data": {"label": "Fin", "parameters": {"text": "Merci."}}}
  ],
  "edges": [{"id": "e1", "source": "push", "target": "fin"}]}`), 0o644)
		out, err := runIn(t, "", "flow", "run", flow)
		if err != nil || !strings.Contains(out, "[push] http_request") {
			t.Fatalf("flow run: %v\n%s", err, out)
		}
		noSecret(t, "flow run", out)
	})
	t.Run("errors", func(t *testing.T) {
		var b bytes.Buffer
		printError(&b, errors.New(`connect to postgres://causerie:hunter2@db.internal:5432/causerie: refused; header Authorization: Bearer `+token))
		noSecret(t, "an error", b.String())
		if !strings.Contains(b.String(), "db.internal:5432") {
			t.Errorf("the redaction hid more than the secret: %s", b.String())
		}
	})
}
