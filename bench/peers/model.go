package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The scripted turn: the same for every runtime.
const (
	visitorMessage = "Budget 150 €, et je veux une coloration"
	finalReply     = "C'est noté !"
	fieldArgs      = `{"fields":[{"field":"budget","value":150}]}`
	tagArgs        = `{"tag":"coloration"}`
)

// modelStats is what the scripted model server saw, cumulative since it
// started; a block's share is the difference of two snapshots.
type modelStats struct {
	// Requests and Bytes count every /chat/completions request and its
	// body's bytes; ToolRequests/ToolBytes those answered with the two
	// tool calls (the first of a turn), ReplyRequests/ReplyBytes those
	// answered with the reply (the second).
	Requests, Bytes           int64
	ToolRequests, ToolBytes   int64
	ReplyRequests, ReplyBytes int64
	// Streamed counts the requests that asked for a stream.
	Streamed int64
	// Refused counts requests the server could not place (neither a user
	// message last nor tool results): a runtime that sends them fails.
	Refused int64
}

func (a modelStats) sub(b modelStats) modelStats {
	return modelStats{
		Requests: a.Requests - b.Requests, Bytes: a.Bytes - b.Bytes,
		ToolRequests: a.ToolRequests - b.ToolRequests, ToolBytes: a.ToolBytes - b.ToolBytes,
		ReplyRequests: a.ReplyRequests - b.ReplyRequests, ReplyBytes: a.ReplyBytes - b.ReplyBytes,
		Streamed: a.Streamed - b.Streamed, Refused: a.Refused - b.Refused,
	}
}

func (a modelStats) add(b modelStats) modelStats {
	return modelStats{
		Requests: a.Requests + b.Requests, Bytes: a.Bytes + b.Bytes,
		ToolRequests: a.ToolRequests + b.ToolRequests, ToolBytes: a.ToolBytes + b.ToolBytes,
		ReplyRequests: a.ReplyRequests + b.ReplyRequests, ReplyBytes: a.ReplyBytes + b.ReplyBytes,
		Streamed: a.Streamed + b.Streamed, Refused: a.Refused + b.Refused,
	}
}

// scriptedModel is a minimal OpenAI-compatible /v1/chat/completions
// server that answers at once, by looking at the request: when the last
// message is the user's, the two tool calls in one assistant message;
// when tool results are present, the final reply. It streams (SSE) when
// the request asks to, and otherwise answers with one JSON object.
type scriptedModel struct {
	next atomic.Int64 // ids of completions and tool calls

	mu    sync.Mutex
	stats modelStats
	// dump, when set (PEERS_MODEL_DUMP), is a directory where the first
	// request of each kind (tool calls, reply) from each User-Agent is
	// written, to see what each runtime sends.
	dump   string
	dumped map[string]bool
}

