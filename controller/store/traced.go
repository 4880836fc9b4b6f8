package store

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// Traced returns st with a span around every call (named "store.METHOD",
// with the network and site it concerns, marked failed on an error), as
// a child of the caller's span: the store's share of an API request's or
// a configuration push's trace. A change's span is the one whose
// traceparent its revision records (Network.TraceParent). With tracing
// off a call costs a non-recording span (internal/tracing). Watch and
// Close are not traced. The optional interfaces st implements
// (ConcurrentWriters, EventRelay) are kept. The methods are generated
// (traced_gen.go, by controller/store/gentraced).
//
//go:generate go run ./gentraced
func Traced(st Store) Store {
	t := traced{st}
	if r, ok := st.(EventRelay); ok {
		return tracedRelay{t, r}
	}
	return t
}

// traced is a Store whose calls are traced.
type traced struct{ Store }

// tracedRelay is a traced Store that relays events between replicas.
type tracedRelay struct {
	traced
	relay EventRelay
}

func (t tracedRelay) RelayEvents(ctx context.Context, deliver func(payload []byte), gap func()) (func(ctx context.Context, payload []byte) error, error) {
	return t.relay.RelayEvents(ctx, deliver, gap)
}

// ConcurrentWriters is the traced store's: 1 when it does not say.
func (t traced) ConcurrentWriters() int {
	if cw, ok := t.Store.(ConcurrentWriters); ok {
		return cw.ConcurrentWriters()
	}
	return 1
}

func (traced) start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return tracing.Start(ctx, name, attrs...)
}

func endSpan(span trace.Span, err error) { tracing.End(span, err) }
