// Package agenttest is a scripted OpenAI-compatible server for tests: it
// plays a script of responses (replies, tool calls, errors, delays, cut
// streams, transcripts), streams when asked, and records every request.
// Tests of the agent use it through the real client, over HTTP, on
// loopback.
package agenttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Step is one scripted answer.
type Step struct {
	// Reply is the assistant's text.
	Reply string
	// ToolCalls are the calls the assistant makes (IDs default to
	// call_<request>_<i>).
	ToolCalls []ToolCall
	// Status, when not zero, answers with this HTTP error; Error is its
	// message and RetryAfter its Retry-After header.
	Status     int
	Error      string
	RetryAfter string
	// Delay waits before answering (a slow model, or a timeout).
	Delay time.Duration
	// CutAfter, when streaming, drops the connection after that many
	// chunks, before the end of the answer.
	CutAfter int
	// NoIndex streams tool calls without "index", repeating the id on
	// every delta, as some OpenAI-compatible servers do.
	NoIndex bool
	// PlainError, with Status, answers with the body {"error": "<Error>"}
	// — a plain string, as Ollama does — instead of OpenAI's object.
	PlainError bool
	// StreamError, when streaming, sends an error event ({"error": {…}})
	// after the reply's text, instead of finishing.
	StreamError string
	// StallAfter, when streaming, stops sending (without closing the
	// connection) after that many chunks, as a stuck server does.
	StallAfter int
	// NoID sends tool calls without an id.
	NoID bool
	// Transcript answers a request to /audio/transcriptions.
	Transcript string
	// PromptTokens and CompletionTokens are reported as usage.
	PromptTokens, CompletionTokens int
}

// ToolCall is a scripted tool call.
type ToolCall struct {
	ID   string
	Name string
	Args string // JSON text, sent as is (it may be invalid on purpose)
}

// Call builds a ToolCall.
func Call(name, args string) ToolCall { return ToolCall{Name: name, Args: args} }

// Request is a request the server received.
type Request struct {
	Path string
	Raw  []byte
	Body map[string]any
}

// Stream reports whether the request asked for streaming.
func (r Request) Stream() bool { b, _ := r.Body["stream"].(bool); return b }

