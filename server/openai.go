package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
)

// The OpenAI-compatible endpoint: any OpenAI client (its base URL set to
// the server's /v1, its API key an admin key) chats with the workspace's
// AI agents, `model` naming one. The visitor's message — the last `user`
// message of the request — goes through the conversation pipeline like
// any other (flows, rules, the AI agent's actions before its reply);
// earlier messages are ignored, the conversation's own history being the
// source of truth. Errors are OpenAI's error objects, which OpenAI
// clients parse, not problem documents.
//
// Only admin keys are accepted: an agent key is a human agent's, and the
// inbox shows it only some conversations and records what it does under
// its user; this endpoint speaks as the visitor of any API conversation of
// the workspace, and opens conversations and contacts.
func (s *Server) openaiRoutes() []Route {
	mw := []echo.MiddlewareFunc{s.openaiErrors}
	return []Route{
		{Method: http.MethodPost, Path: "/v1/chat/completions", Access: Admin, handle: s.chatCompletions, middleware: mw},
		{Method: http.MethodGet, Path: "/v1/models", Access: Admin, handle: s.listModels, middleware: mw},
	}
}

// ConversationHeader names the conversation a chat completion continues
// (request) or was handled in (response).
const ConversationHeader = "X-Causerie-Conversation"

// OpenAIChannel is the channel of the conversations the endpoint opens.
const OpenAIChannel = "api"

// ChatCompletionRequest is what the endpoint reads of OpenAI's request;
// other fields (temperature, max_tokens, top_p, stop, seed, metadata…)
// are ignored, as unknown fields are.
type ChatCompletionRequest struct {
	// Model names the AI agent (its name or id).
	Model    string        `json:"model"`
	Messages []ChatMessage `json:"messages"`
	Stream   bool          `json:"stream"`
	// StreamOptions.IncludeUsage adds a usage chunk to a stream.
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	// User, when it is the id of an API conversation of the workspace,
	// continues it (X-Causerie-Conversation takes precedence).
	User string `json:"user"`

	// Refused when they ask for what the endpoint cannot do.
	N              *int            `json:"n"`
	Tools          json.RawMessage `json:"tools"`
	Functions      json.RawMessage `json:"functions"`
	ToolChoice     json.RawMessage `json:"tool_choice"`
	FunctionCall   json.RawMessage `json:"function_call"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Logprobs    *bool           `json:"logprobs"`
	TopLogprobs *int            `json:"top_logprobs"`
	Modalities  []string        `json:"modalities"`
	Audio       json.RawMessage `json:"audio"`
}

// ChatMessage is a message of a chat completion request; Content is a
// string or an array of content parts.
type ChatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// ChatCompletion is the answer of a non-streaming request.
type ChatCompletion struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []ChatChoice   `json:"choices"`
	Usage   ChatUsage      `json:"usage"`
	Extra   CauserieResult `json:"causerie"`
}

// ChatChoice is the one choice of a completion.
type ChatChoice struct {
	Index        int             `json:"index"`
	Message      ChatReply       `json:"message"`
	FinishReason string          `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// ChatReply is the assistant's message: the replies of the turn, one
// paragraph each ("" when the conversation waits for a human).
type ChatReply struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

// ChatUsage is the model tokens the turn used.
type ChatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// CauserieResult is the extension field of a completion (the last chunk
// of a stream): what the turn did beyond its text. Strict clients ignore
// it.
type CauserieResult struct {
	ConversationID string `json:"conversation_id"`
	// MessageID is the stored visitor message.
	MessageID string                      `json:"message_id"`
	Actions   []conversation.PublicAction `json:"actions"`
	// Via names what answered when it was not the AI agent: "flow:<key>",
	// "rule:<name>".
	Via      string                       `json:"via,omitempty"`
	Waiting  bool                         `json:"waiting"`
	Fallback bool                         `json:"fallback"`
	Notice   string                       `json:"notice,omitempty"`
	Status   store.ConversationStatus     `json:"status,omitempty"`
	Assignee *conversation.PublicAssignee `json:"assignee,omitempty"`
}

// ChatChunk is one chunk of a stream.
type ChatChunk struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []ChunkChoice   `json:"choices"`
	Usage   *ChatUsage      `json:"usage,omitempty"`
	Extra   *CauserieResult `json:"causerie,omitempty"`
}

