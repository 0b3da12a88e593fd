package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	// TokenField names the request field that carries the reply's token
	// cap: "max_completion_tokens" (OpenAI's), "max_tokens" (what most
	// other OpenAI-compatible servers know: Ollama, llama.cpp, older
	// vLLM), or "both". "" picks by endpoint: OpenAI's for
	// api.openai.com, max_tokens elsewhere (CAUSERIE_MAX_TOKENS_FIELD).
	TokenField string
	// StreamIdle bounds the wait for the next piece of a streamed answer
	// (default 20 s): a stream that stalls fails, instead of holding the
	// visitor until the attempt's timeout.
	StreamIdle time.Duration
}

// Token cap fields (OpenAIConfig.TokenField).
const (
	TokenFieldCompletion = "max_completion_tokens"
	TokenFieldMax        = "max_tokens"
	TokenFieldBoth       = "both"
)

// EnvTokenField overrides the token cap field.
const EnvTokenField = "CAUSERIE_MAX_TOKENS_FIELD"

// ErrNoEndpoint is returned by OpenAIConfigFromEnv when no endpoint is
// configured.
var ErrNoEndpoint = errors.New("no model endpoint configured: set " + EnvAPIKey +
	" (for OpenAI) or " + EnvBaseURL + " (for any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama); " +
	EnvModel + " picks the default model")

