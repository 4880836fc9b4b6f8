package server

import (
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Limits of the gRPC services.
const (
	// maxRecvMsg bounds a message the controller reads (a telemetry batch,
	// an Admin request): grpc-go's default, written down.
	maxRecvMsg = 4 << 20
	// maxSendMsg leaves room above maxEdgeConfig for Admin answers.
	maxSendMsg = 16 << 20
	// maxSiteStreams bounds the EdgeControl streams one site holds open at
	// once (an edge holds one WatchConfig and one Report per controller it
	// talks to; a restart may overlap its old streams for a while).
	maxSiteStreams = 8
)

// maxEdgeConfig bounds a configuration the controller sends: what an edge
// accepts (edge/agent.MaxConfigSize). A larger one is not sent (see
// WatchConfig): the edge keeps the configuration it has rather than
// failing and retrying forever. A variable for tests only.
var maxEdgeConfig = 4 << 20

// grpcLimits are the gRPC server's message size options.
func grpcLimits() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(maxRecvMsg), grpc.MaxSendMsgSize(maxSendMsg)}
}

// siteStreams counts the EdgeControl streams each site holds open.
type siteStreams struct {
	mu sync.Mutex
	n  map[int64]int // site ID → open streams; guarded by mu
}

// acquire takes a stream slot of the site or refuses with
// RESOURCE_EXHAUSTED; release gives it back.
func (ss *siteStreams) acquire(siteID int64, name string) (release func(), err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.n == nil {
		ss.n = map[int64]int{}
	}
	if ss.n[siteID] >= maxSiteStreams {
		return nil, status.Errorf(codes.ResourceExhausted, "site %s already holds %d streams open: close one first", name, maxSiteStreams)
	}
	ss.n[siteID]++
	return func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if ss.n[siteID]--; ss.n[siteID] <= 0 {
			delete(ss.n, siteID)
		}
	}, nil
}
