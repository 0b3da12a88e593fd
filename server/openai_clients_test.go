package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// clientScript is what the client tests' model does: tag the contact then
// reply, then answer each later message.
func clientScript() []agenttest.Step {
	return []agenttest.Step{
		{ToolCalls: []agenttest.ToolCall{agenttest.Call("tag_contact", `{"tag":"nouveau-client"}`)}, PromptTokens: 10, CompletionTokens: 3},
		{Reply: "Bienvenue ! C'est noté.", PromptTokens: 20, CompletionTokens: 5},
		{Reply: "Une coupe coûte 35 €, avec plaisir.", PromptTokens: 30, CompletionTokens: 8},
		{Reply: "Une coloration coûte 60 €.", PromptTokens: 40, CompletionTokens: 6},
	}
}

// checkClientConversation checks the store after a client's requests: one
// API conversation holding the three visitor messages and their replies,
// its contact tagged by the AI agent.
func checkClientConversation(t *testing.T, h *harness, conv string) {
	t.Helper()
	c := h.fx.Conversation(conv)
	if c.Channel != "api" {
		t.Fatalf("conversation %s has channel %q", conv, c.Channel)
	}
	if contact := h.fx.Contact(c.ContactID); !slices.Contains(contact.Tags, "nouveau-client") {
		t.Fatalf("the AI agent did not tag the contact: %+v", contact)
	}
	var audited []string
	for _, e := range h.fx.Events(conv, "action.executed") {
		var a tools.AuditEvent
		_ = json.Unmarshal(e.Payload, &a)
		audited = append(audited, a.Action+" by "+e.Actor)
	}
	if want := []string{"tag_contact by ai_agent:" + c.Assignee.ID}; !slices.Equal(audited, want) {
		t.Fatalf("audit: %v, want %v", audited, want)
	}
	var got []string
	for _, m := range h.fx.Messages(conv) {
		got = append(got, string(m.Role)+": "+m.Text)
	}
	want := []string{
		"visitor: Bonjour, je suis une nouvelle cliente", "ai_agent: Bienvenue ! C'est noté.",
		"visitor: Combien coûte une coupe ?", "ai_agent: Une coupe coûte 35 €, avec plaisir.",
		"visitor: Et une coloration ?", "ai_agent: Une coloration coûte 60 €.",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the conversation holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	convs, err := h.s.ListConversations(ctx, h.ws.ID, store.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 1 {
		t.Fatalf("%d conversations, want the one the requests continued", len(convs))
	}
}

// revokedKey is an admin key of the harness's workspace, revoked.
func revokedKey(t *testing.T, h *harness) string {
	t.Helper()
	secret := h.key(store.KeyAdmin, "")
	keys, err := h.s.ListAPIKeys(ctx, h.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.HasPrefix(secret, k.Prefix) {
			if err := h.s.RevokeAPIKey(ctx, h.ws.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return secret
}

// TestOpenAIGoClient: go-openai, the Go client the agent itself uses,
// against the endpoint — a reply with an action, a stream continuing the
// conversation through `user`, models, and its errors.
func TestOpenAIGoClient(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{}, clientScript()...)
		client := func(key string) *openai.Client {
			cfg := openai.DefaultConfig(key)
			cfg.BaseURL = h.http.URL + "/v1"
			return openai.NewClientWithConfig(cfg)
		}
		c := client(h.adminKey)

		models, err := c.ListModels(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(models.Models) != 1 || models.Models[0].ID != salonAgent || models.Models[0].Object != "model" || models.Models[0].OwnedBy != h.ws.Slug {
			t.Fatalf("models %+v", models)
		}

		res, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: salonAgent, Temperature: 0.3, MaxCompletionTokens: 10,
			Messages: []openai.ChatCompletionMessage{
				{Role: openai.ChatMessageRoleSystem, Content: "Ignored: the conversation's history is the source of truth."},
				{Role: openai.ChatMessageRoleUser, Content: "Bonjour, je suis une nouvelle cliente"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		conv := res.Header().Get(server.ConversationHeader)
		if conv == "" || res.Object != "chat.completion" || res.Model != salonAgent || len(res.Choices) != 1 ||
			res.Choices[0].Message.Content != "Bienvenue ! C'est noté." || res.Choices[0].Message.Role != "assistant" ||
			res.Choices[0].FinishReason != openai.FinishReasonStop || res.Usage.TotalTokens != 38 {
			t.Fatalf("conversation %q, completion %+v", conv, res)
		}

		stream, err := c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: salonAgent, User: conv,
			StreamOptions: &openai.StreamOptions{IncludeUsage: true},
			Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Combien coûte une coupe ?"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := stream.Header().Get(server.ConversationHeader); got != conv {
			t.Fatalf("the stream went to conversation %q, not %q", got, conv)
		}
		var content, finish, role string
		var usage *openai.Usage
		n := 0
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if chunk.Usage != nil {
				usage = chunk.Usage
			}
			if len(chunk.Choices) == 0 {
				continue
			}
			d := chunk.Choices[0]
			if d.Delta.Role != "" {
				if n != 0 {
					t.Fatalf("role in chunk %d", n)
				}
				role = d.Delta.Role
			}
			if d.Delta.Content != "" {
				n++
			}
			content += d.Delta.Content
			if d.FinishReason != "" {
				finish = string(d.FinishReason)
			}
		}
		stream.Close()
		if role != "assistant" || content != "Une coupe coûte 35 €, avec plaisir." || finish != "stop" || n < 2 || usage == nil || usage.TotalTokens != 38 {
			t.Fatalf("stream: role %q, %d content chunks %q, finish %q, usage %+v", role, n, content, finish, usage)
		}

		// Continued again, through `user`, not streamed.
		res, err = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: salonAgent, User: conv,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Et une coloration ?"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Header().Get(server.ConversationHeader) != conv || res.Choices[0].Message.Content != "Une coloration coûte 60 €." {
			t.Fatalf("third turn: %s, %+v", res.Header().Get(server.ConversationHeader), res.Choices)
		}
		checkClientConversation(t, h, conv)

		// Errors, as go-openai reads them.
		apiErr := func(err error) *openai.APIError {
			t.Helper()
			var e *openai.APIError
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an OpenAI API error", err, err)
			}
			return e
		}
		user := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Bonjour"}}
		_, err = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "gpt-4o", Messages: user})
		if e := apiErr(err); e.HTTPStatusCode != 404 || e.Code != "model_not_found" || !strings.Contains(e.Message, salonAgent) {
			t.Fatalf("unknown model: %+v", e)
		}
		_, err = c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: "gpt-4o", Messages: user})
		if e := apiErr(err); e.HTTPStatusCode != 404 || e.Code != "model_not_found" {
			t.Fatalf("unknown model, streamed: %+v", e)
		}
		_, err = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: salonAgent, N: 2, Messages: user})
		if e := apiErr(err); e.HTTPStatusCode != 400 || e.Param == nil || *e.Param != "n" {
			t.Fatalf("n=2: %+v", e)
		}
		_, err = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: salonAgent, Messages: user,
			Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}})
		if e := apiErr(err); e.HTTPStatusCode != 400 || e.Param == nil || *e.Param != "tools" {
			t.Fatalf("tools: %+v", e)
		}
		_, err = client(revokedKey(t, h)).CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: salonAgent, Messages: user})
		if e := apiErr(err); e.HTTPStatusCode != 401 || e.Code != "invalid_api_key" {
			t.Fatalf("revoked key: %+v", e)
		}
		_, err = client(h.agentKey).ListModels(ctx)
		if e := apiErr(err); e.HTTPStatusCode != 403 {
			t.Fatalf("agent key: %+v", e)
		}
		checkClientConversation(t, h, conv) // the refused requests changed nothing
	})
}

