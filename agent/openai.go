package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/causerie/causerie/internal/retry"
)

// Environment variables of the model endpoint.
const (
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvModel   = "CAUSERIE_MODEL"
)

// DefaultModel is used when neither the AI agent nor CAUSERIE_MODEL names
// one.
const DefaultModel = "gpt-4o-mini"

// OpenAIConfig configures an OpenAI-compatible endpoint (OpenAI, Azure
// OpenAI's v1 API, Ollama, vLLM, llama.cpp…).
type OpenAIConfig struct {
	APIKey  string
	BaseURL string // default https://api.openai.com/v1
	// Model is the default model name.
	Model string
	// Timeout bounds each attempt of a call (default 60 s).
	Timeout time.Duration
	// MaxRetries is how many times a failed call is retried on 429, 5xx,
	// timeouts and connection errors (default 3; negative for none).
	MaxRetries int
	// Backoff is the first retry delay, doubled each time, with jitter
	// (default 500 ms). A Retry-After header overrides it.
	Backoff time.Duration
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
}

// ErrNoEndpoint is returned by OpenAIConfigFromEnv when no endpoint is
// configured.
var ErrNoEndpoint = errors.New("no model endpoint configured: set " + EnvAPIKey +
	" (for OpenAI) or " + EnvBaseURL + " (for any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama); " +
	EnvModel + " picks the default model")

// OpenAIConfigFromEnv reads OPENAI_API_KEY, OPENAI_BASE_URL and
// CAUSERIE_MODEL; it returns ErrNoEndpoint when neither of the first two
// is set.
func OpenAIConfigFromEnv() (OpenAIConfig, error) {
	cfg := OpenAIConfig{APIKey: os.Getenv(EnvAPIKey), BaseURL: os.Getenv(EnvBaseURL), Model: os.Getenv(EnvModel)}
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		return cfg, ErrNoEndpoint
	}
	return cfg, nil
}

// OpenAI is a Model (and Transcriber) on an OpenAI-compatible endpoint.
type OpenAI struct {
	client *openai.Client
	cfg    OpenAIConfig
	// sleep waits between retries (replaced in tests, to read the delays).
	sleep func(ctx context.Context, d time.Duration) error
}

// NewOpenAI returns a client for cfg.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	oc.HTTPClient = &http.Client{Transport: &transport{base: base}}
	return &OpenAI{client: openai.NewClientWithConfig(oc), cfg: cfg, sleep: retry.Sleep}
}

// DefaultModelName is the model used when a request names none.
func (o *OpenAI) DefaultModelName() string { return o.cfg.Model }

// Chat implements Model, retrying transient failures.
func (o *OpenAI) Chat(ctx context.Context, req Request) (*Response, error) {
	creq := o.request(req)
	var lastErr error
	for attempt := 0; ; attempt++ {
		hint := &callHint{zeroTemperature: req.Temperature != nil && *req.Temperature == 0}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, hintKey{}, hint), o.cfg.Timeout)
		var resp *Response
		var err error
		streamed := false
		if req.OnDelta != nil {
			resp, streamed, err = o.stream(actx, creq, req.OnDelta)
		} else {
			resp, err = o.once(actx, creq)
		}
		cancel()
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("model call: %w", ctx.Err())
		}
		lastErr = err
		// Text already shown to the visitor cannot be taken back: no retry.
		if streamed || !retry.Retryable(err) || attempt >= o.cfg.MaxRetries {
			break
		}
		delay := retry.Delay(o.cfg.Backoff, attempt)
		if after := hint.after(); after > 0 {
			delay = after
		}
		if err := o.sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("model call: %w", err)
		}
	}
	return nil, fmt.Errorf("model call failed after retries: %w", lastErr)
}

