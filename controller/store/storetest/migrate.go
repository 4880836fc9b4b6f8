package storetest

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// newest is the schema version of this binary; migrations is how many
// migrations it has.
const (
	newest     = 25
	migrations = 19
)

func schemaVersion(t *testing.T, e *env) int64 {
	t.Helper()
	return must(e.h.QueryInt(e.ctx, e.loc, "SELECT MAX(version) FROM schema_migrations"))(t)
}

func testMigrateEmpty(t *testing.T, h Harness) {
	e := newEnv(t, h)
	if v := schemaVersion(t, e); v != newest {
		t.Fatalf("schema version %d, want %d", v, newest)
	}
	for _, table := range []string{"users", "audit_log", "networks", "path_metrics_1h", "pins"} {
		must(h.QueryInt(e.ctx, e.loc, "SELECT COUNT(*) FROM "+table))(t)
	}
	e.s.Close()
	s := e.open(0) // reopening applies nothing
	must(s.CreateNetwork(e.ctx, "corp", store.FullMesh))(t)
	if n := must(h.QueryInt(e.ctx, e.loc, "SELECT COUNT(*) FROM schema_migrations"))(t); n != migrations {
		t.Fatalf("%d migrations recorded, want %d", n, migrations)
	}
}

// testMigrateFixture upgrades a database written by the version-1 schema
// (a frozen copy in testdata/v1, with data) to the newest.
func testMigrateFixture(t *testing.T, h Harness) {
	e := &env{t: t, h: h, loc: h.NewDB(t), clock: NewClock(epoch)}
	ctx, cancel := contextFor(t)
	defer cancel()
	e.ctx = ctx
	fixture, err := fixtures.ReadFile("testdata/v1/" + h.Engine + ".sql")
	ok(t, err)
	ok(t, h.Exec(ctx, e.loc, string(fixture)))
	if v := schemaVersion(t, e); v != 1 {
		t.Fatalf("fixture at version %d, want 1", v)
	}
	s := e.open(0)
	if v := schemaVersion(t, e); v != newest {
		t.Fatalf("schema version %d after upgrade, want %d", v, newest)
	}
	n := must(s.Network(ctx, "legacy"))(t)
	if n.Topology != store.HubAndSpoke || n.Revision != 7 {
		t.Fatalf("legacy network %+v", n)
	}
	paths := must(s.Paths(ctx, "legacy"))(t)
	if len(paths) != 1 || paths[0].Name != "branch/lte~hq/inet" {
		t.Fatalf("paths %+v", paths)
	}
	ps := must(s.Prefixes(ctx, "legacy"))(t)
	if len(ps) != 1 || ps[0].Site != "hq" || ps[0].Prefix != netip.MustParsePrefix("10.1.0.0/24") {
		t.Fatalf("prefixes %+v", ps)
	}
	// Migration 5 drops the version-1 policy tables (superseded by
	// policy_sets, migration 3); the network starts without a policy set.
	for _, table := range []string{"policy_rules", "policies", "applications", "sla_classes"} {
		if _, err := h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM "+table); err == nil {
			t.Fatalf("table %s still exists", table)
		}
	}
	if ps := must(s.PolicySet(ctx, "legacy"))(t); ps.Document != nil {
		t.Fatalf("policy set %s", ps.Document)
	}
	// The fixture's used token stays used.
	if toks := must(s.JoinTokens(ctx, "legacy"))(t); len(toks) != 1 || toks[0].UsedAt.IsZero() {
		t.Fatalf("tokens %+v", toks)
	}
	// New rows get fresh ids next to the fixture's.
	must(s.CreateSite(ctx, "legacy", spoke("branch2")))(t)
	if n := must(s.Network(ctx, "legacy"))(t); n.Revision != 8 {
		t.Fatalf("revision after a change %d, want 8", n.Revision)
	}
	_, err = s.AddPrefix(ctx, "legacy", "branch2", netip.MustParsePrefix("10.1.0.0/24"))
	wantErr(t, err, store.ErrConflict, "prefix")
	must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM audit_log"))(t)
}

