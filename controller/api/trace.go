package api

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// traceRequests starts a server span per request ("HTTP GET") with the
// method, the path and the status code; never a header, a query string
// or a body (they may hold credentials). The span is the root of a new
// trace: a caller's traceparent header, read before the caller is
// authenticated, is only linked, so that no caller can choose the trace
// or the sampling decision of the controller's spans. WebSocket upgrades are not traced here: a
// subscription lives for hours; each GraphQL operation has its own span
// (controller/api/graph).
func traceRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		opts := []trace.SpanStartOption{trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path))}
		caller := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
		if caller.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: caller}))
		}
		ctx, span := tracing.Tracer().Start(r.Context(), "HTTP "+r.Method, opts...)
		defer span.End()
		sw := &statusWriter{ResponseWriter: w} // observe.go
		next.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", sw.code()))
		if sw.code() >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.code()))
		}
	})
}

func isWebSocketUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != ""
}

// tracePrincipal adds the authenticated principal's name and role to the
// request's span: who made the call, never how (no token, no key ID).
func tracePrincipal(r *http.Request, p auth.Principal) {
	trace.SpanFromContext(r.Context()).SetAttributes(tracing.AttrUser.String(p.Subject), tracing.AttrRole.String(string(p.Role)))
}