// OpenAIConfigFromEnv reads OPENAI_API_KEY, OPENAI_BASE_URL and
// CAUSERIE_MODEL; it returns ErrNoEndpoint when neither of the first two
// is set.
func OpenAIConfigFromEnv() (OpenAIConfig, error) {
	cfg := OpenAIConfig{APIKey: os.Getenv(EnvAPIKey), BaseURL: os.Getenv(EnvBaseURL), Model: os.Getenv(EnvModel),
		TokenField: os.Getenv(EnvTokenField)}
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		return cfg, ErrNoEndpoint
	}
	switch cfg.TokenField {
	case "", TokenFieldCompletion, TokenFieldMax, TokenFieldBoth:
	default:
		return cfg, fmt.Errorf("%s=%q: use %s (OpenAI), %s (most other servers) or %s", EnvTokenField, cfg.TokenField,
			TokenFieldCompletion, TokenFieldMax, TokenFieldBoth)
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
	if cfg.StreamIdle == 0 {
		cfg.StreamIdle = 20 * time.Second
	}
	if cfg.TokenField == "" {
		cfg.TokenField = TokenFieldMax
		if cfg.BaseURL == "" || strings.Contains(cfg.BaseURL, "api.openai.com") {
			cfg.TokenField = TokenFieldCompletion
		}
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

// Chat implements Model, retrying transient failures: 429 and 5xx
// answers whatever their body's shape, timeouts, connection errors, and
// streams broken before any text reached the visitor. A stream that
// already showed text is not retried: it cannot be taken back.
func (o *OpenAI) Chat(ctx context.Context, req Request) (*Response, error) {
	creq := o.request(req)
	var lastErr error
	lastStatus := 0
	attempts := 0
	for attempt := 0; ; attempt++ {
		attempts++
		hint := &callHint{zeroTemperature: req.Temperature != nil && *req.Temperature == 0}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, hintKey{}, hint), o.cfg.Timeout)
		var resp *Response
		var err error
		streamed := false
		if req.OnDelta != nil {
			resp, streamed, err = o.stream(actx, cancel, creq, req.OnDelta)
		} else {
			resp, err = o.once(actx, creq)
		}
		cancel()
		if err == nil {
			nameToolCalls(resp)
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("model call: %w", ctx.Err())
		}
		lastErr = err
		status := hint.httpStatus()
		lastStatus = status
		retryable := retry.Retryable(err) || errors.Is(err, ErrStreamBroken) || status == http.StatusTooManyRequests || status >= 500
		if streamed || !retryable || attempt >= o.cfg.MaxRetries {
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
	return nil, &CallError{Attempts: attempts, Err: lastErr, Status: lastStatus}
}

// CallError is a model call that failed, after Attempts tries.
type CallError struct {
	Attempts int
	Err      error
	// Status is the HTTP status of the last failed answer (0 when none
	// came: a timeout, a cut connection).
	Status int
}

func (e *CallError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("model call failed after %d attempts: %v", e.Attempts, e.Err)
	}
	return fmt.Sprintf("model call failed: %v", e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// nameToolCalls gives an id to each tool call that came without one
// (some servers omit it): the tool message answering it needs one. The
// id is derived from the call, so that a replayed conversation sends the
// same request.
func nameToolCalls(resp *Response) {
	for i := range resp.ToolCalls {
		if resp.ToolCalls[i].ID == "" {
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s\x00%s", resp.ID, i, resp.ToolCalls[i].Name, resp.ToolCalls[i].Arguments)))
			resp.ToolCalls[i].ID = "call_" + hex.EncodeToString(sum[:8])
		}
	}
}

func (o *OpenAI) request(req Request) openai.ChatCompletionRequest {
	model := req.Model
	if model == "" {
		model = o.cfg.Model
	}
	cr := openai.ChatCompletionRequest{Model: model}
	switch o.cfg.TokenField {
	case TokenFieldMax:
		//lint:ignore SA1019 servers that predate max_completion_tokens only read max_tokens (CAUSERIE_MAX_TOKENS_FIELD=max_tokens)
		cr.MaxTokens = req.MaxTokens
	case TokenFieldBoth:
		//lint:ignore SA1019 some OpenAI-compatible servers read one field, some the other
		cr.MaxTokens, cr.MaxCompletionTokens = req.MaxTokens, req.MaxTokens
	default:
		cr.MaxCompletionTokens = req.MaxTokens
	}
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
	if rf := req.ResponseFormat; rf != nil {
		cr.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatType(rf.Type)}
		if rf.Type == FormatJSONSchema {
			cr.ResponseFormat.JSONSchema = &openai.ChatCompletionResponseFormatJSONSchema{Name: rf.Name, Schema: rf.Schema}
		}
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
// onDelta (after which a retry would repeat it). A stream silent for
// StreamIdle is cut (cancel).
func (o *OpenAI) stream(ctx context.Context, cancel context.CancelFunc, cr openai.ChatCompletionRequest, onDelta func(string)) (*Response, bool, error) {
	cr.Stream = true
	cr.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	s, err := o.client.CreateChatCompletionStream(ctx, cr)
	if err != nil {
		return nil, false, err
	}
	defer s.Close()
	idle := time.AfterFunc(o.cfg.StreamIdle, cancel)
	defer idle.Stop()
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
			if ctx.Err() != nil && !idle.Stop() {
				err = fmt.Errorf("no data for %s", o.cfg.StreamIdle)
			}
			// An error event inside the stream, a cut connection: the
			// stream broke; before any text, the call may be tried again.
			return nil, streamed, fmt.Errorf("%w: %w", ErrStreamBroken, err)
		}
		idle.Reset(o.cfg.StreamIdle)
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
		return nil, streamed, fmt.Errorf("%w: it ended without a finish reason", ErrStreamBroken)
	}
	resp.Content = content.String()
	resp.ToolCalls = calls.result()
	return resp, streamed, nil
}

// ErrStreamBroken is wrapped by the errors of a stream that ended before
// its answer did.
var ErrStreamBroken = errors.New("stream interrupted")

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
	status          int // the HTTP status of a failed answer
}

func (h *callHint) httpStatus() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
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
		hint.mu.Lock()
		hint.status = resp.StatusCode
		if d := retry.ParseRetryAfter(resp.Header.Get("Retry-After")); d > 0 {
			hint.retryAfter = d
		}
		hint.mu.Unlock()
	}
	return resp, err
}
