package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Store is what the service needs of the controller's store.
type Store interface {
	store.AlertStore
	AddAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
}

// Cert is a certificate the cert_expiring rule watches.
type Cert struct {
	Subject  string // "cert/server", "cert/ca", "cert/operator/NAME/SERIAL", "cert/edge/NETWORK/SITE"
	Name     string // for people: "the controller's TLS server certificate"
	Network  string // an edge's
	Site     string // an edge's
	NotAfter time.Time
	// RenewDue, for a certificate renewed on its own (an edge renews at
	// two thirds of its lifetime): not judged before this time, so that a
	// short lifetime (within Within of its end when renewed) is not an
	// alert, only a renewal that did not happen.
	RenewDue time.Time
}

// Fleet is the fleet's current state, which the service reads at every
// evaluation (manage.Live in the controller): the newest report of every
// path end, from every replica.
type Fleet interface {
	// AppendPathReports appends the newest report of every path end to
	// dst and returns it.
	AppendPathReports(dst []PathReport) []PathReport
}

// EdgeCerts are the edge certificates of a network's sites to watch:
// each site's newest certificate that is not revoked (certs as
// store.SiteCerts lists them). An edge renews its own at two thirds of
// its lifetime and its older one then runs out unused, so only the
// newest matters, and only once its renewal is overdue: RenewDue is
// three quarters of its lifetime. Sites enrolled before certificates
// were recorded (store migration 15) have none until they renew.
func EdgeCerts(network string, certs []store.SiteCert) []Cert {
	newest := map[string]store.SiteCert{}
	var order []string
	for _, c := range certs {
		old, ok := newest[c.Site]
		if !c.RevokedAt.IsZero() || ok && !c.NotAfter.After(old.NotAfter) {
			continue
		}
		if !ok {
			order = append(order, c.Site)
		}
		newest[c.Site] = c
	}
	out := make([]Cert, 0, len(order))
	for _, site := range order {
		c := newest[site]
		out = append(out, Cert{Subject: "cert/edge/" + network + "/" + site, Network: network, Site: site,
			Name:     "the edge certificate of site " + site + " (serial " + c.Serial + ")",
			NotAfter: c.NotAfter, RenewDue: c.IssuedAt.Add(c.NotAfter.Sub(c.IssuedAt) * 3 / 4)})
	}
	return out
}

// ServiceConfig is what a Service needs.
type ServiceConfig struct {
	Rules Rules       // Config.Compile
	Store Store       // required
	Bus   *events.Bus // required by Run to evaluate: state changes, sites, steering, revisions
	// Fleet is read at every evaluation; required with Bus (the bus
	// carries only path state changes to the engine, not every report).
	Fleet Fleet
	Now   func() time.Time // nil: time.Now
	Log   *slog.Logger     // nil: discarded
	// Certs lists the certificates to watch; nil: none.
	Certs func(ctx context.Context) ([]Cert, error)
	// Probe checks the store for the store_errors rule; nil: the rule
	// has nothing to look at.
	Probe func(ctx context.Context) error
	// Sites lists a network's sites after a configuration revision, so
	// that the alerts of sites removed resolve; nil: never.
	Sites func(ctx context.Context, network string) ([]string, error)
	// Client makes the HTTP attempts; nil: one that follows no redirect.
	Client *http.Client
	// Leader, with several replicas on one database, elects the one
	// that evaluates and delivers (postgres.Leader); nil: this one.
	Leader Leader
}

// Leader elects the one replica that evaluates the rules and delivers
// the notices.
type Leader interface {
	// Lead blocks until this replica leads or ctx ends (an error); the
	// context it returns ends when the lead is lost.
	Lead(ctx context.Context) (context.Context, error)
}

// Service runs the rule engine on the live events and delivers its
// notices to the webhooks. Safe for concurrent use.
type Service struct {
	cfg    ServiceConfig
	log    *slog.Logger
	client *http.Client

	// emu is held from an evaluation to the end of publishing its
	// notices, so that notices are queued in the order they were made
	// (the event, tick and check loops evaluate concurrently).
	emu     sync.Mutex
	mu      sync.Mutex // guards eng, leading and subs; taken after emu
	eng     *Engine
	leading bool // Run evaluates (with a Leader: this replica leads)
	subs    map[chan Alert]bool

	wmu     sync.Mutex // guards workers and runCtx
	workers map[int64]*worker
	runCtx  context.Context // nil until Run
}

