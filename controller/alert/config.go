package alert

import (
	"fmt"
	"time"
)

// Config is the controller configuration's alerts: section (YAML). Every
// empty field takes its default (Default…); durations are Go durations
// ("90s", "5m"). See docs/ALERTS.md.
type Config struct {
	// Disabled turns the whole alert engine off (no rule is evaluated,
	// no webhook called). With several controller replicas on one
	// PostgreSQL database, one of them evaluates (an advisory lock
	// elects it) whatever this says.
	Disabled bool `yaml:"disabled"`
	// EvaluateInterval is how often the alerts' timing (for,
	// resolve_after) is looked at; default 500ms.
	EvaluateInterval string `yaml:"evaluate_interval"`
	// SweepInterval is how often every rule is judged from the fleet's
	// whole state (silence, SLA thresholds, windows, and any state change
	// whose event was lost); default 2s. State changes are judged at once.
	SweepInterval string `yaml:"sweep_interval"`

	SiteOffline     SiteOfflineRule `yaml:"site_offline"`
	PathDown        Rule            `yaml:"path_down"`
	SiteUnreachable Rule            `yaml:"site_unreachable"`
	SLAViolated     SLARule         `yaml:"sla_violated"`
	FailoverStorm   StormRule       `yaml:"failover_storm"`
	CertExpiring    CertRule        `yaml:"cert_expiring"`
	StoreErrors     StoreRule       `yaml:"store_errors"`

	Webhooks DeliveryConfig `yaml:"webhooks"`
}

// Rule is what every rule has: hysteresis on both sides.
type Rule struct {
	Disabled bool `yaml:"disabled"`
	// For is how long the condition must hold before the alert fires.
	For string `yaml:"for"`
	// ResolveAfter is how long the condition must be gone before the
	// alert resolves; coming back before that keeps the one alert firing.
	ResolveAfter string `yaml:"resolve_after"`
}

// SiteOfflineRule: a site whose control stream ended, or that sent no
// report for Silence.
type SiteOfflineRule struct {
	Rule    `yaml:",inline"`
	Silence string `yaml:"silence"`
}

// SLARule: a path whose measured latency, jitter or loss is above a
// threshold.
type SLARule struct {
	Rule      `yaml:",inline"`
	LatencyMs float64 `yaml:"latency_ms"`
	JitterMs  float64 `yaml:"jitter_ms"`
	LossPct   float64 `yaml:"loss_pct"`
}

// StormRule: more than Failovers failovers reported by one site within
// Window.
type StormRule struct {
	Rule      `yaml:",inline"`
	Failovers int    `yaml:"failovers"`
	Window    string `yaml:"window"`
}

// CertRule: a certificate that expires within Within, looked at every
// CheckInterval.
type CertRule struct {
	Rule          `yaml:",inline"`
	Within        string `yaml:"within"`
	CheckInterval string `yaml:"check_interval"`
}

// StoreRule: the store's health check failing, run every CheckInterval.
type StoreRule struct {
	Rule          `yaml:",inline"`
	CheckInterval string `yaml:"check_interval"`
}

// DeliveryConfig shapes webhook deliveries.
type DeliveryConfig struct {
	// Queue bounds the deliveries waiting per webhook; beyond it the
	// oldest is dropped (and audited). Default 1000.
	Queue int `yaml:"queue"`
	// Timeout bounds one HTTP attempt; default 10s.
	Timeout string `yaml:"timeout"`
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff; defaults 1s and 5m.
	MinBackoff string `yaml:"min_backoff"`
	MaxBackoff string `yaml:"max_backoff"`
	// MaxAge: a delivery still failing after this long is given up
	// (audited); default 24h.
	MaxAge string `yaml:"max_age"`
}

// Defaults.
const (
	DefaultEvaluateInterval = 500 * time.Millisecond
	DefaultSweepInterval    = 2 * time.Second

	DefaultSiteOfflineFor     = 0
	DefaultSiteOfflineResolve = 10 * time.Second
	DefaultSilence            = 10 * time.Second

	DefaultPathDownFor     = 0
	DefaultPathDownResolve = 10 * time.Second

	DefaultUnreachableFor     = 0
	DefaultUnreachableResolve = 10 * time.Second

	DefaultSLAFor     = 2 * time.Minute
	DefaultSLAResolve = time.Minute
	DefaultLatencyMs  = 150.0
	DefaultJitterMs   = 30.0
	DefaultLossPct    = 2.0

	DefaultStormFailovers = 10
	DefaultStormWindow    = 5 * time.Minute
	DefaultStormFor       = 0
	DefaultStormResolve   = 5 * time.Minute

	DefaultCertWithin  = 30 * 24 * time.Hour
	DefaultCertCheck   = time.Hour
	DefaultCertFor     = 0
	DefaultCertResolve = 0

	DefaultStoreCheck   = 10 * time.Second
	DefaultStoreFor     = 30 * time.Second
	DefaultStoreResolve = 30 * time.Second

	DefaultQueue      = 1000
	DefaultTimeout    = 10 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
	DefaultMaxAge     = 24 * time.Hour
)

// Timing is a rule's compiled hysteresis.
type Timing struct {
	Enabled      bool
	For          time.Duration
	ResolveAfter time.Duration
}

// Rules is a compiled, validated Config.
type Rules struct {
	Enabled  bool
	Evaluate time.Duration
	Sweep    time.Duration

	SiteOffline     Timing
	Silence         time.Duration
	PathDown        Timing
	SiteUnreachable Timing
	SLA             Timing
	LatencyMs       float64
	JitterMs        float64
	LossPct         float64
	Storm           Timing
	StormFailovers  int
	StormWindow     time.Duration
	Cert            Timing
	CertWithin      time.Duration
	CertCheck       time.Duration
	Store           Timing
	StoreCheck      time.Duration

	Delivery Delivery
}

