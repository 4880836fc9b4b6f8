package rig

import (
	"math"
	"slices"
	"time"
)

// Quantile is the q-quantile (0 ≤ q ≤ 1) of sorted by the nearest-rank
// rule: the smallest value with at least q of the values at or below it
// (the minimum for q = 0). It is 0 for no values.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(n) - 1e-9)) // ⌈q·n⌉, tolerant of float error in q·n
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

// Summary is p50, p99 and max of a set of durations, in milliseconds.
type Summary struct {
	N     int     `json:"n"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

// Summarize sorts d in place and summarises it.
func Summarize(d []time.Duration) Summary {
	slices.Sort(d)
	s := Summary{N: len(d), P50MS: MS(Quantile(d, 0.50)), P99MS: MS(Quantile(d, 0.99))}
	if len(d) > 0 {
		s.MaxMS = MS(d[len(d)-1])
	}
	return s
}

// MS is d in milliseconds.
func MS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
