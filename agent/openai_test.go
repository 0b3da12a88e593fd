package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
)

var ctx = context.Background()

func client(srv *agenttest.Server) *agent.OpenAI {
	return agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "scripted-model", Timeout: 2 * time.Second})
}

func TestChatReplyAndParallelToolCalls(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t,
		agenttest.Step{ToolCalls: []agenttest.ToolCall{
			agenttest.Call("update_contact_fields", `{"fields":[{"field":"budget","value":150}]}`),
			agenttest.Call("assign", `{"team":"Équipe des Ventes"}`),
		}, PromptTokens: 120, CompletionTokens: 30},
		agenttest.Step{Reply: "Merci !"},
	)
	m := client(srv)
	zero := 0.0
	resp, err := m.Chat(ctx, agent.Request{
		Messages:    []agent.Message{{Role: agent.RoleSystem, Content: "Tu es l'assistante."}, {Role: agent.RoleUser, Content: "Mon budget est 150 €"}},
		Tools:       []agent.Tool{{Name: "assign", Description: "Assign", Parameters: json.RawMessage(`{"type":"object"}`)}},
		Temperature: &zero, MaxTokens: 240,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.ToolCalls) != 2 || resp.ToolCalls[1].Name != "assign" || resp.ToolCalls[0].Arguments != `{"fields":[{"field":"budget","value":150}]}` {
		t.Errorf("tool calls = %+v", resp.ToolCalls)
	}
	if resp.Usage != (agent.Usage{PromptTokens: 120, CompletionTokens: 30}) || resp.FinishReason != "tool_calls" {
		t.Errorf("usage %+v finish %q", resp.Usage, resp.FinishReason)
	}
	req := srv.Requests()[0]
	if temp, ok := req.Body["temperature"]; !ok || temp != 0.0 {
		t.Errorf("temperature 0 was not sent: %s", req.Raw)
	}
	// Not OpenAI's own endpoint: the cap goes as max_tokens, which every
	// OpenAI-compatible server knows.
	if _, both := req.Body["max_completion_tokens"]; req.Body["model"] != "scripted-model" || req.Body["max_tokens"] != 240.0 || both {
		t.Errorf("request = %s", req.Raw)
	}

	// Without a temperature, none is sent.
	if _, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Requests()[1].Body["temperature"]; ok {
		t.Errorf("a temperature was sent without being asked: %s", srv.Requests()[1].Raw)
	}
}

func TestChatStreamsAndAccumulatesToolCalls(t *testing.T) {
	t.Parallel()
	for _, noIndex := range []bool{false, true} {
		srv := agenttest.New(t, agenttest.Step{
			Reply: "Je m'en occupe tout de suite.",
			ToolCalls: []agenttest.ToolCall{
				agenttest.Call("update_lifecycle_stage", `{"stage":"Lead Qualifié"}`),
				agenttest.Call("close_conversation", `{"closing_note":"Problème Résolu"}`),
			},
			NoIndex: noIndex, PromptTokens: 50, CompletionTokens: 12,
		})
		var deltas []string
		resp, err := client(srv).Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "c'est tout"}},
			OnDelta: func(s string) { deltas = append(deltas, s) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(deltas) < 2 || strings.Join(deltas, "") != "Je m'en occupe tout de suite." || resp.Content != strings.Join(deltas, "") {
			t.Errorf("noIndex=%v: deltas %q, content %q", noIndex, deltas, resp.Content)
		}
		if len(resp.ToolCalls) != 2 || resp.ToolCalls[0].Arguments != `{"stage":"Lead Qualifié"}` ||
			resp.ToolCalls[1].Name != "close_conversation" || resp.ToolCalls[1].Arguments != `{"closing_note":"Problème Résolu"}` {
			t.Errorf("noIndex=%v: tool calls %+v", noIndex, resp.ToolCalls)
		}
		if resp.Usage.PromptTokens != 50 || !srv.Requests()[0].Stream() {
			t.Errorf("usage %+v", resp.Usage)
		}
	}
}

