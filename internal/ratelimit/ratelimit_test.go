package ratelimit

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestKeyedBurstThenRate(t *testing.T) {
	k := NewKeyed(rate.Every(time.Second), 3, 100)
	for i := range 3 {
		if w := k.Allow("a", t0); w != 0 {
			t.Fatalf("attempt %d within the burst waits %v", i, w)
		}
	}
	if w := k.Allow("a", t0); w <= 0 || w > time.Second {
		t.Fatalf("attempt past the burst: wait %v, want (0, 1s]", w)
	}
	if w := k.Allow("b", t0); w != 0 {
		t.Fatalf("another key is limited: %v", w)
	}
	// A refused attempt costs nothing: one second later one token is back.
	if w := k.Allow("a", t0.Add(time.Second)); w != 0 {
		t.Fatalf("after a second: wait %v", w)
	}
	if w := k.Allow("", t0); w != 0 {
		t.Fatal("the empty key is limited")
	}
}

func TestKeyedBounded(t *testing.T) {
	k := NewKeyed(rate.Every(time.Second), 1, 50)
	for i := range 10000 {
		k.Allow(fmt.Sprint("10.0.", i/256, ".", i%256), t0)
	}
	if n := k.Len(); n > 50 {
		t.Fatalf("%d buckets held, want at most 50", n)
	}
}

func TestLogSuppresses(t *testing.T) {
	var buf bytes.Buffer
	l := NewLog(slog.New(slog.NewTextHandler(&buf, nil)), time.Second)
	for i := range 100 {
		l.Info(t0.Add(time.Duration(i)*time.Millisecond), "refused", "n", i)
	}
	l.Info(t0.Add(time.Second), "refused", "n", 100)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "suppressed=99") {
		t.Fatalf("log:\n%s\nwant 2 lines, the second with suppressed=99", buf.String())
	}
}
