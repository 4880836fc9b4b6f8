package natdisc

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Timing of a Watcher.
const (
	// retryFirst is the wait before trying again a link whose first
	// discovery failed (the responder or the link not reachable yet).
	retryFirst = time.Second
	// minRecheck bounds how often Recheck asks a link again.
	minRecheck = 200 * time.Millisecond
)

// Link is one WAN link a Watcher watches.
type Link struct {
	Name string
	Conn Conn
}

// Observation is what a Watcher knows of one link.
type Observation struct {
	Link string
	// Result is the last successful discovery, its Mapped refreshed
	// since; zero until one succeeded.
	Result
	// At is when Result was last confirmed.
	At time.Time
	// Err is the last failure; nil once a later ask succeeded.
	Err error
	// Lifetime is the NAT's idle timeout as measured (MeasureLifetime),
	// once the search ended; zero before, and for a link whose NAT
	// cannot be tested or is not behind NAT.
	Lifetime Lifetime
}

// Watcher classifies each link's NAT once (and, behind an address-and-
// port-dependent filter, measures its idle timeout once: MeasureLifetime,
// in a goroutine of its own), then asks its mapping every
// refresh (which also keeps the mapping towards the responder alive) and
// whenever Recheck is called, and calls onChange when a link's mapped
// endpoint or kind changes (a NAT rebinding moves the mapped port).
type Watcher struct {
	server   netip.AddrPort
	refresh  time.Duration
	cfg      Config
	lifetime LifetimeConfig
	onChange func()
	log      *slog.Logger
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	rechecks []chan struct{} // one per link, capacity 1

	mu  sync.Mutex
	obs map[string]Observation // guarded by mu
}

// Watch starts a Watcher; onChange is called from its goroutines and must
// not block.
func Watch(server netip.AddrPort, refresh time.Duration, links []Link, cfg Config, onChange func(), log *slog.Logger) *Watcher {
	return WatchLifetime(server, refresh, links, cfg, LifetimeConfig{}, onChange, log)
}

// WatchLifetime is Watch with the bounds of the lifetime search run once
// per link behind an address-and-port-dependent filter.
func WatchLifetime(server netip.AddrPort, refresh time.Duration, links []Link, cfg Config, lc LifetimeConfig, onChange func(), log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{server: server, refresh: refresh, cfg: cfg, lifetime: lc, onChange: onChange, log: log, cancel: cancel,
		obs: map[string]Observation{}}
	for _, l := range links {
		ch := make(chan struct{}, 1)
		w.rechecks = append(w.rechecks, ch)
		w.wg.Go(func() { w.run(ctx, l, ch) })
	}
	return w
}

// Observations are the links' observations, by link name; links never
// asked successfully have a zero Result.
func (w *Watcher) Observations() []Observation {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Observation, 0, len(w.obs))
	for _, o := range w.obs {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Observation) int { return strings.Compare(a.Link, b.Link) })
	return out
}

// Recheck asks every link's mapping now (a path went down: its NAT may
// have rebound). It never blocks.
func (w *Watcher) Recheck() {
	for _, ch := range w.rechecks {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Close stops the Watcher and waits for its goroutines.
func (w *Watcher) Close() {
	w.cancel()
	w.wg.Wait()
}

func (w *Watcher) run(ctx context.Context, l Link, recheck chan struct{}) {
	var cur Result
	var last time.Time
	var mu sync.Mutex // held around each exchange on l.Conn: the lifetime search shares it
	classified, failures := false, 0
	for {
		last = time.Now()
		wait := w.refresh
		if !classified {
			mu.Lock()
			res, err := Discover(ctx, l.Conn, w.server, w.cfg)
			mu.Unlock()
			if classified = err == nil; classified {
				cur = res
				w.log.Info("nat discovered", "link", l.Name, "observed_endpoint", res.Mapped, "mapping", res.Kind.Mapping, "filtering", res.Kind.Filtering)
				if res.Kind.Filtering == AddressAndPortDependent {
					w.wg.Go(func() { w.measure(ctx, l, &mu) })
				}
			} else {
				if failures == 0 {
					w.log.Warn("nat discovery failed: retrying every second", "link", l.Name, "stun_server", w.server, "err", err)
				}
				failures++
				wait = retryFirst
			}
			w.record(l.Name, cur, err)
		} else {
			mu.Lock()
			m, err := Mapped(ctx, l.Conn, w.server, w.cfg)
			mu.Unlock()
			if err == nil && m != cur.Mapped {
				w.log.Info("nat mapping changed", "link", l.Name, "from", cur.Mapped, "to", m)
				cur.Mapped = m
			}
			w.record(l.Name, cur, err)
		}
		select {
		case <-time.After(wait):
		case <-recheck:
			time.Sleep(minRecheck - time.Since(last)) // at most one ask per minRecheck
		case <-ctx.Done():
			return
		}
	}
}

// measure searches the link's NAT idle timeout once and records it.
func (w *Watcher) measure(ctx context.Context, l Link, mu *sync.Mutex) {
	lt, err := MeasureLifetime(ctx, l.Conn, w.server, w.cfg, w.lifetime, mu)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("nat lifetime not measured", "link", l.Name, "err", err)
		}
		return
	}
	if lt.Measured() {
		w.log.Info("nat lifetime measured", "link", l.Name, "alive_after", lt.Alive, "forgotten_after", lt.Dead)
	} else {
		w.log.Info("nat lifetime measured", "link", l.Name, "alive_after", lt.Alive, "forgotten_after", "not within the range")
	}
	w.mu.Lock()
	o := w.obs[l.Name]
	o.Link, o.Lifetime = l.Name, lt
	w.obs[l.Name] = o
	w.mu.Unlock()
	if w.onChange != nil {
		w.onChange()
	}
}

// record keeps a link's latest ask and calls onChange when its Result
// changed.
func (w *Watcher) record(link string, res Result, err error) {
	w.mu.Lock()
	old, had := w.obs[link]
	o := Observation{Link: link, Result: res, At: old.At, Err: err, Lifetime: old.Lifetime}
	if err == nil {
		o.At = time.Now()
	}
	w.obs[link] = o
	w.mu.Unlock()
	if (!had || old.Result != res) && res.Mapped.IsValid() && w.onChange != nil {
		w.onChange()
	}
}

// IsHostAddr reports whether a is an address of one of this host's
// interfaces (in its network namespace): a link whose mapped address is
// its own is not behind NAT. Config.IsLocal for an edge.
func IsHostAddr(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, x := range addrs {
		if p, err := netip.ParsePrefix(x.String()); err == nil && p.Addr().Unmap() == a {
			return true
		}
	}
	return false
}
