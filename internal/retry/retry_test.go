package retry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{&openai.APIError{HTTPStatusCode: 429}, true},
		{&openai.APIError{HTTPStatusCode: 503}, true},
		{&openai.APIError{HTTPStatusCode: 400}, false},
		{&openai.APIError{HTTPStatusCode: 401}, false},
		{fmt.Errorf("call: %w", &openai.RequestError{HTTPStatusCode: 502}), true},
		{&openai.RequestError{HTTPStatusCode: 404}, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("invalid JSON in response"), false},
	}
	for _, tc := range cases {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %t, want %t", tc.err, got, tc.want)
		}
	}
}

func TestDelayDoublesWithJitter(t *testing.T) {
	t.Parallel()
	base := 100 * time.Millisecond
	for attempt := range 4 {
		full := base << attempt
		for range 50 {
			d := Delay(base, attempt)
			if d < full/2 || d > full {
				t.Fatalf("Delay(%v, %d) = %v, want within [%v, %v]", base, attempt, d, full/2, full)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	if got := ParseRetryAfter("2"); got != 2*time.Second {
		t.Errorf(`ParseRetryAfter("2") = %v, want 2s`, got)
	}
	if got := ParseRetryAfter("0.5"); got != 500*time.Millisecond {
		t.Errorf(`ParseRetryAfter("0.5") = %v, want 500ms`, got)
	}
	if got := ParseRetryAfter("3600"); got != time.Minute {
		t.Errorf(`ParseRetryAfter("3600") = %v, want capped at 1m`, got)
	}
	if got := ParseRetryAfter(""); got != 0 {
		t.Errorf(`ParseRetryAfter("") = %v, want 0`, got)
	}
	if got := ParseRetryAfter("soon"); got != 0 {
		t.Errorf(`ParseRetryAfter("soon") = %v, want 0`, got)
	}
	date := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	if got := ParseRetryAfter(date); got < 8*time.Second || got > 10*time.Second {
		t.Errorf("ParseRetryAfter(%q) = %v, want about 10s", date, got)
	}
}
