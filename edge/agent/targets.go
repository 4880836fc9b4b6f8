package agent

import (
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// controllerTargets are the controller addresses the agent tries, in
// order: the one given (else the one enrolment used), then the endpoints
// of the controller replicas that enrolment returned, without repeats.
func controllerTargets(given string, e *enrolment) []string {
	var out []string
	add := func(addr string) {
		for _, a := range out {
			if a == addr {
				return
			}
		}
		if addr != "" {
			out = append(out, addr)
		}
	}
	add(given)
	if e != nil {
		add(e.Controller)
		for _, ep := range e.ControllerEndpoints {
			add(ep)
		}
	}
	return out
}

// MaxConfigSize is the largest message the agent accepts from the
// controller (grpc-go's default, written down). The controller does not
// send a configuration larger than this (controller/server's
// maxEdgeConfig, the same figure): it logs and records it instead.
const MaxConfigSize = 4 << 20

// controllers are the EdgeControl channels to the controller addresses,
// one per address (gRPC connects lazily, so an unused one costs nothing).
type controllers struct {
	addrs   []string
	clients []pb.EdgeControlClient
	conns   []*grpc.ClientConn
}

// dialControllers makes a channel per target. A malformed address the
// controller returned is skipped (and logged); one that leaves nothing is
// an error.
func (a *Agent) dialControllers() (*controllers, error) {
	cs := &controllers{}
	for _, addr := range a.targets {
		host, _, err := net.SplitHostPort(addr)
		var conn *grpc.ClientConn
		if err == nil {
			opts := append([]grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(a.creds.ClientTLSConfig(host))),
				connectParams(a.opts.Backoff), grpc.WithKeepaliveParams(keepaliveParams),
				grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxConfigSize))}, a.opts.traceDialOptions()...)
			conn, err = grpc.NewClient(addr, opts...)
		}
		if err != nil {
			a.log.Error("controller address skipped", "controller", addr, "err", err)
			continue
		}
		cs.addrs = append(cs.addrs, addr)
		cs.conns = append(cs.conns, conn)
		cs.clients = append(cs.clients, pb.NewEdgeControlClient(conn))
	}
	if len(cs.conns) == 0 {
		return nil, fmt.Errorf("agent: no usable controller address in %q", a.targets)
	}
	return cs, nil
}

func (cs *controllers) close() {
	for _, c := range cs.conns {
		c.Close()
	}
}

// next is the index of the address to try after a stream on address i
// ended with err: the next one when the controller could not be reached,
// else the same.
func (cs *controllers) next(i int, err error) int {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return (i + 1) % len(cs.addrs)
	}
	return i
}
