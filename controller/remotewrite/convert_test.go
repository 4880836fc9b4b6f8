package remotewrite

import (
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func mustListen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestConvert: counters, gauges, histograms and summaries become the
// series a scrape stores; an external label does not replace a metric's
// own label of that name.
func TestConvert(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "c"}, []string{"replica"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h_seconds", Help: "h", Buckets: []float64{0.5, 1}})
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: "s", Help: "s", Objectives: map[float64]float64{0.5: 0.05}})
	reg.MustRegister(c, h, s)
	c.WithLabelValues("own").Add(3)
	h.Observe(0.7)
	s.Observe(2)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, meta := Convert(fams, 42, []Label{{"replica", "ext"}, {"zone", "z"}})
	got := map[string]float64{}
	for _, x := range series {
		key := ""
		for _, l := range x.Labels {
			key += l.Name + "=" + l.Value + ","
		}
		got[key] = x.Samples[0].Value
		if x.Samples[0].TimestampMS != 42 {
			t.Errorf("%s at %d", key, x.Samples[0].TimestampMS)
		}
	}
	want := map[string]float64{
		"__name__=c_total,replica=own,zone=z,":                  3,
		"__name__=h_seconds_bucket,le=0.5,replica=ext,zone=z,":  0,
		"__name__=h_seconds_bucket,le=1,replica=ext,zone=z,":    1,
		"__name__=h_seconds_bucket,le=+Inf,replica=ext,zone=z,": 1,
		"__name__=h_seconds_sum,replica=ext,zone=z,":            0.7,
		"__name__=h_seconds_count,replica=ext,zone=z,":          1,
		"__name__=s,quantile=0.5,replica=ext,zone=z,":           2,
		"__name__=s_sum,replica=ext,zone=z,":                    2,
		"__name__=s_count,replica=ext,zone=z,":                  1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (found %v), want %v", k, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d series, want %d: %v", len(got), len(want), got)
	}
	if len(meta) != 3 || meta[0].Type != TypeCounter || meta[1].Type != TypeHistogram || meta[2].Type != TypeSummary {
		t.Errorf("metadata %+v", meta)
	}
}