// NewService returns a service; Run starts it.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("alert: ServiceConfig.Store is required")
	}
	if cfg.Bus != nil && cfg.Fleet == nil {
		return nil, errors.New("alert: ServiceConfig.Fleet is required with Bus")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, log: cfg.Log, client: cfg.Client, eng: NewEngine(cfg.Rules),
		subs: map[chan Alert]bool{}, workers: map[int64]*worker{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = newClient()
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// Run evaluates and delivers until ctx ends; with Rules.Enabled false it
// only waits (webhooks can still be managed and tested). With a Leader,
// it does so only while this replica leads, from the alerts the store
// records as firing; a replica that loses the lead forgets its state
// and waits to lead again.
func (s *Service) Run(ctx context.Context) {
	if !s.cfg.Rules.Enabled || s.cfg.Bus == nil {
		<-ctx.Done()
		return
	}
	if s.cfg.Leader == nil {
		s.lead(ctx)
		return
	}
	for {
		lctx, err := s.cfg.Leader.Lead(ctx)
		if err != nil {
			return // ctx ended
		}
		s.log.Info("alerts: this replica leads: it evaluates the alert rules and sends the notices")
		closed := s.lead(lctx)
		if closed || ctx.Err() != nil {
			return
		}
		s.log.Warn("alerts: this replica lost the lead; another one evaluates the alert rules")
	}
}

// lead evaluates and delivers until ctx ends or the bus closes (closed).
func (s *Service) lead(ctx context.Context) (closed bool) {
	eng := NewEngine(s.cfg.Rules)
	eng.Restore(s.firing(ctx), s.now())
	s.mu.Lock()
	s.eng, s.leading = eng, true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.leading = false
		s.mu.Unlock()
	}()
	s.startWorkers(ctx)
	defer s.stopWorkers()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.checkLoop(ctx) }()
	go func() { defer wg.Done(); s.tickLoop(ctx) }()
	closed = s.eventLoop(ctx)
	wg.Wait()
	return closed
}

// firing reads the alerts the store records as firing (a failure is
// logged: the engine then starts without them).
func (s *Service) firing(ctx context.Context) []Alert {
	recs, err := s.cfg.Store.FiringAlerts(ctx)
	if err != nil {
		s.log.Warn("alerts: reading the alerts firing: they will fire again if still true", "err", err)
		return nil
	}
	out := make([]Alert, 0, len(recs))
	for _, r := range recs {
		var a Alert
		if err := json.Unmarshal(r.Body, &a); err != nil {
			s.log.Warn("alerts: a recorded alert is not readable; skipped", "kind", r.Kind, "subject", r.Subject, "err", err)
			continue
		}
		out = append(out, a)
	}
	return out
}

// record keeps the store's firing alerts as the notices say: a firing
// one recorded, a resolved one forgotten. A failure is logged: after a
// restart that alert would fire again, or not resolve.
func (s *Service) record(ctx context.Context, a Alert) {
	var err error
	if a.Status == StatusFiring {
		var body []byte
		if body, err = json.Marshal(a); err == nil {
			err = s.cfg.Store.PutFiringAlert(ctx, store.FiringAlert{Kind: string(a.Kind), Network: a.Network, Subject: a.Subject, Body: body, FiredAt: a.At})
		}
	} else {
		err = s.cfg.Store.DeleteFiringAlert(ctx, string(a.Kind), a.Network, a.Subject)
	}
	if err != nil && ctx.Err() == nil { // stopping: judged again after the restart
		s.log.Warn("alerts: recording an alert's state", "kind", a.Kind, "subject", a.Subject, "status", a.Status, "err", err)
	}
}

