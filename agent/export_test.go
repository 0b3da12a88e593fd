package agent

import (
	"context"
	"time"
)

// RecordSleeps replaces the retry wait of o with one that records the
// delays instead of waiting.
func RecordSleeps(o *OpenAI) *[]time.Duration {
	var got []time.Duration
	o.sleep = func(_ context.Context, d time.Duration) error {
		got = append(got, d)
		return nil
	}
	return &got
}