func TestChatRetries(t *testing.T) {
	t.Parallel()
	t.Run("500 then success", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Status: 500, Error: "boom"}, agenttest.Step{Reply: "ok"})
		m := client(srv)
		sleeps := agent.RecordSleeps(m)
		resp, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		if err != nil || resp.Content != "ok" {
			t.Fatalf("%v %+v", err, resp)
		}
		if len(*sleeps) != 1 || (*sleeps)[0] < 250*time.Millisecond || (*sleeps)[0] > 500*time.Millisecond {
			t.Errorf("backoff = %v, want one delay of 250–500 ms (500 ms with jitter)", *sleeps)
		}
	})
	t.Run("429 honours Retry-After", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Status: 429, Error: "slow down", RetryAfter: "7"}, agenttest.Step{Reply: "ok"})
		m := client(srv)
		sleeps := agent.RecordSleeps(m)
		if _, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}}); err != nil {
			t.Fatal(err)
		}
		if len(*sleeps) != 1 || (*sleeps)[0] != 7*time.Second {
			t.Errorf("delays = %v, want [7s]", *sleeps)
		}
	})
	t.Run("timeout then success", func(t *testing.T) {
		// The timeout leaves the retry, which the server answers at once,
		// room on a loaded machine (make test's -race on 2 cores made 100 ms
		// fail now and then).
		srv := agenttest.New(t, agenttest.Step{Delay: 3 * time.Second, Reply: "late"}, agenttest.Step{Reply: "ok"})
		m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, Timeout: 700 * time.Millisecond})
		agent.RecordSleeps(m)
		resp, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		if err != nil || resp.Content != "ok" {
			t.Fatalf("%v %+v", err, resp)
		}
	})
	t.Run("stream cut mid tool call is retried", func(t *testing.T) {
		t.Parallel()
		call := agenttest.Call("assign", `{"team":"Équipe de Planification","method":"round_robin"}`)
		srv := agenttest.New(t,
			agenttest.Step{ToolCalls: []agenttest.ToolCall{call}, CutAfter: 4},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{call}})
		m := client(srv)
		agent.RecordSleeps(m)
		resp, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}, OnDelta: func(string) {}})
		if err != nil || len(resp.ToolCalls) != 1 || resp.ToolCalls[0].Arguments != call.Args {
			t.Fatalf("%v %+v", err, resp)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("stream cut after text is not retried", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Reply: "Bonjour, je regarde vos disponibilités", CutAfter: 3}, agenttest.Step{Reply: "never"})
		m := client(srv)
		agent.RecordSleeps(m)
		_, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}, OnDelta: func(string) {}})
		if err == nil || !strings.Contains(err.Error(), "stream interrupted") || len(srv.Requests()) != 1 {
			t.Errorf("err = %v after %d requests", err, len(srv.Requests()))
		}
	})
	t.Run("400 is not retried", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Status: 400, Error: "bad tool schema"})
		m := client(srv)
		_, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		if err == nil || !strings.Contains(err.Error(), "bad tool schema") || len(srv.Requests()) != 1 {
			t.Errorf("err = %v after %d requests", err, len(srv.Requests()))
		}
	})
	t.Run("gives up after MaxRetries", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Status: 503}, agenttest.Step{Status: 503}, agenttest.Step{Status: 503})
		m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, MaxRetries: 2})
		agent.RecordSleeps(m)
		_, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		if err == nil || len(srv.Requests()) != 3 || !strings.Contains(err.Error(), "failed after 3 attempts") {
			t.Errorf("err = %v after %d requests, want failure after 3", err, len(srv.Requests()))
		}
	})
	// Ollama's error body is a plain string ({"error": "…"}): the status
	// decides, whatever the body's shape.
	t.Run("plain-string error bodies are retried by status", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t,
			agenttest.Step{Status: 500, Error: "llama runner process has terminated", PlainError: true},
			agenttest.Step{Status: 429, Error: "busy", PlainError: true, RetryAfter: "3"},
			agenttest.Step{Reply: "ok"})
		m := client(srv)
		sleeps := agent.RecordSleeps(m)
		resp, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		if err != nil || resp.Content != "ok" || len(*sleeps) != 2 || (*sleeps)[1] != 3*time.Second {
			t.Errorf("%v %+v, delays %v", err, resp, *sleeps)
		}
	})
	t.Run("an error inside a stream before any text is retried", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{StreamError: "overloaded"}, agenttest.Step{Reply: "ok"})
		m := client(srv)
		agent.RecordSleeps(m)
		resp, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}, OnDelta: func(string) {}})
		if err != nil || resp.Content != "ok" || len(srv.Requests()) != 2 {
			t.Errorf("%v %+v after %d requests", err, resp, len(srv.Requests()))
		}
	})
	t.Run("a single failure does not say retries happened", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.New(t, agenttest.Step{Status: 401, Error: "invalid api key"})
		_, err := client(srv).Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}})
		var ce *agent.CallError
		if !errors.As(err, &ce) || ce.Attempts != 1 || strings.Contains(err.Error(), "after") || !strings.Contains(err.Error(), "invalid api key") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a stalled stream fails at its idle bound", func(t *testing.T) {
		srv := agenttest.New(t, agenttest.Step{Reply: "Bonjour, je regarde", StallAfter: 2})
		m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, StreamIdle: 150 * time.Millisecond})
		var shown strings.Builder
		start := time.Now()
		_, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}, OnDelta: func(s string) { shown.WriteString(s) }})
		if err == nil || !strings.Contains(err.Error(), "no data for 150ms") || shown.Len() == 0 || time.Since(start) > 10*time.Second {
			t.Errorf("err = %v, shown %q", err, shown.String())
		}
	})
}