func (o *OpenAI) request(req Request) openai.ChatCompletionRequest {
	model := req.Model
	if model == "" {
		model = o.cfg.Model
	}
	cr := openai.ChatCompletionRequest{Model: model, MaxCompletionTokens: req.MaxTokens}
	if req.Temperature != nil {
		cr.Temperature = float32(*req.Temperature) // 0 is restored by the transport
	}
	for _, m := range req.Messages {
		cm := openai.ChatCompletionMessage{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			cm.ToolCalls = append(cm.ToolCalls, openai.ToolCall{ID: tc.ID, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}})
		}
		cr.Messages = append(cr.Messages, cm)
	}
	for _, t := range req.Tools {
		cr.Tools = append(cr.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	return cr
}

func (o *OpenAI) once(ctx context.Context, cr openai.ChatCompletionRequest) (*Response, error) {
	r, err := o.client.CreateChatCompletion(ctx, cr)
	if err != nil {
		return nil, err
	}
	if len(r.Choices) == 0 {
		return nil, errors.New("the model returned no choices")
	}
	ch := r.Choices[0]
	resp := &Response{ID: r.ID, Content: ch.Message.Content, FinishReason: string(ch.FinishReason),
		Usage: Usage{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens}}
	for _, tc := range ch.Message.ToolCalls {
		resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	return resp, nil
}

// stream runs a streaming call; streamed reports whether any text reached
// onDelta (after which a retry would repeat it).
func (o *OpenAI) stream(ctx context.Context, cr openai.ChatCompletionRequest, onDelta func(string)) (*Response, bool, error) {
	cr.Stream = true
	cr.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	s, err := o.client.CreateChatCompletionStream(ctx, cr)
	if err != nil {
		return nil, false, err
	}
	defer s.Close()
	resp := &Response{}
	var content strings.Builder
	var calls toolCallAccumulator
	streamed := false
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, streamed, fmt.Errorf("stream interrupted: %w", err)
		}
		if resp.ID == "" {
			resp.ID = chunk.ID
		}
		if chunk.Usage != nil {
			resp.Usage = Usage{PromptTokens: chunk.Usage.PromptTokens, CompletionTokens: chunk.Usage.CompletionTokens}
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				content.WriteString(ch.Delta.Content)
				onDelta(ch.Delta.Content)
				streamed = true
			}
			for _, tc := range ch.Delta.ToolCalls {
				calls.add(tc)
			}
			if ch.FinishReason != "" {
				resp.FinishReason = string(ch.FinishReason)
			}
		}
	}
	if resp.FinishReason == "" {
		// A stream that ends without a finish reason was cut short.
		return nil, streamed, errors.New("stream interrupted: it ended without a finish reason")
	}
	resp.Content = content.String()
	resp.ToolCalls = calls.result()
	return resp, streamed, nil
}

// Transcribe implements Transcriber with the endpoint's
// /audio/transcriptions.
func (o *OpenAI) Transcribe(ctx context.Context, audio io.Reader, filename string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	r, err := o.client.CreateTranscription(ctx, openai.AudioRequest{Model: openai.Whisper1, FilePath: filename, Reader: audio})
	if err != nil {
		return "", fmt.Errorf("transcribe %s: %w", filename, err)
	}
	return strings.TrimSpace(r.Text), nil
}

// callHint carries per-call facts between Chat and the transport.
type callHint struct {
	zeroTemperature bool
	mu              sync.Mutex
	retryAfter      time.Duration
}

func (h *callHint) after() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.retryAfter
}

type hintKey struct{}

// transport restores "temperature": 0 (go-openai omits zero values) and
// reads Retry-After from failed responses.
type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	hint, _ := r.Context().Value(hintKey{}).(*callHint)
	if hint != nil && hint.zeroTemperature && r.Body != nil && strings.HasSuffix(r.URL.Path, "/chat/completions") {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			m["temperature"] = json.RawMessage("0")
			if b, err := json.Marshal(m); err == nil {
				body = b
			}
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	resp, err := t.base.RoundTrip(r)
	if err == nil && hint != nil && resp.StatusCode >= 400 {
		if d := retry.ParseRetryAfter(resp.Header.Get("Retry-After")); d > 0 {
			hint.mu.Lock()
			hint.retryAfter = d
			hint.mu.Unlock()
		}
	}
	return resp, err
}
