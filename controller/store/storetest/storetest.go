// Package storetest is the one test suite of store.Store, run against
// every engine: an engine's tests call Run with a Harness that opens its
// stores. It also has the durability writer that an engine's TestMain
// runs in a child process (ChildMain) for Durability.
package storetest

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

//go:embed testdata/v1/*.sql
var fixtures embed.FS

// Harness is what the suite needs from an engine.
type Harness struct {
	Engine string // "sqlite" or "postgres": selects the v1 fixture
	// NewDB returns the location of a fresh, empty database (a file path
	// or a URL), removed when the test ends.
	NewDB func(t *testing.T) string
	// Open opens a store at loc; schemaVersion 0 means the newest.
	Open func(ctx context.Context, loc string, now func() time.Time, schemaVersion int) (store.Store, error)
	// Exec runs SQL (several statements allowed) on loc, outside any store.
	Exec func(ctx context.Context, loc, sql string) error
	// QueryInt runs a query of one integer on loc.
	QueryInt func(ctx context.Context, loc, sql string) (int64, error)
	// HoldWriteLock takes, on its own connection, the lock a write
	// transaction of the store waits for (SQLite: BEGIN IMMEDIATE;
	// PostgreSQL: join_tokens and sites locked against writers) until
	// release.
	HoldWriteLock func(ctx context.Context, loc string) (release func(), err error)
	// SharedWatch: stores opened on one database see each other's
	// revisions (PostgreSQL LISTEN/NOTIFY).
	SharedWatch bool
	// CheckFile, if set, checks the database itself after a crash
	// (SQLite: PRAGMA integrity_check).
	CheckFile func(ctx context.Context, loc string) error
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time // mu
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// epoch is the suite's start of time: a whole hour.
var epoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// testTimeout bounds every test's context.
const testTimeout = 60 * time.Second

type env struct {
	t     *testing.T
	h     Harness
	loc   string
	clock *Clock
	s     store.Store
	ctx   context.Context
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	e := &env{t: t, h: h, loc: h.NewDB(t), clock: NewClock(epoch), ctx: ctx}
	e.s = e.open(0)
	return e
}

func (e *env) open(version int) store.Store {
	e.t.Helper()
	s, err := e.h.Open(e.ctx, e.loc, e.clock.Now, version)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// Key returns a random WireGuard-style public key.
func Key() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// must returns v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err matches kind and, as a *store.Error, names field.
func wantErr(t *testing.T, err, kind error, field string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want %v", err, kind)
	}
	var se *store.Error
	if field != "" && (!errors.As(err, &se) || se.Field != field) {
		t.Fatalf("error %v: want field %q", err, field)
	}
}

// Run runs the whole suite against h.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Networks", testNetworks},
		{"Sites", testSites},
		{"Links", testLinks},
		{"Prefixes", testPrefixes},
		{"Paths", testPaths},
		{"JoinTokens", testJoinTokens},
		{"ForgedTokenNoWrite", testForgedTokenNoWrite},
		{"OperatorCerts", testOperatorCerts},
		{"SiteReset", testSiteReset},
		{"KeyRotation", testKeyRotation},
		{"RevokeCert", testRevokeCert},
		{"PolicySet", testPolicySet},
		{"Pins", testPins},
		{"BGP", testBGP},
		{"EdgeSettings", testEdgeSettings},
		{"LearnedPrefixes", testLearnedPrefixes},
		{"LinkNAT", testLinkNAT},
		{"PinValidation", testPinValidation},
		{"PinExpiry", testPinExpiry},
		{"Telemetry", testTelemetry},
		{"TelemetryBatches", testTelemetryBatches},
		{"CursorPruning", testCursorPruning},
		{"Deadline", testDeadline},
		{"JoinTokenRace", testJoinTokenRace},
		{"RevisionAndWatch", testRevisionWatch},
		{"RevisionTrace", testRevisionTrace},
		{"WatchAcrossStores", testWatchAcross},
		{"MetricsRollupRetention", testMetrics},
		{"MaintainConcurrent", testMaintainConcurrent},
		{"FoldWhileIngesting", testFoldWhileIngesting},
		{"CounterRollups", testCounterRollups},
		{"EventsFlows", testEventsFlows},
		{"ApplicationTraffic", testApplicationTraffic},
		{"MigrateFromEmpty", testMigrateEmpty},
		{"MigrateFromV1Fixture", testMigrateFixture},
		{"MigrateFromOwnV1", testMigrateOwnV1},
		{"MigrateRollups", testMigrateRollups},
		{"SchemaTooNew", testSchemaTooNew},
		{"Closed", testClosed},
		{"Users", testUsers},
		{"MFA", testMFA},
		{"Sessions", testSessions},
		{"APIKeys", testAPIKeys},
		{"SigningKeys", testSigningKeys},
		{"SetupToken", testSetupToken},
		{"Audit", testAudit},
		{"Webhooks", testWebhooks},
		{"FiringAlerts", testFiringAlerts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

func contextFor(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), testTimeout)
}