// Delivery is the compiled DeliveryConfig.
type Delivery struct {
	Queue      int
	Timeout    time.Duration
	MinBackoff time.Duration
	MaxBackoff time.Duration
	MaxAge     time.Duration
}

// Compile validates c and returns its rules with the defaults filled in.
// Errors name the field: "alerts.path_down.for: …".
func (c Config) Compile() (Rules, error) {
	p := parser{}
	r := Rules{Enabled: !c.Disabled}
	r.Evaluate = p.dur("alerts.evaluate_interval", c.EvaluateInterval, DefaultEvaluateInterval, 10*time.Millisecond)
	r.Sweep = p.dur("alerts.sweep_interval", c.SweepInterval, DefaultSweepInterval, 10*time.Millisecond)
	r.SiteOffline = p.timing("alerts.site_offline", c.SiteOffline.Rule, DefaultSiteOfflineFor, DefaultSiteOfflineResolve)
	r.Silence = p.dur("alerts.site_offline.silence", c.SiteOffline.Silence, DefaultSilence, time.Second)
	r.PathDown = p.timing("alerts.path_down", c.PathDown, DefaultPathDownFor, DefaultPathDownResolve)
	r.SiteUnreachable = p.timing("alerts.site_unreachable", c.SiteUnreachable, DefaultUnreachableFor, DefaultUnreachableResolve)
	r.SLA = p.timing("alerts.sla_violated", c.SLAViolated.Rule, DefaultSLAFor, DefaultSLAResolve)
	r.LatencyMs = p.num("alerts.sla_violated.latency_ms", c.SLAViolated.LatencyMs, DefaultLatencyMs, 1e6)
	r.JitterMs = p.num("alerts.sla_violated.jitter_ms", c.SLAViolated.JitterMs, DefaultJitterMs, 1e6)
	r.LossPct = p.num("alerts.sla_violated.loss_pct", c.SLAViolated.LossPct, DefaultLossPct, 100)
	r.Storm = p.timing("alerts.failover_storm", c.FailoverStorm.Rule, DefaultStormFor, DefaultStormResolve)
	r.StormFailovers = int(p.num("alerts.failover_storm.failovers", float64(c.FailoverStorm.Failovers), DefaultStormFailovers, maxStormEvents-1))
	r.StormWindow = p.dur("alerts.failover_storm.window", c.FailoverStorm.Window, DefaultStormWindow, time.Second)
	r.Cert = p.timing("alerts.cert_expiring", c.CertExpiring.Rule, DefaultCertFor, DefaultCertResolve)
	r.CertWithin = p.dur("alerts.cert_expiring.within", c.CertExpiring.Within, DefaultCertWithin, time.Hour)
	r.CertCheck = p.dur("alerts.cert_expiring.check_interval", c.CertExpiring.CheckInterval, DefaultCertCheck, time.Second)
	r.Store = p.timing("alerts.store_errors", c.StoreErrors.Rule, DefaultStoreFor, DefaultStoreResolve)
	r.StoreCheck = p.dur("alerts.store_errors.check_interval", c.StoreErrors.CheckInterval, DefaultStoreCheck, time.Second)
	r.Delivery = p.delivery(c.Webhooks)
	return r, p.err
}

// maxStormEvents bounds the failovers remembered per site.
const maxStormEvents = 1000

// maxQueue bounds alerts.webhooks.queue.
const maxQueue = 100000

func (p *parser) delivery(c DeliveryConfig) Delivery {
	d := Delivery{
		Queue:      int(p.num("alerts.webhooks.queue", float64(c.Queue), DefaultQueue, maxQueue)),
		Timeout:    p.dur("alerts.webhooks.timeout", c.Timeout, DefaultTimeout, 100*time.Millisecond),
		MinBackoff: p.dur("alerts.webhooks.min_backoff", c.MinBackoff, DefaultMinBackoff, 10*time.Millisecond),
		MaxBackoff: p.dur("alerts.webhooks.max_backoff", c.MaxBackoff, DefaultMaxBackoff, 10*time.Millisecond),
		MaxAge:     p.dur("alerts.webhooks.max_age", c.MaxAge, DefaultMaxAge, time.Minute),
	}
	if p.err == nil && d.MaxBackoff < d.MinBackoff {
		p.err = fmt.Errorf("alerts.webhooks.max_backoff: %v is less than min_backoff %v", d.MaxBackoff, d.MinBackoff)
	}
	return d
}

// parser keeps the first error of a Compile.
type parser struct{ err error }

func (p *parser) timing(field string, r Rule, defFor, defResolve time.Duration) Timing {
	return Timing{Enabled: !r.Disabled, For: p.dur(field+".for", r.For, defFor, 0),
		ResolveAfter: p.dur(field+".resolve_after", r.ResolveAfter, defResolve, 0)}
}

// maxDuration bounds every duration setting.
const maxDuration = 366 * 24 * time.Hour

func (p *parser) dur(field, v string, def, min time.Duration) time.Duration {
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err == nil && d >= min && d <= maxDuration {
		return d
	}
	if p.err == nil {
		p.err = fmt.Errorf("%s: %q is not a duration from %v to %v", field, v, min, maxDuration)
	}
	return def
}

// num: 0 takes def; otherwise v must be in (0, max].
func (p *parser) num(field string, v, def, max float64) float64 {
	if v == 0 {
		return def
	}
	if v > 0 && v <= max {
		return v
	}
	if p.err == nil {
		p.err = fmt.Errorf("%s: %v is not a number above 0 and at most %v", field, v, max)
	}
	return def
}
