package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

type subscriptionResolver struct{ *resolver }

// subscribe starts a subscription of the events f selects, converted by
// conv, for a caller who may read.
func subscribe[T any](ctx context.Context, bus *events.Bus, f events.Filter, conv func(*events.Event) *T) (<-chan *T, error) {
	if _, err := manage.Authorize(ctx, auth.Read); err != nil {
		return nil, err
	}
	if len(f.Network) > 63 || len(f.Site) > 63 {
		return nil, &manage.Error{Code: manage.CodeInvalidArgument, Field: "site", Msg: "longer than 63 characters"}
	}
	sub := bus.Subscribe(ctx, f, 0)
	out := make(chan *T)
	go forward(ctx, sub, out, conv)
	return out, nil
}

// forward passes events on until the subscription or ctx ends. A
// subscription the bus ended (too slow, bus closed) is recorded so that
// its client gets an error before the stream completes.
func forward[T any](ctx context.Context, sub *events.Subscription, out chan<- *T, conv func(*events.Event) *T) {
	defer close(out)
	for e := range sub.C {
		select {
		case out <- conv(e):
		case <-ctx.Done():
			sub.Close()
			return
		}
	}
	if err := sub.Err(); err != nil && ctx.Err() == nil {
		if end, ok := ctx.Value(endKey{}).(*subEnd); ok {
			end.set(err)
		}
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (r *subscriptionResolver) PathEvents(ctx context.Context, network, site *string, everyReport *bool) (<-chan *model.PathEvent, error) {
	f := events.Filter{Kinds: []events.Kind{events.KindPath}, Network: str(network), Site: str(site),
		StateChangesOnly: everyReport == nil || !*everyReport}
	return subscribe(ctx, r.bus, f, pathEvent)
}

func pathEvent(e *events.Event) *model.PathEvent {
	p := e.Path
	out := &model.PathEvent{Network: e.Network, Site: e.Site, PathID: p.PathID, State: model.PathState(p.State),
		StateChanged: p.StateChanged, Score: p.Score, Suppressed: p.Suppressed, ActiveFlows: int64(p.ActiveFlows), At: e.At}
	if p.BFDState != "" {
		out.BfdState = &p.BFDState
	}
	out.Transport = pathTransport(p.Transport)
	if p.MetricsValid {
		out.LatencyMs, out.JitterMs, out.LossPct = &p.LatencyMs, &p.JitterMs, &p.LossPct
	}
	return out
}

func (r *subscriptionResolver) SteeringEvents(ctx context.Context, network, site *string) (<-chan *model.SteeringEventLive, error) {
	f := events.Filter{Kinds: []events.Kind{events.KindSteering}, Network: str(network), Site: str(site)}
	return subscribe(ctx, r.bus, f, func(e *events.Event) *model.SteeringEventLive {
		s := e.Steering
		out := &model.SteeringEventLive{Network: e.Network, Site: e.Site, Kind: s.Kind, Reason: s.Reason,
			FlowsMoved: int64(s.FlowsMoved), From: nonNil(s.From), To: nonNil(s.To), At: e.At}
		if s.PathID != "" {
			out.PathID = &s.PathID
		}
		if s.Policy != "" {
			out.Policy = &s.Policy
		}
		return out
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r *subscriptionResolver) SiteEvents(ctx context.Context, network, site *string) (<-chan *model.SiteEvent, error) {
	f := events.Filter{Kinds: []events.Kind{events.KindSite}, Network: str(network), Site: str(site)}
	return subscribe(ctx, r.bus, f, func(e *events.Event) *model.SiteEvent {
		return &model.SiteEvent{Network: e.Network, Site: e.Site, Online: e.SiteState.Online, At: e.At}
	})
}

func (r *subscriptionResolver) ConfigRevisions(ctx context.Context, network *string) (<-chan *model.ConfigRevision, error) {
	f := events.Filter{Kinds: []events.Kind{events.KindConfig}, Network: str(network)}
	return subscribe(ctx, r.bus, f, func(e *events.Event) *model.ConfigRevision {
		return &model.ConfigRevision{Network: e.Network, Revision: e.Config.Revision, At: e.At}
	})
}

// subscriptionEnd sends a subscription that the bus ended an error before
// it completes: a client that fell behind learns that it missed events
// and must read the current state again.
type subscriptionEnd struct{}

type endKey struct{}

type subEnd struct {
	mu  sync.Mutex // guards err and sent
	err error
}

func (s *subEnd) set(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// take returns the error once.
func (s *subEnd) take() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	s.err = nil
	return err
}

func (subscriptionEnd) ExtensionName() string                   { return "SubscriptionEnd" }
func (subscriptionEnd) Validate(graphql.ExecutableSchema) error { return nil }
func (subscriptionEnd) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	end := &subEnd{}
	responses := next(context.WithValue(ctx, endKey{}, end))
	return func(ctx context.Context) *graphql.Response {
		if resp := responses(ctx); resp != nil {
			return resp
		}
		if err := end.take(); err != nil {
			return &graphql.Response{Errors: gqlerror.List{endError(err)}}
		}
		return nil
	}
}

// endError says why the bus ended a subscription.
func endError(err error) *gqlerror.Error {
	code := "UNAVAILABLE"
	if errors.Is(err, events.ErrSlow) {
		code = "SLOW_SUBSCRIBER"
	}
	return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": code}}
}