// eventLoop (it returns whether the bus closed) feeds the engine the events that change the fleet's state —
// path state changes (not every report: the periodic evaluation reads
// those from Fleet), sites online and offline, steering events,
// revisions — so that a change is judged at once, subscribing again when
// the bus ends a subscription that fell behind. A lost event delays an
// alert until the next evaluation, except a steering event (a failover
// not counted).
func (s *Service) eventLoop(ctx context.Context) (closed bool) {
	f := events.Filter{Kinds: []events.Kind{events.KindPath, events.KindSteering, events.KindSite, events.KindConfig},
		StateChangesOnly: true}
	for ctx.Err() == nil {
		sub := s.cfg.Bus.Subscribe(ctx, f, 4096)
		for ev := range sub.C {
			if ev.Kind == events.KindConfig {
				s.retain(ctx, ev.Network)
				continue
			}
			s.evaluate(ctx, func(e *Engine, now time.Time) []Alert { return e.Observe(ev, now) })
		}
		if errors.Is(sub.Err(), events.ErrClosed) {
			return true
		}
		if ctx.Err() == nil {
			s.log.Warn("alerts: live events were lost; evaluating from the next ones", "err", sub.Err())
		}
	}
	return false
}

func (s *Service) retain(ctx context.Context, network string) {
	if s.cfg.Sites == nil {
		return
	}
	sites, err := s.cfg.Sites(ctx, network)
	if err != nil {
		return
	}
	s.evaluate(ctx, func(e *Engine, now time.Time) []Alert { return e.Retain(network, sites, now) })
}

// tickLoop moves the alerts by their timing (For, ResolveAfter) each
// Rules.Evaluate, and every Rules.Sweep judges every rule from the
// fleet's current state: silence, freshness, thresholds, windows, and
// any change whose event was lost. (A sweep of 1,000 sites' 8,000 path
// ends costs milliseconds: not at every tick.)
func (s *Service) tickLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Rules.Evaluate)
	defer t.Stop()
	var reports []PathReport // reused: the fleet is copied each time
	var swept time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(swept) < s.cfg.Rules.Sweep {
			s.evaluate(ctx, func(e *Engine, now time.Time) []Alert { return e.Step(now) })
			continue
		}
		swept = time.Now()
		reports = s.cfg.Fleet.AppendPathReports(reports[:0])
		s.evaluate(ctx, func(e *Engine, now time.Time) []Alert {
			e.Sync(reports, now)
			return e.Tick(now)
		})
	}
}

// checkLoop runs the certificate and store checks.
func (s *Service) checkLoop(ctx context.Context) {
	certs := time.NewTicker(s.cfg.Rules.CertCheck)
	defer certs.Stop()
	probe := time.NewTicker(s.cfg.Rules.StoreCheck)
	defer probe.Stop()
	s.checkCerts(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-certs.C:
			s.checkCerts(ctx)
		case <-probe.C:
			s.probe(ctx)
		}
	}
}

func (s *Service) checkCerts(ctx context.Context) {
	if s.cfg.Certs == nil {
		return
	}
	certs, err := s.cfg.Certs(ctx)
	if err != nil {
		s.log.Warn("alerts: listing certificates", "err", err)
		return
	}
	now := s.now()
	var holding []Check
	for _, c := range certs {
		left := c.NotAfter.Sub(now)
		if left > s.cfg.Rules.CertWithin || now.Before(c.RenewDue) {
			continue
		}
		sum := fmt.Sprintf("%s expires on %s (in %v)", c.Name, c.NotAfter.UTC().Format(time.RFC3339), left.Round(time.Hour))
		if left <= 0 {
			sum = fmt.Sprintf("%s expired on %s", c.Name, c.NotAfter.UTC().Format(time.RFC3339))
		}
		holding = append(holding, Check{Subject: c.Subject, Site: c.Site, Network: c.Network, Summary: sum,
			Details: map[string]any{"not_after": c.NotAfter.UTC(), "certificate": c.Name}})
	}
	s.evaluate(ctx, func(e *Engine, now time.Time) []Alert { return e.Check(KindCertExpiring, holding, now) })
}

// probeTimeout bounds one store check.
const probeTimeout = 5 * time.Second