// testMigrateOwnV1 upgrades a database this binary made at version 1.
func testMigrateOwnV1(t *testing.T, h Harness) {
	e := &env{t: t, h: h, loc: h.NewDB(t), clock: NewClock(epoch)}
	ctx, cancel := contextFor(t)
	defer cancel()
	e.ctx = ctx
	s1 := e.open(1)
	s1.Close()
	// The rows a version-1 binary wrote, in version-1 columns (this
	// binary's statements name columns of later versions).
	ok(t, h.Exec(ctx, e.loc, "INSERT INTO networks (name, topology, revision, created_at) VALUES ('corp', 'full-mesh', 2, 0);"+
		"INSERT INTO sites (network_id, name, role, public_key, state, created_at) SELECT id, 'hq', 'hub', '"+Key()+"', 'enrolled', 0 FROM networks WHERE name = 'corp'"))
	if v := schemaVersion(t, e); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	if _, err := h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM users"); err == nil {
		t.Fatal("users table exists at version 1")
	}
	s := e.open(0)
	if v := schemaVersion(t, e); v != newest {
		t.Fatalf("version %d after upgrade, want %d", v, newest)
	}
	if ss := must(s.Sites(ctx, "corp"))(t); len(ss) != 1 || ss[0].Name != "hq" || ss[0].CertsRecorded {
		t.Fatalf("sites after upgrade %+v", ss)
	}
}

func testSchemaTooNew(t *testing.T, h Harness) {
	e := newEnv(t, h)
	e.s.Close()
	ok(t, h.Exec(e.ctx, e.loc, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', 0)"))
	s, err := h.Open(e.ctx, e.loc, e.clock.Now, 0)
	if err == nil {
		s.Close()
		t.Fatal("opened a database newer than the binary")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("error %v: want ErrSchemaTooNew naming version 99", err)
	}
}

// testMigrateRollups: the upgrade to version 14 (rollups by receive
// time) folds what version 1's watermarks had not folded yet, once.
func testMigrateRollups(t *testing.T, h Harness) {
	e := &env{t: t, h: h, loc: h.NewDB(t), clock: NewClock(epoch)}
	ctx, cancel := contextFor(t)
	defer cancel()
	e.ctx = ctx
	s9 := e.open(9)
	s9.Close()
	// The network as version 9 has it (this binary's statements name
	// columns of later versions).
	ok(t, h.Exec(ctx, e.loc, "INSERT INTO networks (name, topology, revision, created_at) VALUES ('corp', 'full-mesh', 1, 0)"))
	netID := must(h.QueryInt(ctx, e.loc, "SELECT id FROM networks WHERE name = 'corp'"))(t)
	sec := int64(time.Second / time.Microsecond)
	e0 := epoch.UnixMicro()
	// Minute 0 was folded (5 samples) before the upgrade, its raw sample
	// is still there; minute 1 and hour 2 were not.
	stmts := fmt.Sprintf(`INSERT INTO path_metrics_raw (network_id, path, ts, latency_us, jitter_us, loss_pct, state) VALUES
		(%[1]d, '%[2]s', %[3]d, 1000, 0, 0, 0), (%[1]d, '%[2]s', %[4]d, 3000, 0, 0, 2), (%[1]d, '%[2]s', %[5]d, 1000, 0, 0, 0);
		INSERT INTO path_metrics_1m (network_id, path, bucket, samples, down_samples, latency_sum_us, latency_max_us, jitter_sum_us, loss_sum, worst_state)
		VALUES (%[1]d, '%[2]s', %[3]d, 5, 0, 5000, 1000, 0, 0, 0);
		UPDATE rollup_state SET done_until = %[6]d WHERE level = '1m';`,
		netID, testPath, e0, e0+70*sec, e0+7200*sec, e0+60*sec)
	ok(t, h.Exec(ctx, e.loc, stmts))
	s := e.open(0)
	m := must(s.PathMetrics(ctx, "corp", testPath, store.Minute, epoch, epoch.Add(3*time.Hour)))(t)
	if len(m) != 3 || m[0].Samples != 5 || m[1].Samples != 1 || m[1].State != store.PathDown || m[2].Samples != 1 {
		t.Fatalf("minute buckets after the upgrade %+v, want 5, 1 (down), 1 samples", m)
	}
	hr := must(s.PathMetrics(ctx, "corp", testPath, store.Hour, epoch, epoch.Add(3*time.Hour)))(t)
	if len(hr) != 2 || hr[0].Samples != 6 || hr[0].MaxLatency != 3*time.Millisecond || hr[1].Samples != 1 {
		t.Fatalf("hour buckets after the upgrade %+v, want 6 and 1 samples", hr)
	}
	// The old raw rows live on in the rollups only; new ones fold once.
	ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: epoch, State: store.PathUp}}))
	must(s.Maintain(ctx, store.Retention{}))(t)
	must(s.Maintain(ctx, store.Retention{}))(t)
	if hr := must(s.PathMetrics(ctx, "corp", testPath, store.Hour, epoch, epoch.Add(time.Hour)))(t); len(hr) != 1 || hr[0].Samples != 7 {
		t.Fatalf("hour 0 after a new sample %+v, want 7 samples", hr)
	}
}