// Messages returns the request's chat messages.
func (r Request) Messages() []map[string]any {
	var out []map[string]any
	ms, _ := r.Body["messages"].([]any)
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// System returns the system message's text.
func (r Request) System() string {
	for _, m := range r.Messages() {
		if m["role"] == "system" {
			s, _ := m["content"].(string)
			return s
		}
	}
	return ""
}

// ToolNames lists the tools offered in the request.
func (r Request) ToolNames() []string {
	var out []string
	ts, _ := r.Body["tools"].([]any)
	for _, t := range ts {
		if f, ok := t.(map[string]any)["function"].(map[string]any); ok {
			out = append(out, fmt.Sprint(f["name"]))
		}
	}
	return out
}

// Server is the scripted model server.
type Server struct {
	// URL is the base URL to configure as OPENAI_BASE_URL (ends in /v1).
	URL string

	// Embed, when set, answers /embeddings requests (without using the
	// script, unless its next step is an error).
	Embed func(text string, dims int) []float32

	t        testing.TB
	srv      *httptest.Server
	mu       sync.Mutex
	steps    []Step
	requests []Request
	respond  func(req Request) Step
}

// RespondWith answers the requests the script has no step left for with
// f (load and chaos tests, where the number of requests is not known in
// advance).
func (s *Server) RespondWith(f func(req Request) Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// New starts a server playing steps, closed when the test ends; an
// unscripted request fails the test.
func New(t testing.TB, steps ...Step) *Server {
	s := Start(steps...)
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// Start starts a server playing steps, outside a test (examples); Close
// stops it.
func Start(steps ...Step) *Server {
	s := &Server{steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.URL = s.srv.URL + "/v1"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Add appends steps to the script.
func (s *Server) Add(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, steps...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Remaining counts the steps not played yet.
func (s *Server) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.steps)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Raw: raw}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &req.Body)
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, req)
	if strings.HasSuffix(r.URL.Path, "/embeddings") && s.Embed != nil && (len(s.steps) == 0 || s.steps[0].Status == 0) {
		s.mu.Unlock()
		s.embeddings(w, req)
		return
	}
	var step Step
	switch {
	case len(s.steps) > 0:
		step = s.steps[0]
		s.steps = s.steps[1:]
		s.mu.Unlock()
	case s.respond != nil:
		f := s.respond
		s.mu.Unlock()
		step = f(req)
	default:
		s.mu.Unlock()
		if s.t != nil {
			s.t.Errorf("agenttest: unscripted request %d to %s", n, r.URL.Path)
		}
		http.Error(w, `{"error":{"message":"agenttest: the script is exhausted","type":"test_error"}}`, http.StatusInternalServerError)
		return
	}

	if step.Delay > 0 {
		select {
		case <-time.After(step.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if step.Status != 0 {
		if step.RetryAfter != "" {
			w.Header().Set("Retry-After", step.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(step.Status)
		var body any = map[string]any{"error": map[string]any{"message": step.Error, "type": "server_error"}}
		if step.PlainError {
			body = map[string]any{"error": step.Error}
		}
		b, _ := json.Marshal(body)
		w.Write(b)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/audio/transcriptions"):
		writeJSON(w, map[string]any{"text": step.Transcript})
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		step.ToolCalls = append([]ToolCall(nil), step.ToolCalls...) // steps may share a slice
		for i := range step.ToolCalls {
			if step.ToolCalls[i].ID == "" && !step.NoID {
				step.ToolCalls[i].ID = fmt.Sprintf("call_%d_%d", n, i)
			}
		}
		if req.Stream() {
			s.stream(w, r, n, step)
		} else {
			writeJSON(w, completion(n, step))
		}
	default:
		http.Error(w, "agenttest: no such endpoint "+r.URL.Path, http.StatusNotFound)
	}
}

func finishReason(step Step) string {
	if len(step.ToolCalls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

func usage(step Step) map[string]any {
	return map[string]any{"prompt_tokens": step.PromptTokens, "completion_tokens": step.CompletionTokens,
		"total_tokens": step.PromptTokens + step.CompletionTokens}
}

func completion(n int, step Step) map[string]any {
	msg := map[string]any{"role": "assistant", "content": step.Reply}
	var calls []any
	for _, c := range step.ToolCalls {
		call := map[string]any{"type": "function", "function": map[string]any{"name": c.Name, "arguments": c.Args}}
		if c.ID != "" {
			call["id"] = c.ID
		}
		calls = append(calls, call)
	}
	if calls != nil {
		msg["tool_calls"] = calls
	}
	return map[string]any{
		"id": fmt.Sprintf("chatcmpl-%d", n), "object": "chat.completion", "created": 1767225600, "model": "scripted",
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finishReason(step)}},
		"usage":   usage(step),
	}
}

// stream writes step as server-sent events, in small pieces.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, n int, step Step) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	id := fmt.Sprintf("chatcmpl-%d", n)
	chunks := 0
	send := func(delta map[string]any, finish any, extra map[string]any) bool {
		if step.CutAfter > 0 && chunks >= step.CutAfter {
			return false
		}
		if step.StallAfter > 0 && chunks >= step.StallAfter {
			<-r.Context().Done() // the client gives up
			return false
		}
		choices := []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}
		if delta == nil {
			choices = []any{}
		}
		chunk := map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1767225600, "model": "scripted", "choices": choices}
		for k, v := range extra {
			chunk[k] = v
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
		chunks++
		return true
	}
	cut := func() {
		// Drop the connection mid-answer.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	}
	if !send(map[string]any{"role": "assistant"}, nil, nil) {
		cut()
		return
	}
	for _, piece := range pieces(step.Reply, 8) {
		if !send(map[string]any{"content": piece}, nil, nil) {
			cut()
			return
		}
	}
	if step.StreamError != "" {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": step.StreamError, "type": "server_error"}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		return
	}
	for i, c := range step.ToolCalls {
		first := map[string]any{"type": "function", "function": map[string]any{"name": c.Name, "arguments": ""}}
		if c.ID != "" {
			first["id"] = c.ID
		}
		if !step.NoIndex {
			first["index"] = i
		}
		if !send(map[string]any{"tool_calls": []any{first}}, nil, nil) {
			cut()
			return
		}
		for _, piece := range pieces(c.Args, 6) {
			d := map[string]any{"function": map[string]any{"arguments": piece}}
			if step.NoIndex {
				d["id"] = c.ID
			} else {
				d["index"] = i
			}
			if !send(map[string]any{"tool_calls": []any{d}}, nil, nil) {
				cut()
				return
			}
		}
	}
	if !send(map[string]any{}, finishReason(step), nil) {
		cut()
		return
	}
	send(nil, nil, map[string]any{"usage": usage(step)})
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (s *Server) embeddings(w http.ResponseWriter, req Request) {
	var inputs []string
	switch in := req.Body["input"].(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, x := range in {
			inputs = append(inputs, fmt.Sprint(x))
		}
	}
	dims, _ := req.Body["dimensions"].(float64)
	var data []any
	for i, text := range inputs {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": s.Embed(text, int(dims))})
	}
	writeJSON(w, map[string]any{"object": "list", "data": data, "model": req.Body["model"],
		"usage": map[string]any{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}})
}

func pieces(s string, size int) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		k := min(size, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