// chatRequest is the part of a request the server reads.
type chatRequest struct {
	Stream   bool `json:"stream"`
	Messages []struct {
		Role string `json:"role"`
	} `json:"messages"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (m *scriptedModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/stats":
		m.mu.Lock()
		st := m.stats
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		m.complete(w, r)
	default:
		http.Error(w, `{"error":{"message":"scripted model: no such endpoint","type":"invalid_request_error"}}`, http.StatusNotFound)
	}
}

func (m *scriptedModel) complete(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req chatRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		m.refuse(w, len(raw), "the body is not JSON: "+err.Error())
		return
	}
	n := len(req.Messages)
	hasTool := false
	for _, msg := range req.Messages {
		if msg.Role == "tool" {
			hasTool = true
		}
	}
	var tools bool
	switch {
	case n > 0 && req.Messages[n-1].Role == "user":
		tools = true
	case hasTool:
		tools = false
	default:
		m.refuse(w, len(raw), "neither a user message last nor tool results")
		return
	}
	m.mu.Lock()
	m.stats.Requests++
	m.stats.Bytes += int64(len(raw))
	if req.Stream {
		m.stats.Streamed++
	}
	if tools {
		m.stats.ToolRequests++
		m.stats.ToolBytes += int64(len(raw))
	} else {
		m.stats.ReplyRequests++
		m.stats.ReplyBytes += int64(len(raw))
	}
	if m.dump != "" {
		m.dumpRequest(r, tools, raw)
	}
	m.mu.Unlock()

	id := m.next.Add(1)
	var calls []toolCall
	if tools {
		calls = []toolCall{
			{ID: fmt.Sprintf("call_%d_0", id), Type: "function", Function: function{Name: "update_contact_fields", Arguments: fieldArgs}},
			{ID: fmt.Sprintf("call_%d_1", id), Type: "function", Function: function{Name: "tag_contact", Arguments: tagArgs}},
		}
	}
	if req.Stream {
		m.stream(w, id, calls, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}
	msg := message{Role: "assistant", ToolCalls: calls}
	finish := "tool_calls"
	if !tools {
		reply := finalReply
		msg.Content, finish = &reply, "stop"
	}
	body, _ := json.Marshal(completion{ID: "chatcmpl-" + strconv.FormatInt(id, 10), Object: "chat.completion", Created: 1767225600,
		Model: "scripted", Choices: []choice{{Index: 0, Message: &msg, FinishReason: &finish}}, Usage: scriptedUsage})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// dumpRequest writes raw as the first request of its kind from its
// User-Agent (m.mu held).
func (m *scriptedModel) dumpRequest(r *http.Request, tools bool, raw []byte) {
	kind := "reply"
	if tools {
		kind = "tools"
	}
	ua := r.Header.Get("User-Agent")
	if m.dumped == nil {
		m.dumped = map[string]bool{}
	}
	if m.dumped[ua+kind] {
		return
	}
	m.dumped[ua+kind] = true
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, ua)
	_ = os.WriteFile(filepath.Join(m.dump, fmt.Sprintf("%.60s.%s.json", name, kind)), raw, 0o644)
}

func (m *scriptedModel) refuse(w http.ResponseWriter, size int, why string) {
	m.mu.Lock()
	m.stats.Refused++
	m.stats.Bytes += int64(size)
	m.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": "scripted model: " + why, "type": "invalid_request_error"}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

// stream answers as server-sent events, in as few chunks as a real
// endpoint sends: the role, the reply's text or each tool call whole (id,
// name and arguments in one delta), the finish reason, the usage when
// asked, [DONE].
func (m *scriptedModel) stream(w http.ResponseWriter, id int64, calls []toolCall, usage bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	cid := "chatcmpl-" + strconv.FormatInt(id, 10)
	var buf []byte
	chunk := func(d *delta, finish *string, u *usageBlock) {
		c := completion{ID: cid, Object: "chat.completion.chunk", Created: 1767225600, Model: "scripted", Choices: []choice{}, Usage: u}
		if d != nil {
			c.Choices = []choice{{Index: 0, Delta: d, FinishReason: finish}}
		}
		b, _ := json.Marshal(c)
		buf = append(buf, "data: "...)
		buf = append(buf, b...)
		buf = append(buf, "\n\n"...)
	}
	empty := ""
	chunk(&delta{Role: "assistant", Content: &empty}, nil, nil)
	finish := "stop"
	if len(calls) == 0 {
		reply := finalReply
		chunk(&delta{Content: &reply}, nil, nil)
	} else {
		finish = "tool_calls"
		for i, c := range calls {
			chunk(&delta{ToolCalls: []streamCall{{Index: i, ID: c.ID, Type: c.Type, Function: c.Function}}}, nil, nil)
		}
	}
	chunk(&delta{}, &finish, nil)
	if usage {
		chunk(nil, nil, scriptedUsage)
	}
	buf = append(buf, "data: [DONE]\n\n"...)
	_, _ = w.Write(buf)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

type function struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type toolCall struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Function function `json:"function"`
}

type streamCall struct {
	Index    int      `json:"index"`
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Function function `json:"function"`
}

type message struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

type delta struct {
	Role      string       `json:"role,omitempty"`
	Content   *string      `json:"content,omitempty"`
	ToolCalls []streamCall `json:"tool_calls,omitempty"`
}

type choice struct {
	Index        int      `json:"index"`
	Message      *message `json:"message,omitempty"`
	Delta        *delta   `json:"delta,omitempty"`
	FinishReason *string  `json:"finish_reason"`
}

type usageBlock struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

var scriptedUsage = &usageBlock{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120}

type completion struct {
	ID      string      `json:"id"`
	Object  string      `json:"object"`
	Created int64       `json:"created"`
	Model   string      `json:"model"`
	Choices []choice    `json:"choices"`
	Usage   *usageBlock `json:"usage,omitempty"`
}
