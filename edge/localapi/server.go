package localapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// Edge is what the local API serves: the running data plane
// (*dataplane.Dataplane).
type Edge interface {
	Status() Status
	Flows() ([]FlowStatus, int)
	SetPins([]Pin) error
}

// Reconfigurer puts a whole configuration in force (the data plane's
// Reconfigure).
type Reconfigurer interface {
	Reconfigure(*config.Valid) (Changes, error)
}

// FlowsAnswer is GET /flows: the flows shown (at most MaxFlowsShown of
// the data plane) and how many there are.
type FlowsAnswer struct {
	Flows []FlowStatus `json:"flows"`
	Total int          `json:"total"`
}

// Handlers are the control socket's handlers of e, by method and path:
// GET /status, GET /flows and PUT /pins (the local pins, whole).
func Handlers(e Edge) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /status": ctlsock.JSON(func() any { return e.Status() }),
		"GET /flows": ctlsock.JSON(func() any {
			fl, total := e.Flows()
			return FlowsAnswer{Flows: fl, Total: total}
		}),
		"PUT /pins": ctlsock.PutJSON(e.SetPins),
	}
}

// maxConfig bounds the body of PUT /config.
const maxConfig = 1 << 20

// PutConfig serves PUT /config: a whole configuration (YAML, or JSON of
// the same schema), validated, then put in force through r; the answer
// is what changed. A configuration with an error changes nothing and is
// answered 400 with every error by field. log (nil: none) gets the
// changes.
func PutConfig(r Reconfigurer, log *slog.Logger) http.HandlerFunc {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(w http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(io.LimitReader(req.Body, maxConfig))
		var v *config.Valid
		if err == nil {
			v, err = ParseConfig(raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ch, err := r.Reconfigure(v)
		LogChanges(log, "PUT /config", ch, err)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ch)
	}
}

// ParseConfig parses and validates a configuration.
func ParseConfig(raw []byte) (*config.Valid, error) {
	c, err := config.Parse(raw)
	if err != nil {
		return nil, err
	}
	v, err := c.Validate()
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return v, nil
}

// briefRoutes is how many routes a log line names: a site's BGP routers
// can change 100,000 at once.
const briefRoutes = 16

// brief is list, or its first briefRoutes entries and how many more.
func brief(list []string) []string {
	if len(list) <= briefRoutes {
		return list
	}
	return append(slices.Clone(list[:briefRoutes]), fmt.Sprintf("… %d more", len(list)-briefRoutes))
}

// LogChanges logs what a reconfiguration (what) changed, or why it was
// refused or only partly applied.
func LogChanges(log *slog.Logger, what string, ch Changes, err error) {
	switch {
	case err != nil && ch.None():
		log.Error(what+" refused", "err", err)
	case err != nil:
		log.Error(what+" partly applied", "err", err, "changes", ch)
	case ch.None():
		log.Info(what + ": no changes")
	default:
		log.Info(what, "peers_added", ch.PeersAdded, "peers_removed", ch.PeersRemoved, "peers_restarted", ch.PeersRestarted,
			"routes_added", brief(ch.RoutesAdded), "routes_removed", brief(ch.RoutesRemoved), "compression_changed", ch.Compression,
			"pins_dropped", len(ch.PinsDropped), "controller_pins_changed", ch.ControllerPins,
			"links_added", ch.LinksAdded, "links_removed", ch.LinksRemoved, "links_changed", ch.LinksChanged, "mtu_changed", ch.MTU,
			"peer_links_changed", ch.PeerLinksChanged)
	}
}
