package probe

import (
	"slices"
	"time"
)

// Metrics are what a path's probes say about it.
type Metrics struct {
	Probes  int // probes resolved (answered or lost) in the window
	Replies int // of them, answered

	// Round-trip times of the window's replies, without the reflector's
	// residence time. RTTPct is the configured percentile (nearest rank).
	RTTMin, RTTAvg, RTTMax, RTTPct time.Duration

	// Jitter is the RFC 3550 §6.4.1 interarrival jitter estimate of the
	// forward direction (sender to reflector); see Sender.
	Jitter time.Duration

	LossPct       float64 // lost / Probes, in percent
	RecentProbes  int     // probes sent within the loss window and resolved
	RecentLossPct float64 // lost / RecentProbes, in percent
}

// result is one resolved probe.
type result struct {
	sentAt time.Time
	rtt    time.Duration
	lost   bool
}

// window holds the last len(res) resolved probes, oldest overwritten.
type window struct {
	res     []result
	next, n int
	scratch []time.Duration // for the percentile; len(res)
}

func newWindow(n int) window {
	return window{res: make([]result, n), scratch: make([]time.Duration, 0, n)}
}

func (w *window) add(r result) {
	w.res[w.next] = r
	w.next = (w.next + 1) % len(w.res)
	if w.n < len(w.res) {
		w.n++
	}
}

// fill computes the window's part of m. It does not allocate.
func (w *window) fill(m *Metrics, now time.Time, lossWindow time.Duration, pct int) {
	rtts := w.scratch[:0]
	var lost, recent, recentLost int
	var sum time.Duration
	since := now.Add(-lossWindow)
	for i := range w.n {
		r := &w.res[i]
		if !r.sentAt.Before(since) {
			recent++
			if r.lost {
				recentLost++
			}
		}
		if r.lost {
			lost++
			continue
		}
		rtts = append(rtts, r.rtt)
		sum += r.rtt
	}
	m.Probes, m.Replies, m.RecentProbes = w.n, len(rtts), recent
	if w.n > 0 {
		m.LossPct = 100 * float64(lost) / float64(w.n)
	}
	if recent > 0 {
		m.RecentLossPct = 100 * float64(recentLost) / float64(recent)
	}
	if len(rtts) == 0 {
		return
	}
	slices.Sort(rtts)
	m.RTTMin, m.RTTMax = rtts[0], rtts[len(rtts)-1]
	m.RTTAvg = sum / time.Duration(len(rtts))
	m.RTTPct = rtts[nearestRank(len(rtts), pct)]
}

// nearestRank is the index of the pct-th percentile of n sorted values:
// the smallest value with at least pct % of the values at or below it.
func nearestRank(n, pct int) int {
	r := (pct*n + 99) / 100 // ceil(pct/100 × n)
	return max(r, 1) - 1
}
