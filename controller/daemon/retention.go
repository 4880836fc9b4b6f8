package daemon

import (
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// RetentionConfig says how long the store keeps telemetry (Go durations;
// empty: store.DefaultRetention). Raw samples are folded into 1-minute
// and 1-hour buckets by maintenance (maintain_interval) before they go.
type RetentionConfig struct {
	Raw      string `yaml:"raw"`      // raw path samples; 1h by default
	Minute   string `yaml:"minute"`   // 1-minute buckets; 168h (7 days)
	Hour     string `yaml:"hour"`     // 1-hour buckets; 8784h (366 days)
	Events   string `yaml:"events"`   // steering events; 2160h (90 days)
	Flows    string `yaml:"flows"`    // flow summaries; 720h (30 days)
	Counters string `yaml:"counters"` // cumulative path counters; 1h
	Cursors  string `yaml:"cursors"`  // telemetry cursors of old edge boots; 168h (7 days)
}

func (r *RetentionConfig) setDefaults() {
	d := store.DefaultRetention
	for _, f := range r.fields() {
		if *f.v == "" {
			*f.v = f.def(d).String()
		}
	}
}

type retentionField struct {
	name string
	v    *string
	min  time.Duration
	def  func(store.Retention) time.Duration
	set  func(*store.Retention, time.Duration)
}

func (r *RetentionConfig) fields() []retentionField {
	return []retentionField{
		{"retention.raw", &r.Raw, time.Minute, func(d store.Retention) time.Duration { return d.Raw }, func(s *store.Retention, v time.Duration) { s.Raw = v }},
		{"retention.minute", &r.Minute, time.Hour, func(d store.Retention) time.Duration { return d.Minute }, func(s *store.Retention, v time.Duration) { s.Minute = v }},
		{"retention.hour", &r.Hour, 24 * time.Hour, func(d store.Retention) time.Duration { return d.Hour }, func(s *store.Retention, v time.Duration) { s.Hour = v }},
		{"retention.events", &r.Events, time.Hour, func(d store.Retention) time.Duration { return d.Events }, func(s *store.Retention, v time.Duration) { s.Events = v }},
		{"retention.flows", &r.Flows, time.Hour, func(d store.Retention) time.Duration { return d.Flows }, func(s *store.Retention, v time.Duration) { s.Flows = v }},
		{"retention.counters", &r.Counters, time.Minute, func(d store.Retention) time.Duration { return d.Counters }, func(s *store.Retention, v time.Duration) { s.Counters = v }},
		{"retention.cursors", &r.Cursors, time.Hour, func(d store.Retention) time.Duration { return d.Cursors }, func(s *store.Retention, v time.Duration) { s.Cursors = v }},
	}
}

// validate checks each duration and that the resolutions are kept
// longest to shortest: hour ≥ minute ≥ raw. Errors name the field.
func (r *RetentionConfig) validate() error {
	var got store.Retention
	for _, f := range r.fields() {
		v, err := time.ParseDuration(*f.v)
		if err != nil || v < f.min {
			return fmt.Errorf("%s: %q is not a duration of %v or more", f.name, *f.v, f.min)
		}
		f.set(&got, v)
	}
	if got.Minute < got.Raw {
		return fmt.Errorf("retention.minute: %v is shorter than retention.raw (%v)", got.Minute, got.Raw)
	}
	if got.Hour < got.Minute {
		return fmt.Errorf("retention.hour: %v is shorter than retention.minute (%v)", got.Hour, got.Minute)
	}
	return nil
}

// retention is the store's retention: the telemetry's from c.Retention
// (validated), the audit log's from the API settings.
func (c *Config) retention() store.Retention {
	r := store.DefaultRetention
	for _, f := range c.Retention.fields() {
		if v, err := time.ParseDuration(*f.v); err == nil {
			f.set(&r, v)
		}
	}
	if d, err := time.ParseDuration(c.API.AuditRetention); err == nil {
		r.Audit = d
	}
	return r
}