// Tool calls that come without an id get one, derived from the call.
func TestToolCallsWithoutID(t *testing.T) {
	t.Parallel()
	for _, stream := range []bool{false, true} {
		srv := agenttest.New(t, agenttest.Step{NoID: true, ToolCalls: []agenttest.ToolCall{agenttest.Call("tag_contact", `{"tag":"vip"}`)}})
		req := agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}}
		if stream {
			req.OnDelta = func(string) {}
		}
		resp, err := client(srv).Chat(ctx, req)
		if err != nil || len(resp.ToolCalls) != 1 || !strings.HasPrefix(resp.ToolCalls[0].ID, "call_") {
			t.Errorf("stream %v: %v %+v", stream, err, resp)
		}
	}
}

// The token cap's field follows the endpoint, or the configuration.
func TestTokenField(t *testing.T) {
	for field, want := range map[string][]string{
		agent.TokenFieldCompletion: {"max_completion_tokens"},
		agent.TokenFieldMax:        {"max_tokens"},
		agent.TokenFieldBoth:       {"max_tokens", "max_completion_tokens"},
	} {
		srv := agenttest.New(t, agenttest.Step{Reply: "ok"})
		m := agent.NewOpenAI(agent.OpenAIConfig{BaseURL: srv.URL, TokenField: field})
		if _, err := m.Chat(ctx, agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "?"}}, MaxTokens: 99}); err != nil {
			t.Fatal(err)
		}
		body := srv.Requests()[0].Body
		got := 0
		for _, k := range []string{"max_tokens", "max_completion_tokens"} {
			if v, ok := body[k]; ok {
				got++
				if v != 99.0 || !slices.Contains(want, k) {
					t.Errorf("%s: sent %s = %v", field, k, v)
				}
			}
		}
		if got != len(want) {
			t.Errorf("%s: sent %d token fields, want %v", field, got, want)
		}
	}
	t.Setenv(agent.EnvTokenField, "max_tokenz")
	t.Setenv(agent.EnvBaseURL, "http://localhost:11434/v1")
	if _, err := agent.OpenAIConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "use max_completion_tokens (OpenAI), max_tokens") {
		t.Errorf("bad field: %v", err)
	}
}

func TestTranscribe(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t, agenttest.Step{Transcript: " Je voudrais prendre rendez-vous samedi. "})
	text, err := client(srv).Transcribe(ctx, strings.NewReader("RIFF....WAVE"), "message.wav")
	if err != nil || text != "Je voudrais prendre rendez-vous samedi." {
		t.Fatalf("%q %v", text, err)
	}
	if p := srv.Requests()[0].Path; p != "/v1/audio/transcriptions" {
		t.Errorf("path = %s", p)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(agent.EnvAPIKey, "")
	t.Setenv(agent.EnvBaseURL, "")
	if _, err := agent.OpenAIConfigFromEnv(); err != agent.ErrNoEndpoint {
		t.Errorf("err = %v", err)
	}
	t.Setenv(agent.EnvBaseURL, "http://localhost:11434/v1")
	t.Setenv(agent.EnvModel, "llama3.1")
	cfg, err := agent.OpenAIConfigFromEnv()
	if err != nil || cfg.Model != "llama3.1" {
		t.Errorf("cfg %+v, %v", cfg, err)
	}
}

// A response format is sent only when asked for: ordinary turns (and
// their cassettes) send none; a refused one reports its HTTP status.
func TestChatResponseFormat(t *testing.T) {
	t.Parallel()
	srv := agenttest.New(t, agenttest.Step{Reply: `{"a":1}`}, agenttest.Step{Reply: `{}`},
		agenttest.Step{Reply: "ok"}, agenttest.Step{Status: 400, Error: "response_format is not supported"})
	m := client(srv)
	msgs := []agent.Message{{Role: agent.RoleUser, Content: "JSON please"}}
	schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"}}}`)
	if _, err := m.Chat(ctx, agent.Request{Messages: msgs, ResponseFormat: &agent.ResponseFormat{Type: agent.FormatJSONSchema, Name: "thing", Schema: schema}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Chat(ctx, agent.Request{Messages: msgs, ResponseFormat: &agent.ResponseFormat{Type: agent.FormatJSONObject}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Chat(ctx, agent.Request{Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	_, err := m.Chat(ctx, agent.Request{Messages: msgs, ResponseFormat: &agent.ResponseFormat{Type: agent.FormatJSONObject}})
	var ce *agent.CallError
	if !errors.As(err, &ce) || ce.Status != 400 {
		t.Errorf("refused format: %v, want a CallError with status 400", err)
	}
	reqs := srv.Requests()
	rf, _ := reqs[0].Body["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "thing" || js["schema"] == nil {
		t.Errorf("json_schema request: %s", reqs[0].Raw)
	}
	if rf, _ := reqs[1].Body["response_format"].(map[string]any); rf["type"] != "json_object" || rf["json_schema"] != nil {
		t.Errorf("json_object request: %s", reqs[1].Raw)
	}
	if _, ok := reqs[2].Body["response_format"]; ok {
		t.Errorf("an ordinary request sent a response_format: %s", reqs[2].Raw)
	}
}
