package bgp

import "time"

// pacer decides when the learner scans and reports, so that a router's
// announcement of thousands of prefixes becomes a few reports (each a
// revision that every other edge applies) rather than one per pause in
// its stream of UPDATEs, while a lone change is reported at once:
//
//   - outside a burst (no report in the last LearnBurstWindow plus the
//     burst's delay), a change
//     is reported after LearnCoalesce without another change;
//   - within a burst, after a quarter of the burst's delay (at least
//     LearnBurstQuiet) without another change, or
//     when the first unreported change has waited the burst's delay,
//     which starts at LearnBurstDelay and doubles with each report of the
//     burst up to LearnMaxDelay.
//
// It is a state machine without I/O: the learner's goroutine alone uses
// it, with the speaker's clock.
type pacer struct {
	lastReport time.Time // zero: none yet
	pending    time.Time // the first change not scanned since; zero: none
	delay      time.Duration
	burst      bool // the pending change came within a burst
}

// kick records a change at now and returns how long to wait before the
// scan (the learner resets its timer to it).
func (p *pacer) kick(now time.Time) time.Duration {
	if p.pending.IsZero() {
		p.pending, p.burst = now, p.inBurst(now)
	}
	if !p.burst {
		return LearnCoalesce
	}
	wait := p.quiet()
	if due := p.pending.Add(p.burstDelay()).Sub(now); due < wait {
		wait = max(due, 0)
	}
	return wait
}

// scanned records a scan at now that changed the reported set by changed
// prefixes (0: nothing reported). A change smaller than LearnBurstMin
// neither starts nor continues a burst: a router's withdrawal of a prefix
// just after another small change is still reported LearnCoalesce after
// it.
func (p *pacer) scanned(now time.Time, changed int) {
	p.pending = time.Time{}
	switch {
	case changed == 0:
		return
	case changed < LearnBurstMin:
		p.delay, p.lastReport = 0, time.Time{}
		return
	}
	if p.burst {
		p.delay = min(2*p.burstDelay(), LearnMaxDelay)
	} else {
		p.delay = 0
	}
	p.lastReport = now
}

// quiet is how long a burst's change waits for the next one: a quarter
// of the burst's delay, at least LearnBurstQuiet. A router that trickles
// its routes with pauses (FRR under load pauses for whole seconds) thus
// does not make a report per pause once the burst is long.
func (p *pacer) quiet() time.Duration { return max(LearnBurstQuiet, p.burstDelay()/4) }

func (p *pacer) inBurst(now time.Time) bool {
	return !p.lastReport.IsZero() && now.Sub(p.lastReport) < LearnBurstWindow+p.delay
}

func (p *pacer) burstDelay() time.Duration {
	if p.delay == 0 {
		return LearnBurstDelay
	}
	return p.delay
}