// ChunkChoice is a chunk's choice.
type ChunkChoice struct {
	Index        int       `json:"index"`
	Delta        ChunkText `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
}

// ChunkText is a chunk's delta.
type ChunkText struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// ModelList answers GET /v1/models: the workspace's AI agents.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}

// Model is an AI agent as OpenAI clients list models.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// OpenAIError is the error body of the endpoint, as OpenAI sends it.
type OpenAIError struct {
	Error OpenAIErrorBody `json:"error"`
}

// OpenAIErrorBody says what went wrong; Param is the request field.
type OpenAIErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// oaiError is an error of the endpoint, answered in OpenAI's shape.
type oaiError struct {
	status            int
	kind, code, param string
	message           string
	retryAfter        int
}

func (e *oaiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func (e *oaiError) body() OpenAIError {
	b := OpenAIErrorBody{Message: e.message, Type: e.kind}
	if e.param != "" {
		b.Param = &e.param
	}
	if e.code != "" {
		b.Code = &e.code
	}
	return OpenAIError{Error: b}
}

// invalidParam is a 400 about one request field.
func invalidParam(param, code, format string, args ...any) *oaiError {
	return &oaiError{status: http.StatusBadRequest, kind: "invalid_request_error", code: code, param: param,
		message: fmt.Sprintf(format, args...)}
}

// openaiErrors answers the errors of the endpoint's routes — the
// authentication's, the body cap's, the handlers' — in OpenAI's shape.
func (s *Server) openaiErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		err := next(c)
		if err == nil {
			return nil
		}
		if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
			s.log(c).Error("request failed after its answer began", "error", err.Error())
			return nil
		}
		var e *oaiError
		if !errors.As(err, &e) {
			e = openaiOf(s.asProblem(c, err))
		}
		h := c.Response().Header()
		if e.retryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(e.retryAfter))
		}
		if e.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Bearer realm="causerie"`)
		}
		return c.JSON(e.status, e.body())
	}
}

// openaiOf translates a problem document: its detail is the message, its
// first field the param, its kind the code.
func openaiOf(p *Problem) *oaiError {
	e := &oaiError{status: p.Status, kind: "invalid_request_error", message: p.Detail, retryAfter: p.retryAfter}
	if p.Status >= 500 {
		e.kind = "server_error"
	}
	if len(p.Errors) > 0 {
		if f := p.Errors[0].Field; f != "body" {
			e.param, _ = strings.CutPrefix(f, "body.")
		}
	}
	switch kind := strings.TrimPrefix(p.Type, problemBase); kind {
	case "unauthorized":
		e.code = "invalid_api_key"
	case "forbidden":
		e.code = "insufficient_permissions"
	case "too-large":
		e.code = "request_too_large"
	case "invalid-request":
	default:
		e.code = strings.ReplaceAll(kind, "-", "_")
	}
	return e
}

func (s *Server) listModels(c *echo.Context) error {
	ws := who(c).ws
	agents, err := s.store.ListAIAgents(c.Request().Context(), ws.ID)
	if err != nil {
		return err
	}
	list := ModelList{Object: "list", Data: []Model{}}
	for _, a := range agents {
		list.Data = append(list.Data, Model{ID: a.Name, Object: "model", Created: a.CreatedAt.Unix(), OwnedBy: ws.Slug})
	}
	return c.JSON(http.StatusOK, list)
}

// chatTurn is a request checked: the visitor's text, the AI agent, the
// conversation.
type chatTurn struct {
	req   ChatCompletionRequest
	text  string
	agent *store.AIAgent
	conv  *store.Conversation
}

