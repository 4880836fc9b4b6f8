package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

type appTraffic struct {
	Application string
	Flows       int64
	BytesSent   int64
	Sites       int64
	Paths       int64
}

// TestApplicationTraffic: the top applications of the network, of a site
// and of a path (both ends' reports), over the last hour or a range;
// any role reads them, nobody unauthenticated; bad arguments name their
// field.
func TestApplicationTraffic(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	must(t, e.st.RecordFlows(context.Background(), "default", []store.FlowSummary{
		{TS: now.Add(-2 * time.Hour), Site: "a", Application: "old", Path: "a/inet~b/inet", Flows: 1, BytesTx: 1 << 30},
		{TS: now.Add(-time.Minute), Site: "a", Application: "web", Path: "a/inet~b/inet", Flows: 3, BytesTx: 3000},
		{TS: now.Add(-time.Minute), Site: "b", Application: "web", Path: "a/inet~b/inet", Flows: 1, BytesTx: 500},
		{TS: now.Add(-time.Minute), Site: "a", Application: "voip", Path: "a/lte~b/inet", Flows: 2, BytesTx: 4000},
		{TS: now.Add(-30 * time.Second), Site: "b", Application: "ssh", Path: "a/lte~b/inet", Flows: 1, BytesTx: 10},
	}))
	query := `query($f: TrafficFilter, $n: Int) { applicationTraffic(filter: $f, first: $n) { application flows bytesSent sites paths } }`
	get := func(f map[string]any, n any) []appTraffic {
		t.Helper()
		var out struct{ ApplicationTraffic []appTraffic }
		e.ok("viewer", query, map[string]any{"f": f, "n": n}, &out)
		return out.ApplicationTraffic
	}
	names := func(as []appTraffic) (s []string) {
		for _, a := range as {
			s = append(s, a.Application)
		}
		return s
	}
	all := get(nil, nil)
	if len(all) != 3 || all[0] != (appTraffic{"voip", 2, 4000, 1, 1}) || all[1] != (appTraffic{"web", 4, 3500, 2, 1}) || all[2].Application != "ssh" {
		t.Fatalf("the last hour: %+v", all)
	}
	for _, c := range []struct {
		name string
		f    map[string]any
		n    any
		want []string
	}{
		{"site b", map[string]any{"site": "b"}, nil, []string{"web", "ssh"}},
		{"path from b's end", map[string]any{"path": "b/inet->a/lte"}, nil, []string{"voip", "ssh"}},
		{"first 1", nil, 1, []string{"voip"}},
		{"three hours", map[string]any{"since": now.Add(-3 * time.Hour)}, nil, []string{"old", "voip", "web", "ssh"}},
		{"until", map[string]any{"since": now.Add(-3 * time.Hour), "until": now.Add(-time.Hour)}, nil, []string{"old"}},
	} {
		if got := names(get(c.f, c.n)); len(got) != len(c.want) || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	e.fails("viewer", query, map[string]any{"n": 0}, "INVALID_ARGUMENT", "first")
	e.fails("viewer", query, map[string]any{"n": 1001}, "INVALID_ARGUMENT", "first")
	e.fails("viewer", query, map[string]any{"f": map[string]any{"path": "nonsense"}}, "INVALID_ARGUMENT", "path")
	e.fails("viewer", query, map[string]any{"f": map[string]any{"since": now, "until": now.Add(-time.Hour)}}, "INVALID_ARGUMENT", "until")
	e.fails("viewer", `{ applicationTraffic(network: "nope") { application } }`, nil, "NOT_FOUND", "")
	if r := e.do("", query, nil); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("without a token: %d %+v", r.status, r.Errors)
	}
}
