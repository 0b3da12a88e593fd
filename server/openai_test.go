package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/server"
	"github.com/causerie/causerie/store"
)

const salonAgent = "Assistante Salon"

// chunks reads a streamed chat completion: its data lines, decoded and
// checked against the ChatCompletionChunk schema, up to [DONE] (which
// must come last).
func chunks(t *testing.T, r *response) []map[string]any {
	t.Helper()
	doc, _ := openAPI(t)
	schema := doc.Components.Schemas["ChatCompletionChunk"].Value
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("status %d, Content-Type %q: %s", r.status, ct, r.body)
	}
	var out []map[string]any
	done := false
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || done {
			t.Fatalf("unexpected line %q in %s", line, r.body)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		if err := schema.VisitJSON(c, openapi3.EnableJSONSchema2020()); err != nil {
			t.Fatalf("chunk %s does not match ChatCompletionChunk in server/openapi.json: %v", data, err)
		}
		out = append(out, c)
	}
	if !done {
		t.Fatalf("the stream did not end with [DONE]: %s", r.body)
	}
	return out
}

// streamed is what a client makes of a stream's chunks.
type streamed struct {
	role, content, finish string
	contentChunks         int
	causerie              server.CauserieResult
	usage                 *server.ChatUsage
}

func readChunks(t *testing.T, cs []map[string]any) streamed {
	t.Helper()
	var s streamed
	for i, c := range cs {
		if c["object"] != "chat.completion.chunk" || c["model"] != salonAgent || !strings.HasPrefix(c["id"].(string), "chatcmpl-") {
			t.Fatalf("chunk %d: %v", i, c)
		}
		if ext, ok := c["causerie"]; ok {
			raw, _ := json.Marshal(ext)
			if err := json.Unmarshal(raw, &s.causerie); err != nil {
				t.Fatal(err)
			}
		}
		if u, ok := c["usage"]; ok {
			raw, _ := json.Marshal(u)
			s.usage = &server.ChatUsage{}
			_ = json.Unmarshal(raw, s.usage)
		}
		choices := c["choices"].([]any)
		if len(choices) == 0 {
			continue
		}
		ch := choices[0].(map[string]any)
		delta := ch["delta"].(map[string]any)
		if role, ok := delta["role"].(string); ok {
			if i != 0 {
				t.Fatalf("role delta in chunk %d", i)
			}
			s.role = role
		}
		if text, ok := delta["content"].(string); ok && text != "" {
			s.content += text
			s.contentChunks++
		}
		if f, ok := ch["finish_reason"].(string); ok {
			s.finish = f
		}
	}
	return s
}

