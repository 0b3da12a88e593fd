// Package retry holds what the OpenAI-compatible clients (the agent's chat
// model and rag's embedder) share about retrying a failed call: which
// failures are worth another try, how long to wait, and how to read a
// Retry-After header.
package retry

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Retryable reports whether a failed call may succeed if tried again: 429,
// 5xx, timeouts, connection errors and interrupted streams.
func Retryable(err error) bool {
	var api *openai.APIError
	if errors.As(err, &api) {
		return api.HTTPStatusCode == http.StatusTooManyRequests || api.HTTPStatusCode >= 500
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode == http.StatusTooManyRequests || re.HTTPStatusCode >= 500 || re.HTTPStatusCode == 0
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "stream interrupted")
}

// Delay is the wait before retry number attempt+1: base doubled per attempt,
// with jitter (50–100 % of it) so that clients do not retry in step.
func Delay(base time.Duration, attempt int) time.Duration {
	d := base << attempt
	return d/2 + rand.N(d/2+1)
}

// ParseRetryAfter reads a Retry-After header (seconds or an HTTP date); it
// returns 0 when there is none and caps the wait at a minute.
func ParseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return max(0, min(d, time.Minute))
}

// Sleep waits d, or less if ctx ends first (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
