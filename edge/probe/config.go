package probe

import (
	"fmt"
	"time"
)

// Defaults. A probe every 100 ms costs 400 bytes/s of payload each way
// per path and puts 100 probes in a 10 s window, enough to resolve 1 %
// loss; a 1 s timeout tolerates satellite round trips (~600 ms) while a
// path that dies is caught by BFD long before.
const (
	DefaultInterval       = 100 * time.Millisecond
	DefaultTimeout        = time.Second
	DefaultWindow         = 100 // probes
	DefaultLossWindow     = 5 * time.Second
	DefaultPercentile     = 95
	DefaultMaxOutstanding = 64
)

// Limits of the settings.
const (
	MinInterval = time.Millisecond
	MaxInterval = time.Minute
	MaxWindow   = 4096
)

// Config is the probing of one path. Zero fields take the defaults.
type Config struct {
	Interval   time.Duration // between probes
	Timeout    time.Duration // a probe unanswered for this long is lost
	Window     int           // probes in the window of RTT, jitter and loss statistics
	LossWindow time.Duration // recent loss is over probes sent this long ago at most
	Percentile int           // the RTT percentile of Metrics.RTTPct, 1–100
	// MaxOutstanding bounds the probes awaiting a reply; it must cover
	// Timeout/Interval probes.
	MaxOutstanding int
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Interval, DefaultInterval)
	def(&c.Timeout, DefaultTimeout)
	def(&c.LossWindow, DefaultLossWindow)
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Percentile == 0 {
		c.Percentile = DefaultPercentile
	}
	if c.MaxOutstanding == 0 {
		c.MaxOutstanding = DefaultMaxOutstanding
	}
	return c
}

// Validate fills the defaults and checks the settings; an error names the
// field.
func (c Config) Validate() (Config, error) {
	c = c.withDefaults()
	switch {
	case c.Interval < MinInterval || c.Interval > MaxInterval:
		return c, fmt.Errorf("interval: %v is not between %v and %v", c.Interval, MinInterval, MaxInterval)
	case c.Timeout < c.Interval/10 || c.Timeout > MaxInterval:
		return c, fmt.Errorf("timeout: %v is not between a tenth of the interval and %v", c.Timeout, MaxInterval)
	case c.Window < 1 || c.Window > MaxWindow:
		return c, fmt.Errorf("window: %d is not between 1 and %d probes", c.Window, MaxWindow)
	case c.LossWindow < c.Interval || c.LossWindow > time.Duration(c.Window)*c.Interval:
		return c, fmt.Errorf("loss_window: %v is not between the interval and window × interval (%v)", c.LossWindow, time.Duration(c.Window)*c.Interval)
	case c.Percentile < 1 || c.Percentile > 100:
		return c, fmt.Errorf("percentile: %d is not between 1 and 100", c.Percentile)
	}
	need := int((c.Timeout+c.Interval-1)/c.Interval) + 1
	if c.MaxOutstanding < need || c.MaxOutstanding > MaxWindow {
		return c, fmt.Errorf("max_outstanding: %d is not between timeout/interval + 1 (%d) and %d", c.MaxOutstanding, need, MaxWindow)
	}
	return c, nil
}
