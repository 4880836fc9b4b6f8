// Package metricstest parses a Prometheus text-format scrape for tests:
// strictly (classic metric and label names, as Prometheus 2 requires),
// with lookups of a sample by name and labels.
package metricstest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape is one parsed scrape: metric families by name.
type Scrape map[string]*dto.MetricFamily

// Parse reads a scrape in the text format.
func Parse(r io.Reader) (Scrape, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	mf, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse the scrape: %w", err)
	}
	return Scrape(mf), nil
}

// Sample is one sample: its labels and value (a counter's, gauge's or
// untyped value; a histogram's sample count).
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Samples returns the samples of a family; nil when it is absent.
func (s Scrape) Samples(name string) []Sample {
	mf := s[name]
	if mf == nil {
		return nil
	}
	var out []Sample
	for _, m := range mf.Metric {
		l := map[string]string{}
		for _, lp := range m.Label {
			l[lp.GetName()] = lp.GetValue()
		}
		out = append(out, Sample{Labels: l, Value: value(m)})
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// Find returns the sample of name whose labels include want (others may
// differ); ok false when there is none or more than one.
func (s Scrape) Find(name string, want map[string]string) (v float64, ok bool) {
	n := 0
	for _, smp := range s.Samples(name) {
		if includes(smp.Labels, want) {
			v, n = smp.Value, n+1
		}
	}
	return v, n == 1
}

// Count is how many samples of name have labels including want.
func (s Scrape) Count(name string, want map[string]string) int {
	n := 0
	for _, smp := range s.Samples(name) {
		if includes(smp.Labels, want) {
			n++
		}
	}
	return n
}

func includes(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Names lists the families, sorted.
func (s Scrape) Names() []string { return slices.Sorted(maps.Keys(s)) }

// L makes a label set from "k", "v", … pairs.
func L(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// String shows a family's samples, for failure messages.
func (s Scrape) String(name string) string {
	var b strings.Builder
	for _, smp := range s.Samples(name) {
		fmt.Fprintf(&b, "%s%v %g\n", name, smp.Labels, smp.Value)
	}
	return b.String()
}
