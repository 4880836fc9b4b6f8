package daemon_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/tracing/otlptest"
	"github.com/patronus-sdwan/patronus/internal/tracing/provider"
)

// TestOneTraceAPIToEdges: with OTEL_EXPORTER_OTLP_ENDPOINT set, one
// GraphQL mutation makes one trace that real OTLP receivers get: the
// controller's HTTP request, GraphQL operation (with the user and role),
// store call and a configuration push per site, over OTLP/gRPC; and each
// edge's "configuration applied" span (edge/agent, its own provider and
// service.name) as the child of its site's push, over OTLP/HTTP
// (http/protobuf). One run covers both protocols. The client's own
// traceparent is linked, not taken as the parent. No span holds the
// setup token or a join token.
func TestOneTraceAPIToEdges(t *testing.T) {
	ctlRcv, ctlEndpoint := otlptest.StartGRPC(t)
	edgeRcv, edgeEndpoint := otlptest.StartHTTP(t)
	for k, v := range map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ctlEndpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": provider.ProtocolGRPC,
		"OTEL_BSP_SCHEDULE_DELAY": "50", "OTEL_SERVICE_NAME": "", "OTEL_RESOURCE_ATTRIBUTES": ""} {
		t.Setenv(k, v)
	}
	t0 := time.Now()
	ctl := installProvider(t, "patronus-controller")
	// The edges' exporters, made next, read these.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", edgeEndpoint)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", provider.ProtocolHTTP)
	cfg := baseConfig(tempDir(t))
	cfg.Tracing = ctl.Enabled()
	r := start(t, cfg)
	api, secrets := operatorAPI(t, r)
	adm := r.admin()
	mustDo := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	applied := map[string]chan *config.Valid{}
	for i, site := range []string{"a", "b"} {
		tok, err := adm.CreateJoinToken(ctxT(t), &pb.CreateJoinTokenRequest{Network: "default", SiteName: site})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, tok.Token)
		applied[site] = runEdge(t, r.addr(), site, tok.Token) // enrols
		addr := "198.51.100." + string(rune('1'+i))
		mustDo(adm.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "default", Link: &pb.WanLink{SiteName: site, Name: "inet", Color: "inet",
			Endpoint: addr + ":51820", LocalAddress: addr}}))
		mustDo(adm.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "default", Prefix: &pb.LanPrefix{SiteName: site, Prefix: "10." + string(rune('1'+i)) + ".0.0/16"}}))
	}
	for site, ch := range applied {
		waitConfig(t, ch, site, func(v *config.Valid) bool { return len(v.Peers) == 1 && len(v.Peers[0].Links) == 1 })
	}

	body := api(`{"query":"mutation AddOffice { addPrefix(site: \"a\", prefix: \"10.9.0.0/16\") { prefix } }"}`)
	if !strings.Contains(body, `"10.9.0.0/16"`) {
		t.Fatalf("addPrefix: %s", body)
	}
	var gql otlptest.Span
	ctlRcv.WaitFor(t, 10*time.Second, func(spans []otlptest.Span) bool {
		var ok bool
		gql, ok = find(spans, func(s otlptest.Span) bool { return s.Name == "graphql mutation AddOffice" })
		return ok && count(spans, gql.TraceID, "controller.config.push") == 2
	})
	edgeRcv.WaitFor(t, 10*time.Second, func(spans []otlptest.Span) bool { return count(spans, gql.TraceID, "edge.config.apply") == 2 })
	spans := append(ctlRcv.Spans(), edgeRcv.Spans()...)
	t.Logf("trace received after %v", time.Since(t0))
	checkTrace(t, spans, gql)
	// An enrolling edge has no certificate yet: its Enroll call's trace
	// context is linked, not the parent of the controller's span.
	enrols := 0
	for _, s := range spans {
		if s.Name == "patronus.v1.Enrollment/Enroll" && s.Service == "patronus-controller" {
			enrols++
			if s.ParentID != "" || len(s.Links) != 1 {
				t.Errorf("the controller's Enroll span has parent %q and %d links, want a root with a link", s.ParentID, len(s.Links))
			}
		}
	}
	if enrols != 2 {
		t.Errorf("%d Enroll spans of the controller, want 2", enrols)
	}
	for _, s := range spans {
		for k, v := range s.Attrs {
			for _, secret := range secrets {
				if strings.Contains(v, secret) {
					t.Errorf("span %s attribute %s holds a secret", s.Name, k)
				}
			}
		}
	}
}

