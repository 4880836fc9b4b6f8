package remotewrite

import (
	"math"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// Convert turns gathered metric families into series of one sample each
// at nowMS (a metric's own timestamp wins), as a scrape would store
// them: a histogram as NAME_bucket{le}, NAME_sum and NAME_count, a
// summary as NAME{quantile}, NAME_sum and NAME_count. extra labels are
// added to every series unless it has a label of that name already.
func Convert(families []*dto.MetricFamily, nowMS int64, extra []Label) ([]TimeSeries, []Metadata) {
	var out []TimeSeries
	meta := make([]Metadata, 0, len(families))
	for _, f := range families {
		name := f.GetName()
		meta = append(meta, Metadata{Type: metricType(f.GetType()), Family: name, Help: f.GetHelp()})
		for _, m := range f.GetMetric() {
			ts := nowMS
			if m.TimestampMs != nil {
				ts = m.GetTimestampMs()
			}
			add := func(suffix string, v float64, more ...Label) {
				out = append(out, TimeSeries{Labels: labels(name+suffix, m.GetLabel(), extra, more...), Samples: []Sample{{v, ts}}})
			}
			convertMetric(f.GetType(), m, add)
		}
	}
	return out, meta
}

func convertMetric(t dto.MetricType, m *dto.Metric, add func(suffix string, v float64, more ...Label)) {
	switch t {
	case dto.MetricType_COUNTER:
		add("", m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		add("", m.GetGauge().GetValue())
	case dto.MetricType_UNTYPED:
		add("", m.GetUntyped().GetValue())
	case dto.MetricType_SUMMARY:
		s := m.GetSummary()
		for _, q := range s.GetQuantile() {
			add("", q.GetValue(), Label{"quantile", formatFloat(q.GetQuantile())})
		}
		add("_sum", s.GetSampleSum())
		add("_count", float64(s.GetSampleCount()))
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		h := m.GetHistogram()
		inf := false
		for _, b := range h.GetBucket() {
			inf = inf || math.IsInf(b.GetUpperBound(), +1)
			add("_bucket", float64(b.GetCumulativeCount()), Label{"le", formatFloat(b.GetUpperBound())})
		}
		if !inf {
			add("_bucket", float64(h.GetSampleCount()), Label{"le", "+Inf"})
		}
		add("_sum", h.GetSampleSum())
		add("_count", float64(h.GetSampleCount()))
	}
}

// formatFloat writes a bound or quantile as the text format does.
func formatFloat(f float64) string {
	if math.IsInf(f, +1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// labels is a series' label set, sorted by name: __name__, the metric's
// labels, more (le, quantile), then extra where not taken.
func labels(name string, ls []*dto.LabelPair, extra []Label, more ...Label) []Label {
	out := make([]Label, 0, 1+len(ls)+len(more)+len(extra))
	out = append(out, Label{"__name__", name})
	for _, l := range ls {
		out = append(out, Label{l.GetName(), l.GetValue()})
	}
	out = append(out, more...)
	for _, e := range extra {
		if !slices.ContainsFunc(out, func(l Label) bool { return l.Name == e.Name }) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func metricType(t dto.MetricType) MetricType {
	switch t {
	case dto.MetricType_COUNTER:
		return TypeCounter
	case dto.MetricType_GAUGE:
		return TypeGauge
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		return TypeHistogram
	case dto.MetricType_SUMMARY:
		return TypeSummary
	}
	return TypeUnknown
}
