package auth

import "context"

// RequestMeta is where a request came from, for the audit log.
type RequestMeta struct {
	SourceIP, UserAgent string
}

type metaKey struct{}

// WithRequestMeta returns ctx carrying m; the Service's audit entries of
// administration calls take the source address and user agent from it.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// RequestMetaFrom returns the request's metadata in ctx, if any.
func RequestMetaFrom(ctx context.Context) (RequestMeta, bool) {
	m, ok := ctx.Value(metaKey{}).(RequestMeta)
	return m, ok
}