func (s *Service) probe(ctx context.Context) {
	if s.cfg.Probe == nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	err := s.cfg.Probe(pctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	var holding []Check
	if err != nil {
		holding = []Check{{Subject: "store", Summary: "the controller's store fails: " + err.Error(),
			Details: map[string]any{"error": err.Error()}}}
	}
	s.evaluate(ctx, func(e *Engine, now time.Time) []Alert { return e.Check(KindStoreErrors, holding, now) })
}

// evaluate runs f on the engine and publishes its notices, in order.
//
// Nothing is evaluated once ctx has ended: a service stopping (the
// controller shutting down as its edges disconnect) would judge changes
// it can neither record nor announce; the next run judges them again.
func (s *Service) evaluate(ctx context.Context, f func(e *Engine, now time.Time) []Alert) {
	if ctx.Err() != nil {
		return
	}
	s.emu.Lock()
	defer s.emu.Unlock()
	s.mu.Lock()
	n := f(s.eng, s.now())
	s.mu.Unlock()
	s.publish(ctx, n)
}

// Alerts returns the firing alerts, oldest first: the engine's while
// this replica leads (or without a Leader), else those the store
// records (the leading replica's).
func (s *Service) Alerts() []Alert {
	s.mu.Lock()
	leading := s.leading || s.cfg.Leader == nil
	active := s.eng.Active()
	s.mu.Unlock()
	if leading {
		return active
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	out := s.firing(ctx)
	slices.SortFunc(out, func(a, b Alert) int { return a.At.Compare(b.At) })
	return out
}

// Subscribe returns the notices from now on, until ctx ends. A
// subscriber more than buffer notices behind is dropped: its channel
// closes early.
func (s *Service) Subscribe(ctx context.Context, buffer int) <-chan Alert {
	ch := make(chan Alert, max(buffer, 1))
	s.mu.Lock()
	s.subs[ch] = true
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.unsubscribe(ch) })
	return ch
}

// Subscribers is how many Subscribe channels are open.
func (s *Service) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

func (s *Service) unsubscribe(ch chan Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[ch] {
		delete(s.subs, ch)
		close(ch)
	}
}

// publish logs the notices, hands them to the subscribers and queues
// them for every webhook.
func (s *Service) publish(ctx context.Context, notices []Alert) {
	if len(notices) == 0 {
		return
	}
	s.mu.Lock()
	for _, a := range notices {
		s.log.Info("alert "+string(a.Status), "kind", a.Kind, "network", a.Network, "site", a.Site, "path", a.Path, "subject", a.Subject, "alert", a.ID)
		for ch := range s.subs {
			select {
			case ch <- a:
			default:
				delete(s.subs, ch)
				close(ch)
			}
		}
	}
	s.mu.Unlock()
	for _, a := range notices {
		s.record(ctx, a)
	}
	if ctx.Err() != nil {
		return // stopping: neither recorded nor queued; judged again after the restart
	}
	hooks, err := s.cfg.Store.Webhooks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("alerts: listing webhooks: notices not queued", "err", err)
		}
		return
	}
	for _, h := range hooks {
		for _, a := range notices {
			s.enqueue(ctx, h, a)
		}
	}
}

// enqueue stores a notice for a webhook and wakes its worker. When the
// store refuses (it may be what the alert is about), one attempt is made
// at once without retries.
func (s *Service) enqueue(ctx context.Context, h store.Webhook, a Alert) {
	body, err := render(a, h.Slack)
	if err != nil {
		s.log.Error("alerts: encoding a notice", "err", err)
		return
	}
	_, dropped, err := s.cfg.Store.EnqueueDelivery(ctx, h.ID, body, s.cfg.Rules.Delivery.Queue)
	if err != nil {
		s.log.Warn("alerts: queueing a notice failed: one attempt without retries", "webhook", h.ID, "err", err)
		go s.attemptOnce(h, body)
		return
	}
	if dropped > 0 {
		s.log.Warn("alerts: a webhook's queue is full: dropped the oldest", "webhook", h.ID, "dropped", dropped)
		s.audit(h, nil, map[string]any{"dropped": dropped, "error": "queue full"}, false)
	}
	s.wmu.Lock()
	w := s.workers[h.ID]
	s.wmu.Unlock()
	if w == nil {
		// Added through another replica since Run started.
		s.startWorker(h)
		return
	}
	w.poke()
}

func (s *Service) attemptOnce(h store.Webhook, body []byte) {
	status, err := s.post(context.Background(), h, "unqueued", body)
	detail := map[string]any{"attempt": 1, "unqueued": true}
	if status != 0 {
		detail["http_status"] = status
	}
	if err != nil {
		detail["error"] = err.Error()
	}
	s.audit(h, body, detail, err == nil)
}

