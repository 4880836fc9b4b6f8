package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// watchLoop keeps a WatchConfig stream open, reopening it with backoff.
func (a *Agent) watchLoop(ctx context.Context, cs *controllers) {
	retry := retrier{b: a.opts.Backoff}
	for i := 0; ; {
		progressed, err := a.watchOnce(ctx, cs.clients[i])
		if ctx.Err() != nil {
			return
		}
		if progressed {
			retry.reset()
		}
		d := retry.next()
		a.logStreamEnd("config watch", cs.addrs[i], err, d)
		i = cs.next(i, err)
		if !sleep(ctx, d) {
			return
		}
	}
}

// watchOnce runs one WatchConfig stream until it fails. It made progress
// if it delivered a configuration or lasted longer than the longest
// backoff (a controller with nothing new to say sends nothing).
func (a *Agent) watchOnce(ctx context.Context, client pb.EdgeControlClient) (progressed bool, err error) {
	rev := a.Revision()
	start := time.Now()
	stream, err := client.WatchConfig(ctx, &pb.WatchConfigRequest{LastRevision: rev})
	if err != nil {
		return false, err
	}
	a.log.Debug("config watch opened", "last_revision", rev)
	for {
		cfg, err := stream.Recv()
		if err != nil {
			return progressed || time.Since(start) > a.opts.Backoff.Max, err
		}
		progressed = true
		a.offer(cfg)
	}
}

// logStreamEnd says why a stream ended and when the next try is.
func (a *Agent) logStreamEnd(what, addr string, err error, retryIn time.Duration) {
	st := status.Convert(err)
	switch st.Code() {
	case codes.PermissionDenied, codes.Unauthenticated:
		a.log.Error(what+": the controller refuses this edge (revoked?); keeping the configuration in force",
			"controller", addr, "identity", a.credentials().Identity, "code", st.Code().String(), "err", st.Message(), "retry_in", retryIn)
	default:
		a.log.Warn(what+" interrupted", "controller", addr, "code", st.Code().String(), "err", st.Message(), "retry_in", retryIn)
	}
}

// offer takes a configuration from the controller: unless it is the one
// in force, it is validated, applied and saved.
func (a *Agent) offer(cfg *pb.EdgeConfig) {
	a.mu.Lock()
	cur := a.current
	a.mu.Unlock()
	if cur != nil && proto.Equal(cur, cfg) {
		a.log.Debug("configuration unchanged", "revision", cfg.GetRevision())
		return
	}
	if cur != nil && cfg.GetRevision() < cur.GetRevision() {
		a.log.Warn("the controller sent an older revision than the one in force; applying it (the controller is the authority)",
			"revision", cfg.GetRevision(), "in_force", cur.GetRevision())
	}
	span, ok := a.apply(cfg, "controller")
	if !ok {
		return
	}
	if err := saveConfig(a.opts.StateDir, cfg); err != nil {
		a.log.Error("configuration applied but not saved: a restart without the controller would not have it", "revision", cfg.GetRevision(), "err", err)
	}
	a.setCurrent(cfg, span)
	a.kickRotation()
	a.log.Info("configuration applied", "revision", cfg.GetRevision())
}

// apply validates cfg and hands it to Options.Apply, in an
// edge.config.apply span (trace.go) whose context it returns; the caller
// then makes it the configuration in force (setCurrent). A refusal is
// logged, one record per field, and marks the span failed.
func (a *Agent) apply(cfg *pb.EdgeConfig, source string) (trace.SpanContext, bool) {
	_, span := a.startApply(cfg, source)
	v, err := a.validate(cfg)
	if err != nil {
		a.logRefusal(cfg.GetRevision(), source, err)
		tracing.End(span, err)
		return span.SpanContext(), false
	}
	if err = a.opts.Apply(v); err != nil {
		a.log.Error("configuration not applied; keeping the one in force", "revision", cfg.GetRevision(), "source", source, "err", err)
	}
	tracing.End(span, err)
	return span.SpanContext(), err == nil
}

// setCurrent records cfg as the configuration in force: the revision
// sent on the next WatchConfig and in telemetry; applied is the span
// that applied it (steering spans link to it).
func (a *Agent) setCurrent(cfg *pb.EdgeConfig, applied trace.SpanContext) {
	a.mu.Lock()
	a.current, a.appliedSpan = cfg, applied
	a.mu.Unlock()
}

// validate converts cfg into the edge's configuration and checks it with
// config.Validate, then checks it is for this edge's site.
func (a *Agent) validate(cfg *pb.EdgeConfig) (*config.Valid, error) {
	v, err := toConfig(cfg, a.keyFile).Validate()
	if err != nil {
		return nil, err
	}
	id := a.credentials().Identity
	if int64(v.ID) != id.SiteID || v.Name != id.SiteName {
		return nil, fielderr.List{{Path: "site", Msg: fmt.Sprintf("site %d %q is not this edge's (%s)", v.ID, v.Name, id)}}
	}
	if err := controllersOutsidePrefixes(a.targets, v); err != nil {
		return nil, err
	}
	return v, nil
}

// controllersOutsidePrefixes refuses a configuration that would route a
// controller address (those given as addresses; names are not resolved
// here) into the overlay: the edge would lose its control channel with the
// very configuration it applied.
func controllersOutsidePrefixes(targets []string, v *config.Valid) error {
	var errs fielderr.List
	for _, t := range targets {
		ap, err := netip.ParseAddrPort(t)
		if err != nil {
			continue
		}
		addr := ap.Addr().Unmap()
		for i, p := range v.Peers {
			for j, pfx := range p.Prefixes {
				if pfx.Contains(addr) {
					errs = append(errs, fielderr.Error{Path: fmt.Sprintf("peers[%d].prefixes[%d]", i, j),
						Msg: fmt.Sprintf("%s covers the controller %s: routed into the overlay, the control channel would be cut off", pfx, addr)})
				}
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (a *Agent) logRefusal(rev uint64, source string, err error) {
	var fields fielderr.List
	if !errors.As(err, &fields) {
		a.log.Error("configuration refused; keeping the one in force", "revision", rev, "source", source, "err", err)
		return
	}
	for _, f := range fields {
		a.log.Error("configuration refused; keeping the one in force", "revision", rev, "source", source, "field", f.Path, "problem", f.Msg)
	}
}