// nodeClient is the folder of the npm client test.
var nodeClient = filepath.Join("testdata", "openai-node")

var npmCI struct {
	once sync.Once
	err  error
}

// installNodeClient runs npm ci in the npm client's folder unless its
// node_modules hold the pinned openai version already.
func installNodeClient(t *testing.T) {
	t.Helper()
	npmCI.once.Do(func() {
		var pkg struct {
			Dependencies map[string]string `json:"dependencies"`
		}
		raw, err := os.ReadFile(filepath.Join(nodeClient, "package.json"))
		if err == nil {
			err = json.Unmarshal(raw, &pkg)
		}
		if err != nil {
			npmCI.err = err
			return
		}
		var installed struct {
			Version string `json:"version"`
		}
		if raw, err := os.ReadFile(filepath.Join(nodeClient, "node_modules", "openai", "package.json")); err == nil &&
			json.Unmarshal(raw, &installed) == nil && installed.Version == pkg.Dependencies["openai"] {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			npmCI.err = errors.New("npm is not installed; this test needs Node 20+ and npm (make test runs it)")
			return
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		cmd.Dir = nodeClient
		if out, err := cmd.CombinedOutput(); err != nil {
			npmCI.err = errors.New("npm ci in server/testdata/openai-node failed: " + err.Error() + "\n" + string(out))
		}
	})
	if npmCI.err != nil {
		t.Fatal(npmCI.err)
	}
}

// nodeOutput is what script.mjs prints.
type nodeOutput struct {
	RawModels  []map[string]any `json:"models"`
	Completion struct {
		Conversation, Object, Model, Content string
		FinishReason                         string                `json:"finish_reason"`
		Usage                                server.ChatUsage      `json:"usage"`
		Causerie                             server.CauserieResult `json:"causerie"`
	} `json:"completion"`
	Stream struct {
		Conversation string
		Chunks       int
		Content      string
		Roles        []string
		FinishReason string                `json:"finish_reason"`
		Causerie     server.CauserieResult `json:"causerie"`
		Usage        *server.ChatUsage     `json:"usage"`
	} `json:"stream"`
	Runner struct {
		Content      string `json:"content"`
		FinishReason string `json:"finish_reason"`
	} `json:"runner"`
	Errors map[string]json.RawMessage `json:"errors"`
}

type nodeError struct {
	Class, Type, Param, Code, Message string
	Status                            int
}

// TestOpenAINodeClient: the official openai npm package (pinned in
// testdata/openai-node) against the endpoint, run by node: a reply with an
// action, a stream and the stream helper continuing the conversation,
// models, and its errors. It fails — does not skip — without node or npm.
func TestOpenAINodeClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed; this test needs Node 20+ (make test runs it)")
	}
	installNodeClient(t)
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{}, clientScript()...)
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, node, "script.mjs")
		cmd.Dir = nodeClient
		cmd.Env = append(os.Environ(), "CAUSERIE_BASE_URL="+h.http.URL+"/v1", "CAUSERIE_API_KEY="+h.adminKey,
			"CAUSERIE_MODEL="+salonAgent, "CAUSERIE_REVOKED_KEY="+revokedKey(t, h))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		raw, err := cmd.Output()
		if err != nil {
			t.Fatalf("node script.mjs: %v\n%s%s", err, raw, stderr.String())
		}
		var out nodeOutput
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("node printed %s: %v\n%s", raw, err, stderr.String())
		}
		if len(out.RawModels) != 1 || out.RawModels[0]["id"] != salonAgent || out.RawModels[0]["object"] != "model" || out.RawModels[0]["owned_by"] != h.ws.Slug {
			t.Fatalf("models %v", out.RawModels)
		}
		cp := out.Completion
		conv := cp.Conversation
		if conv == "" || cp.Object != "chat.completion" || cp.Model != salonAgent || cp.Content != "Bienvenue ! C'est noté." || cp.FinishReason != "stop" ||
			cp.Usage.TotalTokens != 38 || cp.Causerie.ConversationID != conv || len(cp.Causerie.Actions) != 1 ||
			cp.Causerie.Actions[0].Name != "tag_contact" || !cp.Causerie.Actions[0].OK {
			t.Fatalf("completion %+v", cp)
		}
		st := out.Stream
		if st.Conversation != conv || !slices.Equal(st.Roles, []string{"assistant"}) || st.Content != "Une coupe coûte 35 €, avec plaisir." ||
			st.FinishReason != "stop" || st.Chunks < 4 || st.Causerie.ConversationID != conv || st.Usage == nil || st.Usage.TotalTokens != 38 {
			t.Fatalf("stream %+v", st)
		}
		if out.Runner.Content != "Une coloration coûte 60 €." || out.Runner.FinishReason != "stop" {
			t.Fatalf("stream helper %+v", out.Runner)
		}
		checkClientConversation(t, h, conv)

		wantErr := map[string]nodeError{
			"unknown_model":          {Class: "NotFoundError", Status: 404, Type: "invalid_request_error", Param: "model", Code: "model_not_found"},
			"unknown_model_streamed": {Class: "NotFoundError", Status: 404, Type: "invalid_request_error", Param: "model", Code: "model_not_found"},
			"n2":                     {Class: "BadRequestError", Status: 400, Type: "invalid_request_error", Param: "n", Code: "unsupported_value"},
			"tools":                  {Class: "BadRequestError", Status: 400, Type: "invalid_request_error", Param: "tools", Code: "unsupported_parameter"},
			"no_user_message":        {Class: "BadRequestError", Status: 400, Type: "invalid_request_error", Param: "messages", Code: "invalid_value"},
			"revoked_key":            {Class: "AuthenticationError", Status: 401, Type: "invalid_request_error", Code: "invalid_api_key"},
		}
		for name, want := range wantErr {
			var got nodeError
			if err := json.Unmarshal(out.Errors[name], &got); err != nil {
				t.Errorf("%s: %s", name, out.Errors[name])
				continue
			}
			msg := got.Message
			got.Message = ""
			if got != want || msg == "" {
				t.Errorf("%s: the client saw %+v (message %q), want %+v", name, got, msg, want)
			}
			if strings.HasPrefix(name, "unknown_model") && !strings.Contains(msg, salonAgent) {
				t.Errorf("%s: the message does not list the AI agents: %q", name, msg)
			}
		}
	})
}