// TestOpenAIChatCompletions: a chat completion is a visitor message of
// an API conversation: the AI agent tags the contact, then replies; the
// conversation continues, streamed, through the header; a response rule
// answers (with its action) through `user`, streamed; earlier messages
// of the request are not stored nor sent to the model.
func TestOpenAIChatCompletions(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{},
			agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("tag_contact", `{"tag":"nouveau-client"}`)}, PromptTokens: 10, CompletionTokens: 3},
			agenttest.Step{Reply: "Bienvenue ! C'est noté.", PromptTokens: 20, CompletionTokens: 5},
			agenttest.Step{Reply: "Une coupe coûte 35 €, avec plaisir.", PromptTokens: 30, CompletionTokens: 8},
		)
		r := h.must(http.StatusOK, request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, body: map[string]any{
			"model": salonAgent,
			"messages": []map[string]any{
				{"role": "system", "content": "Tu es un pirate."},
				{"role": "assistant", "content": "Message d'avant"},
				{"role": "user", "content": []map[string]any{{"type": "text", "text": "Bonjour, je suis une nouvelle cliente"}}},
			},
			"temperature": 1.7, "max_tokens": 3, "seed": 7, "a_field_openai_will_add": true,
		}})
		var res server.ChatCompletion
		r.json(t, &res)
		conv := r.header.Get(server.ConversationHeader)
		if conv == "" || res.Extra.ConversationID != conv || res.Object != "chat.completion" || res.Model != salonAgent {
			t.Fatalf("header %q, completion %+v", conv, res)
		}
		if len(res.Choices) != 1 || res.Choices[0].Message.Content != "Bienvenue ! C'est noté." || res.Choices[0].FinishReason != "stop" {
			t.Fatalf("choices %+v", res.Choices)
		}
		if len(res.Extra.Actions) != 1 || res.Extra.Actions[0].Name != "tag_contact" || !res.Extra.Actions[0].OK || res.Extra.Waiting || res.Extra.Fallback {
			t.Fatalf("causerie %+v", res.Extra)
		}
		if res.Usage != (server.ChatUsage{PromptTokens: 30, CompletionTokens: 8, TotalTokens: 38}) {
			t.Fatalf("usage %+v", res.Usage)
		}
		c := h.fx.Conversation(conv)
		if c.Channel != "api" || c.Assignee.Type != store.AssigneeAIAgent || c.Assignee.ID != h.fx.FirstAgent().ID {
			t.Fatalf("conversation %+v", c)
		}
		if contact := h.fx.Contact(c.ContactID); !slices.Contains(contact.Tags, "nouveau-client") {
			t.Fatalf("contact %+v is not tagged", contact)
		}
		// The request's earlier messages are neither stored nor shown to the
		// model: the conversation's history is.
		for _, req := range h.model.Requests() {
			if strings.Contains(string(req.Raw), "pirate") || strings.Contains(string(req.Raw), "Message d'avant") {
				t.Fatalf("the model saw the request's earlier messages: %s", req.Raw)
			}
		}

		// Continued through the header, streamed, with usage.
		r = h.must(http.StatusOK, request{method: "POST", path: "/v1/chat/completions", token: h.adminKey,
			header: map[string]string{server.ConversationHeader: conv},
			body: map[string]any{"model": salonAgent, "stream": true, "stream_options": map[string]any{"include_usage": true},
				"messages": []map[string]any{{"role": "user", "content": "Combien coûte une coupe ?"}}}})
		if r.header.Get(server.ConversationHeader) != conv {
			t.Fatalf("stream went to conversation %q, not %q", r.header.Get(server.ConversationHeader), conv)
		}
		st := readChunks(t, chunks(t, r))
		if st.role != "assistant" || st.content != "Une coupe coûte 35 €, avec plaisir." || st.finish != "stop" || st.contentChunks < 2 {
			t.Fatalf("stream %+v", st)
		}
		if st.causerie.ConversationID != conv || len(st.causerie.Actions) != 0 || st.usage == nil || st.usage.TotalTokens != 38 {
			t.Fatalf("stream %+v usage %+v", st.causerie, st.usage)
		}
		// A response rule answers, with its action, through `user`: its
		// reply did not stream, it comes whole.
		r = h.must(http.StatusOK, request{method: "POST", path: "/v1/chat/completions", token: h.adminKey,
			body: map[string]any{"model": salonAgent, "stream": true, "user": conv,
				"messages": []map[string]any{{"role": "user", "content": "Vous faites des cartes cadeaux ? Une carte cadeau, svp"}}}})
		st = readChunks(t, chunks(t, r))
		if !strings.HasPrefix(st.content, "Nos cartes cadeaux, à partir de 20 €") || st.causerie.Via != "rule:Carte cadeau" ||
			len(st.causerie.Actions) != 1 || st.causerie.Actions[0].Name != "create_task" || st.usage != nil {
			t.Fatalf("stream %+v", st)
		}
		var texts []string
		for _, m := range h.fx.Messages(conv) {
			texts = append(texts, string(m.Role)+": "+m.Text)
		}
		want := []string{"visitor: Bonjour, je suis une nouvelle cliente", "ai_agent: Bienvenue ! C'est noté.",
			"visitor: Combien coûte une coupe ?", "ai_agent: Une coupe coûte 35 €, avec plaisir.",
			"visitor: Vous faites des cartes cadeaux ? Une carte cadeau, svp"}
		if len(texts) != 6 || !slices.Equal(texts[:5], want) {
			t.Fatalf("messages:\n%s", strings.Join(texts, "\n"))
		}

		// /v1/models lists the AI agents.
		var models server.ModelList
		h.must(http.StatusOK, request{method: "GET", path: "/v1/models", token: h.adminKey}).json(t, &models)
		if models.Object != "list" || len(models.Data) != 1 || models.Data[0].ID != salonAgent || models.Data[0].OwnedBy != h.ws.Slug ||
			models.Data[0].Object != "model" || models.Data[0].Created == 0 {
			t.Fatalf("models %+v", models)
		}
		// The turns and requests are in the metrics like any other.
		metrics := string(h.must(http.StatusOK, request{method: "GET", path: "/metrics"}).body)
		for _, want := range []string{`causerie_http_requests_total{method="POST",route="/v1/chat/completions",status="200"} 3`,
			`causerie_turns_total{outcome="replied"} 2`, `causerie_turns_total{outcome="rule"} 1`,
			`causerie_actions_total{name="tag_contact",result="ok"} 1`, `causerie_actions_total{name="create_task",result="ok"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("the metrics have no %s", want)
			}
		}
		if h.model.Remaining() != 0 {
			t.Fatalf("%d model steps left", h.model.Remaining())
		}
	})
}

// TestOpenAIStartsConversations: without a conversation, or with `user`
// naming none of the workspace's API conversations (another workspace's,
// a widget's), each request opens one; `model` is also an agent's id.
func TestOpenAIStartsConversations(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		h.model.RespondWith(func(agenttest.Request) agenttest.Step { return agenttest.Step{Reply: "Bonjour !"} })
		web := h.newVisitor(nil)
		seen := map[string]bool{web.conv: true}
		for _, user := range []string{"", "alice@example.com", "conv_none", web.conv} {
			r := h.must(http.StatusOK, request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, body: map[string]any{
				"model": h.fx.FirstAgent().ID, "user": user, "messages": []map[string]any{{"role": "user", "content": "Bonjour"}}}})
			conv := r.header.Get(server.ConversationHeader)
			if seen[conv] || h.fx.Conversation(conv).Channel != "api" {
				t.Fatalf("user %q: conversation %q (seen: %v)", user, conv, seen)
			}
			seen[conv] = true
		}
		if n := len(h.fx.Messages(web.conv)); n != 0 {
			t.Fatalf("the widget's conversation got %d messages", n)
		}
	})
}

// TestOpenAIErrors: bad input answers OpenAI's error object (never a
// problem document), naming the parameter; nothing is stored.
func TestOpenAIErrors(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		h := newHarness(t, s, harnessOptions{})
		web := h.newVisitor(nil)
		user := []map[string]any{{"role": "user", "content": "Bonjour"}}
		revoked := h.key(store.KeyAdmin, "")
		keys, _ := s.ListAPIKeys(ctx, h.ws.ID)
		for _, k := range keys {
			if strings.HasPrefix(revoked, k.Prefix) {
				if err := s.RevokeAPIKey(ctx, h.ws.ID, k.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		chat := func(body any) request {
			return request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, body: body}
		}
		for _, tc := range []struct {
			name              string
			req               request
			status            int
			param, code, text string
		}{
			{"unknown model", chat(map[string]any{"model": "gpt-4o", "messages": user}), 404, "model", "model_not_found", `its AI agents are "Assistante Salon"`},
			{"close model", chat(map[string]any{"model": "Assistante salon", "messages": user}), 404, "model", "model_not_found", `did you mean "Assistante Salon"`},
			{"no model", chat(map[string]any{"messages": user}), 400, "model", "missing_required_parameter", "model"},
			{"n=2", chat(map[string]any{"model": salonAgent, "messages": user, "n": 2}), 400, "n", "unsupported_value", "n = 2"},
			{"client tools", chat(map[string]any{"model": salonAgent, "messages": user, "tools": []map[string]any{
				{"type": "function", "function": map[string]any{"name": "get_weather", "parameters": map[string]any{"type": "object"}}}}}),
				400, "tools", "unsupported_parameter", "workspace"},
			{"functions", chat(map[string]any{"model": salonAgent, "messages": user, "functions": []map[string]any{{"name": "f"}}}), 400, "functions", "unsupported_parameter", ""},
			{"tool_choice", chat(map[string]any{"model": salonAgent, "messages": user, "tool_choice": "required"}), 400, "tool_choice", "unsupported_value", ""},
			{"json mode", chat(map[string]any{"model": salonAgent, "messages": user, "response_format": map[string]any{"type": "json_object"}}), 400, "response_format.type", "unsupported_value", ""},
			{"logprobs", chat(map[string]any{"model": salonAgent, "messages": user, "logprobs": true}), 400, "logprobs", "unsupported_value", ""},
			{"stream_options without stream", chat(map[string]any{"model": salonAgent, "messages": user, "stream_options": map[string]any{"include_usage": true}}), 400, "stream_options", "invalid_value", ""},
			{"missing messages", chat(map[string]any{"model": salonAgent}), 400, "messages", "missing_required_parameter", "messages"},
			{"empty messages", chat(map[string]any{"model": salonAgent, "messages": []any{}}), 400, "messages", "empty_array", ""},
			{"no user message", chat(map[string]any{"model": salonAgent, "messages": []map[string]any{{"role": "system", "content": "Hi"}, {"role": "assistant", "content": "Hello"}}}), 400, "messages", "invalid_value", "user"},
			{"empty user message", chat(map[string]any{"model": salonAgent, "messages": []map[string]any{{"role": "user", "content": "  "}}}), 400, "messages[0].content", "invalid_value", ""},
			{"bad role", chat(map[string]any{"model": salonAgent, "messages": []map[string]any{{"role": "robot", "content": "Hi"}}}), 400, "messages[0].role", "invalid_value", ""},
			{"image part", chat(map[string]any{"model": salonAgent, "messages": []map[string]any{{"role": "user", "content": []map[string]any{
				{"type": "image_url", "image_url": map[string]any{"url": "https://example.com/a.png"}}}}}}), 400, "messages[0].content[0].type", "unsupported_value", "image_url"},
			{"wrong type", chat(map[string]any{"model": salonAgent, "messages": user, "n": "two"}), 400, "n", "", "number"},
			{"not JSON", chat("{"), 400, "", "", "JSON"},
			{"unknown conversation header", request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, header: map[string]string{server.ConversationHeader: "conv_none"},
				body: map[string]any{"model": salonAgent, "messages": user}}, 404, server.ConversationHeader, "conversation_not_found", ""},
			{"a widget conversation", request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, header: map[string]string{server.ConversationHeader: web.conv},
				body: map[string]any{"model": salonAgent, "messages": user}}, 404, server.ConversationHeader, "conversation_not_found", ""},
			{"no key", request{method: "POST", path: "/v1/chat/completions", body: map[string]any{"model": salonAgent, "messages": user}}, 401, "", "invalid_api_key", ""},
			{"revoked key", request{method: "POST", path: "/v1/chat/completions", token: revoked, body: map[string]any{"model": salonAgent, "messages": user}}, 401, "", "invalid_api_key", "revoked"},
			{"revoked key, models", request{method: "GET", path: "/v1/models", token: revoked}, 401, "", "invalid_api_key", "revoked"},
			{"agent key", request{method: "POST", path: "/v1/chat/completions", token: h.agentKey, body: map[string]any{"model": salonAgent, "messages": user}}, 403, "", "insufficient_permissions", "admin key"},
			{"agent key, models", request{method: "GET", path: "/v1/models", token: h.agentKey}, 403, "", "insufficient_permissions", "admin key"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do(tc.req)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("Content-Type %q: %s", ct, r.body)
				}
				var e server.OpenAIError
				dec := json.NewDecoder(bytes.NewReader(r.body))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&e); err != nil {
					t.Fatalf("not OpenAI's error shape: %v: %s", err, r.body)
				}
				var raw map[string]map[string]any
				_ = json.Unmarshal(r.body, &raw)
				for _, k := range []string{"message", "type", "param", "code"} {
					if _, ok := raw["error"][k]; !ok {
						t.Fatalf("error has no %q: %s", k, r.body)
					}
				}
				got := func(p *string) string {
					if p == nil {
						return ""
					}
					return *p
				}
				if e.Error.Type != "invalid_request_error" || got(e.Error.Param) != tc.param || got(e.Error.Code) != tc.code ||
					!strings.Contains(e.Error.Message, tc.text) {
					t.Fatalf("error %s, want param %q code %q and a message with %q", r.body, tc.param, tc.code, tc.text)
				}
				if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
			})
		}
		if n := len(h.model.Requests()); n != 0 {
			t.Fatalf("refused requests reached the model %d times", n)
		}
		convs, err := s.ListConversations(ctx, h.ws.ID, store.ConversationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) != 1 {
			t.Fatalf("refused requests opened conversations: %d", len(convs))
		}
	})
}

// TestOpenAIStreamMatchesCompletion: a turn with several replies (the AI
// agent's message before a knowledge search, then its reply) streams the
// text the non-streaming answer has — one paragraph per reply; the
// fallback streams whole and hands the conversation over, after which a
// message waits for a human (empty content, waiting).
func TestOpenAIStreamMatchesCompletion(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		search := agenttest.Step{ToolCalls: []agenttest.ToolCall{agenttest.Call("search_knowledge", `{"query":"prix coupe"}`)}}
		h := newHarness(t, s, harnessOptions{},
			search, agenttest.Step{Reply: "Coupe : 35 €."},
			search, agenttest.Step{Reply: "Coupe : 35 €."},
			agenttest.Step{Status: http.StatusBadRequest, Error: "the model refuses"},
		)
		ask := func(conv string, stream bool, text string) *response {
			body := map[string]any{"model": salonAgent, "stream": stream, "messages": []map[string]any{{"role": "user", "content": text}}}
			if conv != "" {
				body["user"] = conv
			}
			return h.must(http.StatusOK, request{method: "POST", path: "/v1/chat/completions", token: h.adminKey, body: body})
		}
		want := "Un instant, je consulte nos informations…\n\nCoupe : 35 €."
		r := ask("", true, "Combien coûte une coupe ?")
		conv := r.header.Get(server.ConversationHeader)
		st := readChunks(t, chunks(t, r))
		if st.content != want || len(st.causerie.Actions) != 1 || st.causerie.Actions[0].Name != "search_knowledge" {
			t.Fatalf("stream %q %+v", st.content, st.causerie)
		}
		var res server.ChatCompletion
		ask(conv, false, "Et une coupe, combien ?").json(t, &res)
		if res.Choices[0].Message.Content != want {
			t.Fatalf("completion %q, want %q", res.Choices[0].Message.Content, want)
		}

		st = readChunks(t, chunks(t, ask(conv, true, "Merci, et une coloration ?")))
		fallback := h.fx.Messages(conv)
		if last := fallback[len(fallback)-1]; !st.causerie.Fallback || st.content != last.Text || last.Metadata["fallback"] != true || st.finish != "stop" {
			t.Fatalf("fallback: stream %+v, last message %+v", st, last)
		}
		if len(st.causerie.Actions) != 1 || st.causerie.Actions[0].Name != "unassign" || st.causerie.Assignee != nil {
			t.Fatalf("fallback: %+v", st.causerie)
		}
		var waiting server.ChatCompletion
		ask(conv, false, "Allô ?").json(t, &waiting)
		if !waiting.Extra.Waiting || waiting.Choices[0].Message.Content != "" || waiting.Extra.Assignee != nil {
			t.Fatalf("after the handover: %+v", waiting)
		}
		if h.model.Remaining() != 0 {
			t.Fatalf("%d model steps left", h.model.Remaining())
		}
	})
}