func (s *Server) chatCompletions(c *echo.Context) error {
	p := who(c)
	var req ChatCompletionRequest
	if err := decodeLenient(c, &req); err != nil {
		return err
	}
	text, err := checkChatRequest(&req)
	if err != nil {
		return err
	}
	ag, err := s.modelAgent(c, p.ws, req.Model)
	if err != nil {
		return err
	}
	conv, err := s.chatConversation(c, p.ws, ag, req.User)
	if err != nil {
		return err
	}
	attrs(c).conversation = conv.ID
	c.Response().Header().Set(ConversationHeader, conv.ID)
	t := &chatTurn{req: req, text: text, agent: ag, conv: conv}
	in := conversation.Inbound{WorkspaceID: p.ws.ID, ConversationID: conv.ID, Text: text}
	if req.Stream {
		return s.streamCompletion(c, t, in)
	}
	stored, finished, err := s.startHandle(c, in)
	if err != nil {
		return err
	}
	visitor, err := storedOrRefused(stored, finished)
	if err != nil {
		return err
	}
	timer := time.NewTimer(s.opts.WaitTimeout)
	defer timer.Stop()
	var d turnDone
	select {
	case d = <-finished:
	case <-timer.C:
		return &oaiError{status: http.StatusGatewayTimeout, kind: "server_error", code: "timeout",
			message: fmt.Sprintf("the turn is still running after %s; its reply will be in conversation %s (continue it with the %s header)",
				s.opts.WaitTimeout, conv.ID, ConversationHeader)}
	}
	if d.err != nil {
		return d.err
	}
	var texts []string
	for _, m := range d.out.Replies {
		texts = append(texts, m.Text)
	}
	res := ChatCompletion{ID: "chatcmpl-" + visitor.ID, Object: "chat.completion", Created: s.opts.Now().Unix(), Model: ag.Name,
		Choices: []ChatChoice{{Message: ChatReply{Role: "assistant", Content: strings.Join(texts, "\n\n")}, FinishReason: "stop",
			Logprobs: json.RawMessage("null")}},
		Usage: usageOf(d.out), Extra: s.causerieResult(c, conv, d.out)}
	return c.JSON(http.StatusOK, res)
}

// decodeLenient reads a JSON body as OpenAI does: unknown fields are
// ignored, wrong types refused.
func decodeLenient(c *echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidParam("", "", "the body holds more than one JSON value; send one object")
	}
	return nil
}

// checkChatRequest refuses what the endpoint cannot do, as OpenAI
// refuses what a model cannot, and returns the visitor's text: the last
// user message.
func checkChatRequest(req *ChatCompletionRequest) (string, error) {
	given := func(raw json.RawMessage) bool {
		s := string(bytes.TrimSpace(raw))
		return s != "" && s != "null" && s != "[]"
	}
	switch {
	case req.Model == "":
		return "", invalidParam("model", "missing_required_parameter", "you must provide a model parameter: the name or id of an AI agent of the workspace (GET /v1/models lists them)")
	case req.Messages == nil:
		return "", invalidParam("messages", "missing_required_parameter", "missing required parameter: 'messages'")
	case len(req.Messages) == 0:
		return "", invalidParam("messages", "empty_array", "invalid 'messages': empty array; expected an array with at least the visitor's user message")
	case req.N != nil && *req.N != 1:
		return "", invalidParam("n", "unsupported_value", "n = %d is not supported: a conversation has one reply per message; leave n out or set it to 1", *req.N)
	case given(req.Tools):
		return "", invalidParam("tools", "unsupported_parameter", "tools are not accepted: the AI agent's tools are the actions its workspace enables")
	case given(req.Functions):
		return "", invalidParam("functions", "unsupported_parameter", "functions are not accepted: the AI agent's tools are the actions its workspace enables")
	case given(req.ToolChoice) && string(bytes.TrimSpace(req.ToolChoice)) != `"auto"`:
		return "", invalidParam("tool_choice", "unsupported_value", "tool_choice can only be \"auto\": the AI agent decides which of its actions to take")
	case given(req.FunctionCall) && string(bytes.TrimSpace(req.FunctionCall)) != `"auto"`:
		return "", invalidParam("function_call", "unsupported_value", "function_call can only be \"auto\": the AI agent decides which of its actions to take")
	case req.ResponseFormat != nil && req.ResponseFormat.Type != "" && req.ResponseFormat.Type != "text":
		return "", invalidParam("response_format.type", "unsupported_value", "response_format %q is not supported: the AI agent answers in text", req.ResponseFormat.Type)
	case req.Logprobs != nil && *req.Logprobs:
		return "", invalidParam("logprobs", "unsupported_value", "logprobs are not available")
	case req.TopLogprobs != nil && *req.TopLogprobs > 0:
		return "", invalidParam("top_logprobs", "unsupported_value", "logprobs are not available")
	case given(req.Audio):
		return "", invalidParam("audio", "unsupported_parameter", "audio output is not available: the AI agent answers in text")
	case req.StreamOptions != nil && !req.Stream:
		return "", invalidParam("stream_options", "invalid_value", "the 'stream_options' parameter is only allowed when 'stream' is enabled")
	}
	for _, m := range req.Modalities {
		if m != "text" {
			return "", invalidParam("modalities", "unsupported_value", "modality %q is not available: the AI agent answers in text", m)
		}
	}
	last := -1
	for i, m := range req.Messages {
		switch m.Role {
		case "user":
			last = i
		case "system", "developer", "assistant", "tool", "function":
		default:
			return "", invalidParam(fmt.Sprintf("messages[%d].role", i), "invalid_value",
				"%q is not a message role; use system, developer, user, assistant or tool", m.Role)
		}
	}
	if last < 0 {
		return "", invalidParam("messages", "invalid_value", "the messages have no user message: the last message with role \"user\" is the visitor's message")
	}
	text, err := contentText(req.Messages[last].Content, fmt.Sprintf("messages[%d].content", last))
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", invalidParam(fmt.Sprintf("messages[%d].content", last), "invalid_value", "the last user message is empty; it is the visitor's message")
	}
	return text, nil
}