// startWorkers starts a worker per stored webhook.
func (s *Service) startWorkers(ctx context.Context) {
	s.wmu.Lock()
	s.runCtx = ctx
	s.wmu.Unlock()
	hooks, err := s.cfg.Store.Webhooks(ctx)
	if err != nil {
		s.log.Error("alerts: listing webhooks: no deliveries until one is added", "err", err)
	}
	for _, h := range hooks {
		s.startWorker(h)
	}
}

// startWorker starts h's worker if Run runs and it has none.
func (s *Service) startWorker(h store.Webhook) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.runCtx == nil || s.runCtx.Err() != nil || s.workers[h.ID] != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	w := &worker{hook: h, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	s.workers[h.ID] = w
	go s.work(ctx, w)
}

func (s *Service) stopWorker(id int64) {
	s.wmu.Lock()
	w := s.workers[id]
	delete(s.workers, id)
	s.wmu.Unlock()
	if w != nil {
		w.cancel()
		<-w.done
	}
}

func (s *Service) stopWorkers() {
	s.wmu.Lock()
	ids := make([]int64, 0, len(s.workers))
	for id := range s.workers {
		ids = append(ids, id)
	}
	s.runCtx = nil
	s.wmu.Unlock()
	for _, id := range ids {
		s.stopWorker(id)
	}
}

// AddWebhook validates and stores a webhook and starts delivering to it.
// An empty secret is drawn (NewSecret); the returned webhook holds the
// secret either way: show it once when it was drawn, never again.
func (s *Service) AddWebhook(ctx context.Context, spec store.WebhookSpec) (store.Webhook, error) {
	if err := ValidateURL(spec.URL); err != nil {
		return store.Webhook{}, err
	}
	if spec.Secret == "" {
		spec.Secret = NewSecret()
	} else if err := ValidateSecret(spec.Secret); err != nil {
		return store.Webhook{}, err
	}
	h, err := s.cfg.Store.CreateWebhook(ctx, spec)
	if err != nil {
		return h, err
	}
	s.startWorker(h)
	return h, nil
}

// Webhooks lists the webhooks, by ID, without their secrets.
func (s *Service) Webhooks(ctx context.Context) ([]store.Webhook, error) {
	hooks, err := s.cfg.Store.Webhooks(ctx)
	for i := range hooks {
		hooks[i].Secret = ""
	}
	return hooks, err
}

// RemoveWebhook stops delivering to a webhook and deletes it with its
// pending deliveries.
func (s *Service) RemoveWebhook(ctx context.Context, id int64) error {
	s.stopWorker(id)
	return s.cfg.Store.DeleteWebhook(ctx, id)
}

// TestResult is the outcome of a test delivery.
type TestResult struct {
	Delivered  bool
	HTTPStatus int    // 0: no answer
	Error      string // why not delivered
	Duration   time.Duration
}

// TestWebhook sends one test notice (kind "test") to a webhook now,
// once, outside its queue, and says how the receiver answered. The
// attempt is audited as every delivery is.
func (s *Service) TestWebhook(ctx context.Context, id int64) (TestResult, error) {
	hooks, err := s.cfg.Store.Webhooks(ctx)
	if err != nil {
		return TestResult{}, err
	}
	i := slices.IndexFunc(hooks, func(h store.Webhook) bool { return h.ID == id })
	if i < 0 {
		return TestResult{}, store.NotFound("webhook", "webhook %d does not exist", id)
	}
	h := hooks[i]
	now := s.now()
	a := Alert{ID: newID(), Kind: KindTest, Status: StatusFiring, At: now, StartedAt: now, Subject: "test",
		Summary: "a test notice from the Patronus controller", Test: true}
	body, err := render(a, h.Slack)
	if err != nil {
		return TestResult{}, err
	}
	start := time.Now()
	status, perr := s.post(ctx, h, "test-"+a.ID, body)
	res := TestResult{Delivered: perr == nil, HTTPStatus: status, Duration: time.Since(start)}
	detail := map[string]any{"attempt": 1}
	if status != 0 {
		detail["http_status"] = status
	}
	if perr != nil {
		res.Error = perr.Error()
		detail["error"] = res.Error
	}
	s.audit(h, body, detail, perr == nil)
	return res, nil
}
