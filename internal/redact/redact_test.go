package redact_test

import (
	"strings"
	"testing"

	"github.com/causerie/causerie/internal/redact"
)

// The secrets a security review found in audit events and cassettes, and
// their like: none survives, and what is not a secret is kept.
func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, secret string }{
		{"Authorization: Bearer abc123def456", "abc123def456"},
		{"Authorization: Bearer tok1", "tok1"}, // short bearer tokens too
		{"Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"},
		{"Authorization: Token 9f8e7d6c", "9f8e7d6c"},
		{"X-Api-Key: live-key-42", "live-key-42"},
		{"x-api-key: live-key-42", "live-key-42"},
		{"GET https://api.example.com/v1?api_key=s3cr3t&q=coupe", "s3cr3t"},
		{"https://api.example.com/v1?token=s3cr3t", "s3cr3t"},
		{"https://api.example.com/v1?access_token=s3cr3t", "s3cr3t"},
		{"postgres://app:hunter22@db.example.com/causerie", "hunter22"},
		{"smtp://user:p4ss@mail.example.com:587", "p4ss"},
		{`{"api_key": "s3cr3t", "name": "Camille"}`, "s3cr3t"},
		{`{\"clientSecret\": \"s3cr3t\"}`, "s3cr3t"},
		{"key sk-proj-0123456789abcdef in the text", "sk-proj-0123456789abcdef"},
		{"password=hunter22 user=camille", "hunter22"},
	} {
		got := redact.String(tc.in)
		if strings.Contains(got, tc.secret) || !strings.Contains(got, redact.Mask) {
			t.Errorf("String(%q) = %q: the secret %q is still there", tc.in, got, tc.secret)
		}
	}
	for _, keep := range []string{
		"Bonjour Camille, votre rendez-vous est le 05/12/2026.",
		"https://api.example.com/v1/contacts?email=camille@example.fr&q=coupe",
		`{"name": "Camille", "budget": "150", "max_tokens": 240}`,
		"The token budget is 4000.",
	} {
		if got := redact.String(keep); got != keep {
			t.Errorf("String(%q) = %q: nothing there is a secret", keep, got)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	in := `{"http_method": "POST", "url": "https://crm.example.com/hook?apiKey=s3cr3t&x=1",
 "headers_json": "{\"Authorization\": \"Bearer abcdef123\", \"X-Trace\": \"t-1\"}",
 "body_json": "{\"event\": \"relance\", \"password\": \"hunter22\", \"nested\": {\"token\": \"tk-9\"}}",
 "fields": [{"field": "budget", "value": 150}], "id": 12345678901234567890}`
	out := string(redact.JSON([]byte(in)))
	for _, secret := range []string{"s3cr3t", "abcdef123", "t-1", "hunter22", "tk-9"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survives in %s", secret, out)
		}
	}
	for _, keep := range []string{`"http_method":"POST"`, `Authorization`, `X-Trace`, `relance`, `"field":"budget"`, `"value":150`,
		`12345678901234567890`, `x=1`} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q lost from %s", keep, out)
		}
	}
	if got := string(redact.JSON([]byte(`not json token=abc`))); got != `"not json token=[redacted]"` {
		t.Errorf("not JSON: %s", got)
	}
}

func TestIsSecretName(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"api_key", "apiKey", "X-Api-Key", "access_token", "Authorization", "client_secret", "password",
		"PASSWORD", "Set-Cookie", "identity_secret", "identifier_hash", "stripe.secret"} {
		if !redact.IsSecretName(n) {
			t.Errorf("%q should be a secret name", n)
		}
	}
	for _, n := range []string{"name", "email", "max_tokens", "tokens", "budget", "key_points", "keyword", "url", "tool_call_id"} {
		if redact.IsSecretName(n) {
			t.Errorf("%q is not a secret name", n)
		}
	}
}

// JSON's quick pass never skips a document a rule would change: each
// secret shape, alone in a document, is still masked.
func TestJSONQuickPassKeepsEverySecretShape(t *testing.T) {
	for _, doc := range []string{
		`{"apiKey": "x1"}`, `{"X-Api-Key": "x1"}`, `{"access_token": "x1"}`, `{"client_secret": "x1"}`, `{"password": "x1"}`,
		`{"passwd": "x1"}`, `{"pwd": "x1"}`, `{"passphrase": "x1"}`, `{"Authorization": "x1"}`, `{"auth": "x1"}`,
		`{"Cookie": "x1"}`, `{"sessionId": "x1"}`, `{"sig": "x1"}`, `{"private_key": "x1"}`, `{"credentials": "x1"}`,
		`{"identity_secret": "x1"}`, `{"identifier_hash": "x1"}`, `{"headers": {"X-Trace": "x1"}}`,
		`{"note": "Bearer abcdefgh"}`, `{"note": "key sk-abcdefgh123"}`, `{"url": "https://u:x1@h/"}`,
		`{"q": "a=1&api_key=x1"}`, `{"k": "AKIAABCDEFGHIJKLMNOP"}`,
	} {
		if got := string(redact.JSON([]byte(doc))); got == doc || strings.Contains(got, "x1") && !strings.Contains(got, redact.Mask) {
			t.Errorf("redact.JSON(%s) = %s, want it masked", doc, got)
		}
	}
	plain := []byte(`{"fields":[{"field":"budget","value":"80"}],"result":{"ok":true,"message":"saved budget = 80"}}`)
	if got := redact.JSON(plain); string(got) != string(plain) {
		t.Errorf("a document without secrets changed: %s", got)
	}
}