// contentText is the text of a message's content: a string, or text
// parts (joined by line breaks).
func contentText(raw json.RawMessage, param string) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", invalidParam(param, "invalid_type", "a message's content is a string or an array of content parts")
	}
	var texts []string
	for i, p := range parts {
		if p.Type != "text" {
			return "", invalidParam(fmt.Sprintf("%s[%d].type", param, i), "unsupported_value",
				"content parts of type %q are not supported; send the visitor's message as text", p.Type)
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}

// modelAgent is the AI agent model names (its name or id); an unknown one
// is a 404 listing the workspace's agents.
func (s *Server) modelAgent(c *echo.Context, ws *store.Workspace, model string) (*store.AIAgent, error) {
	agents, err := s.store.ListAIAgents(c.Request().Context(), ws.ID)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(agents))
	for i, a := range agents {
		if a.Name == model || a.ID == model {
			return a, nil
		}
		names[i] = a.Name
	}
	msg := fmt.Sprintf("the model %q does not exist: a model is an AI agent of the workspace, by name or id", model)
	if close := suggest.Close(model, names); close != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", close)
	}
	if len(names) == 0 {
		msg += "; the workspace has no AI agent"
	} else {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = strconv.Quote(n)
		}
		msg += "; its AI agents are " + strings.Join(quoted, ", ")
	}
	return nil, &oaiError{status: http.StatusNotFound, kind: "invalid_request_error", code: "model_not_found", param: "model", message: msg}
}

// chatConversation is the conversation the request continues: the one
// the X-Causerie-Conversation header names (404 when the workspace has no
// such API conversation), else the one user names when it is an API
// conversation of the workspace, else a new one with a new contact,
// handled by ag. A conversation of another channel (the widget's, a
// call) is not continued: its visitor is someone else.
func (s *Server) chatConversation(c *echo.Context, ws *store.Workspace, ag *store.AIAgent, user string) (*store.Conversation, error) {
	ctx := c.Request().Context()
	find := func(id string) (*store.Conversation, error) {
		conv, err := s.store.GetConversation(ctx, ws.ID, id)
		if err == nil && conv.Channel != OpenAIChannel {
			err = store.ErrNotFound
		}
		return conv, err
	}
	if id := c.Request().Header.Get(ConversationHeader); id != "" {
		conv, err := find(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &oaiError{status: http.StatusNotFound, kind: "invalid_request_error", code: "conversation_not_found",
				param: ConversationHeader, message: fmt.Sprintf("the workspace has no API conversation %q; leave the %s header out to start one", id, ConversationHeader)}
		}
		return conv, err
	}
	if user != "" {
		conv, err := find(user)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return conv, err
		}
	}
	return s.rt.Start(ctx, ws, &store.Contact{}, OpenAIChannel, ag.ID)
}

func usageOf(out *conversation.Outcome) ChatUsage {
	return ChatUsage{PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens,
		TotalTokens: out.Usage.PromptTokens + out.Usage.CompletionTokens}
}

func (s *Server) causerieResult(c *echo.Context, conv *store.Conversation, out *conversation.Outcome) CauserieResult {
	r := CauserieResult{ConversationID: conv.ID, MessageID: out.Visitor.ID, Actions: []conversation.PublicAction{},
		Via: out.Via, Waiting: out.Waiting, Fallback: out.Fallback, Notice: out.Notice}
	for _, a := range out.Actions {
		r.Actions = append(r.Actions, conversation.PublicActionOf(a, ""))
	}
	if now, err := s.store.GetConversation(c.Request().Context(), conv.WorkspaceID, conv.ID); err == nil {
		r.Status, r.Assignee = now.Status, conversation.AssigneeOf(now.Assignee)
	}
	return r
}

