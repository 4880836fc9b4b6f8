package agent

import (
	"testing"
	"time"
)

// The delay doubles from Min to Max and is drawn from the upper half of
// each step: the extremes of the random draw give the bounds.
func TestBackoffDelay(t *testing.T) {
	b := DefaultBackoff
	low := func(int64) int64 { return 0 }
	high := func(n int64) int64 { return n - 1 }
	steps := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for n, s := range steps {
		step := s * time.Second
		if got := b.Delay(n, high); got != step {
			t.Errorf("attempt %d: longest delay %v, want %v", n, got, step)
		}
		if got := b.Delay(n, low); got != step-step/2 {
			t.Errorf("attempt %d: shortest delay %v, want %v", n, got, step-step/2)
		}
	}
	if got := b.Delay(1000, high); got != 30*time.Second {
		t.Errorf("attempt 1000: %v (overflow?)", got)
	}
	if got := (Backoff{}).orDefault(); got != DefaultBackoff {
		t.Errorf("zero Backoff: %+v", got)
	}
	if got := (Backoff{Min: time.Minute, Max: time.Second}).orDefault(); got.Max != time.Minute {
		t.Errorf("Max below Min: %+v", got)
	}
}