// checkTrace follows the mutation's trace from the HTTP request to each
// edge's applied configuration.
func checkTrace(t *testing.T, spans []otlptest.Span, gql otlptest.Span) {
	t.Helper()
	inTrace := func(name string, more func(otlptest.Span) bool) []otlptest.Span {
		var out []otlptest.Span
		for _, s := range spans {
			if s.TraceID == gql.TraceID && s.Name == name && (more == nil || more(s)) {
				out = append(out, s)
			}
		}
		return out
	}
	httpSpan := inTrace("HTTP POST", nil)
	if len(httpSpan) != 1 || httpSpan[0].ParentID != "" || gql.ParentID != httpSpan[0].SpanID || httpSpan[0].Attrs["url.path"] != "/api/v2/graphql" ||
		httpSpan[0].Attrs["http.response.status_code"] != "200" || len(httpSpan[0].Links) != 1 || httpSpan[0].Links[0] != "b7ad6b7169203331" ||
		gql.TraceID == "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("HTTP span %+v, GraphQL span's parent %s:%s", httpSpan, gql.ParentID, otlptest.Names(spans))
	}
	if gql.Service != "patronus-controller" || gql.Attrs["enduser.id"] != "admin" || gql.Attrs["enduser.role"] != "admin" ||
		gql.Attrs["graphql.operation.type"] != "mutation" || gql.Attrs["graphql.operation.name"] != "AddOffice" {
		t.Fatalf("GraphQL span %+v", gql)
	}
	st := inTrace("store.AddPrefix", func(s otlptest.Span) bool { return s.ParentID == gql.SpanID })
	if len(st) != 1 || st[0].Attrs["patronus.site"] != "a" || st[0].Attrs["patronus.network"] != "default" {
		t.Fatalf("store span %+v:%s", st, otlptest.Names(spans))
	}
	for _, site := range []string{"a", "b"} {
		push := inTrace("controller.config.push", func(s otlptest.Span) bool { return s.Attrs["patronus.site"] == site })
		if len(push) != 1 || push[0].ParentID != st[0].SpanID || push[0].Service != "patronus-controller" {
			t.Fatalf("push to %s: %+v:%s", site, push, otlptest.Names(spans))
		}
		apply := inTrace("edge.config.apply", func(s otlptest.Span) bool { return s.Attrs["patronus.site"] == site })
		if len(apply) != 1 || apply[0].ParentID != push[0].SpanID || apply[0].Service != "patronus-edge" ||
			apply[0].Attrs["patronus.revision"] != push[0].Attrs["patronus.revision"] || apply[0].Error {
			t.Fatalf("edge %s: applied %+v, push %+v", site, apply, push[0])
		}
	}
}

// installProvider installs the controller's provider; the test ends by
// flushing it and putting the no-op provider back.
func installProvider(t *testing.T, service string) *provider.Provider {
	t.Helper()
	p, err := provider.Install(context.Background(), provider.Options{ServiceName: service})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Shutdown(context.Background())
		otel.SetTracerProvider(noop.NewTracerProvider())
	})
	return p
}

// runEdge runs an edge agent of site with its own tracer provider
// (service.name patronus-edge) until the test ends; its channel gets
// every configuration it applies.
func runEdge(t *testing.T, addr, site, token string) chan *config.Valid {
	t.Helper()
	p, err := provider.New(context.Background(), provider.Options{ServiceName: "patronus-edge"})
	if err != nil {
		t.Fatal(err)
	}
	applied := make(chan *config.Valid, 16)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.New(ctx, agent.Options{Controller: addr, JoinToken: token, StateDir: tempDir(t) + "/state",
		Tracing: true, TracerProvider: p.TracerProvider(),
		Apply: func(v *config.Valid) error {
			applied <- v
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		p.Shutdown(context.Background())
	})
	return applied
}

func waitConfig(t *testing.T, ch <-chan *config.Valid, site string, ok func(*config.Valid) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case v := <-ch:
			if ok(v) {
				return
			}
		case <-deadline:
			t.Fatalf("edge %s applied no complete configuration", site)
		}
	}
}

// callerTraceParent is the API client's trace context: the controller
// links it and does not take it as the parent.
const callerTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

// operatorAPI posts GraphQL requests with the first operator's
// certificate, which acts as admin "admin" (no password hashing: the test
// stays short). secrets are what no span may hold: the setup token the
// first start printed.
func operatorAPI(t *testing.T, r *running) (api func(body string) string, secrets []string) {
	t.Helper()
	m := regexp.MustCompile(`setup token (pst_\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("no setup token:\n%s", r.out.String())
	}
	creds, err := pki.LoadIdentity(filepath.Join(r.dir, daemon.AdminDir))
	if err != nil {
		t.Fatal(err)
	}
	c := r.httpsClient(true, creds.TLSCertificate())
	return func(body string) string {
		req, _ := http.NewRequest("POST", "https://"+r.addr()+"/api/v2/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("traceparent", callerTraceParent)
		resp, out := do(t, c, req)
		if resp.StatusCode != 200 {
			t.Fatalf("graphql: %d %s", resp.StatusCode, out)
		}
		return out
	}, []string{m[1]}
}

// count counts the spans of a trace with a name.
func count(spans []otlptest.Span, traceID, name string) int {
	n := 0
	for _, s := range spans {
		if s.TraceID == traceID && s.Name == name {
			n++
		}
	}
	return n
}

func find(spans []otlptest.Span, ok func(otlptest.Span) bool) (otlptest.Span, bool) {
	for _, s := range spans {
		if ok(s) {
			return s, true
		}
	}
	return otlptest.Span{}, false
}
