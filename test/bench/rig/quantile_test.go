package rig

import (
	"os"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		name string
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"q0 is the minimum", ms(1, 2, 3), 0, time.Millisecond},
		{"q1 is the maximum", ms(1, 2, 3), 1, 3 * time.Millisecond},
		{"median of 4 is the 2nd", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p50 of 1..100 is 50", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p99 of 10 is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.99, 10 * time.Millisecond},
	} {
		if got := Quantile(c.in, c.q); got != c.want {
			t.Errorf("%s: Quantile(%v, %v) = %v, want %v", c.name, c.in, c.q, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	d := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}
	s := Summarize(d)
	if s != (Summary{N: 3, P50MS: 2, P99MS: 3, MaxMS: 3}) {
		t.Fatalf("Summarize = %+v", s)
	}
	if d[0] != time.Millisecond {
		t.Fatalf("not sorted in place: %v", d)
	}
}

func TestReadProcStatSelf(t *testing.T) {
	st, err := ReadProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.PPID != os.Getppid() || st.RSSPages <= 0 {
		t.Fatalf("ReadProcStat(self) = %+v, want ppid %d and some RSS", st, os.Getppid())
	}
	m := NewCPUMeter(os.Getpid(), false)
	m.Start()
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	if c := m.Stop(); c < 0 || c > 64 {
		t.Fatalf("cores = %v", c)
	}
}