// streamCompletion answers a request with stream: a role chunk, the
// reply's text as it streams (the conversation's delta events; replies
// that did not stream — a flow's, a rule's, the fallback — whole, when
// they are stored), a chunk with finish_reason "stop" and the causerie
// extension, the usage chunk when asked, then [DONE]. Replies are
// separated by a blank line, as in a non-streaming answer.
func (s *Server) streamCompletion(c *echo.Context, t *chatTurn, in conversation.Inbound) error {
	ctx := c.Request().Context()
	// Subscribe before the turn starts, so that none of its events is
	// missed.
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := s.rt.Subscribe(subCtx, in.WorkspaceID, in.ConversationID)
	stored, finished, err := s.startHandle(c, in)
	if err != nil {
		return err
	}
	visitor, err := storedOrRefused(stored, finished)
	if err != nil {
		return err
	}

	id, created := "chatcmpl-"+visitor.ID, s.opts.Now().Unix()
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()
	rc := http.NewResponseController(w)
	bw := bufio.NewWriter(w)
	send := func(v any) bool {
		raw, _ := json.Marshal(v)
		bw.WriteString("data: ")
		bw.Write(raw)
		bw.WriteString("\n\n")
		return bw.Flush() == nil && rc.Flush() == nil
	}
	chunk := func(delta ChunkText, finish *string) ChatChunk {
		return ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: t.agent.Name,
			Choices: []ChunkChoice{{Delta: delta, FinishReason: finish}}}
	}
	text := func(piece string) bool { return send(chunk(ChunkText{Content: &piece}, nil)) }
	empty := ""
	if !send(chunk(ChunkText{Role: "assistant", Content: &empty}, nil)) {
		return nil
	}

	// replies counts the turn's replies so far; inReply is set while a
	// reply streams.
	replies, inReply := 0, false
	// begun is set once the visitor's message is seen: deltas before it
	// are a previous turn's.
	begun := false
	seen := map[string]bool{}
	reply := func(m *store.Message) bool {
		seen[m.ID] = true
		streamed, _ := m.Metadata["streamed"].(bool)
		ok := true
		if !streamed { // its text was not sent as deltas
			sep := ""
			if replies > 0 {
				sep = "\n\n"
			}
			ok = text(sep + m.Text)
		}
		replies++
		inReply = false
		return ok
	}
	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	var done *turnDone
	ended := false
	for !ended || done == nil {
		select {
		case ev, open := <-events:
			if !open {
				ended = true // subscription dropped: the outcome says the rest
				events = nil
				continue
			}
			switch ev.Kind {
			case conversation.EventDelta:
				if !begun {
					continue
				}
				piece := ev.Text
				if !inReply && replies > 0 {
					piece = "\n\n" + piece
				}
				inReply = true
				if !text(piece) {
					return nil
				}
			case conversation.EventMessage:
				if ev.Message.ID == visitor.ID {
					begun = true
				}
				if m := ev.Message; m.Role == store.RoleAIAgent && inReplyTo(m) == visitor.Seq {
					if !reply(m) {
						return nil
					}
				}
			case conversation.EventTurnEnded:
				if ev.Outcome != nil && ev.Outcome.Visitor != nil && ev.Outcome.Visitor.ID == visitor.ID {
					ended, events = true, nil
				}
			}
		case d := <-finished:
			done = &d
			finished = nil
		case <-beat.C:
			bw.WriteString(": keep-alive\n\n")
			if bw.Flush() != nil || rc.Flush() != nil {
				return nil
			}
		case <-ctx.Done():
			return nil // the client left; the turn goes on
		}
	}
	if done.err != nil {
		s.log(c).Error("turn failed", "error", done.err.Error())
		e := openaiOf(s.asProblem(c, done.err))
		send(e.body())
		return nil
	}
	for _, m := range done.out.Replies {
		if !seen[m.ID] && !reply(m) {
			return nil
		}
	}
	stop := "stop"
	last := chunk(ChunkText{}, &stop)
	extra := s.causerieResult(c, t.conv, done.out)
	last.Extra = &extra
	if !send(last) {
		return nil
	}
	if t.req.StreamOptions != nil && t.req.StreamOptions.IncludeUsage {
		u := usageOf(done.out)
		if !send(ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: t.agent.Name, Choices: []ChunkChoice{}, Usage: &u}) {
			return nil
		}
	}
	bw.WriteString("data: [DONE]\n\n")
	_ = bw.Flush()
	_ = rc.Flush()
	return nil
}

// inReplyTo is the seq of the visitor message a reply answers (0: none).
func inReplyTo(m *store.Message) int64 {
	switch v := m.Metadata["in_reply_to"].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}
