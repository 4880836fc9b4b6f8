package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
	"github.com/patronus-sdwan/patronus/controller/store/storetest"
)

// BenchmarkRecordTelemetryBatches: one group commit of 64 edges' batches
// of 4 paths (a sample and counters each), as the controller's ingest
// writes them at 1,000 edges (the same as SQLite's), and of 8 (a group at
// 1,000 edges when the ingest keeps up: the cost of a group's own
// statements shows). Besides the wall time it reports CPU time, which a
// loaded machine moves less: this process's (the controller's side: pgx)
// and the PostgreSQL server's (its processes), per batch.
func BenchmarkRecordTelemetryBatches(b *testing.B) {
	if server == nil {
		b.Skip("PostgreSQL is not installed")
	}
	for _, sites := range []int{64, 8} {
		b.Run(fmt.Sprintf("group=%d", sites), func(b *testing.B) { benchGroups(b, sites) })
	}
}

func benchGroups(b *testing.B, sites int) {
	const paths = 4
	ctx := context.Background()
	st, err := postgres.Open(ctx, server.NewDB(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
		b.Fatal(err)
	}
	for i := range sites {
		if _, err := st.CreateSite(ctx, "corp", store.SiteSpec{Name: fmt.Sprintf("s%d", i), Role: store.Spoke, PublicKey: storetest.Key()}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	self0, db0 := selfCPU(), treeCPU(server.PID())
	b.ResetTimer()
	for n := range b.N {
		group := make([]store.NetworkTelemetry, sites)
		for i := range group {
			bt := store.TelemetryBatch{Site: fmt.Sprintf("s%d", i), BootID: "b0", Sequence: int64(n + 1), SeenAt: now}
			for p := range paths {
				path := fmt.Sprintf("s%d/l%d~hub/inet", i, p)
				bt.Samples = append(bt.Samples, store.PathSample{Path: path, TS: now, Latency: time.Millisecond, State: store.PathUp})
				bt.Counters = append(bt.Counters, store.PathCounters{TS: now, Since: now, Site: bt.Site, Path: path, TxBytes: int64(n)})
			}
			group[i] = store.NetworkTelemetry{Network: "corp", Batch: bt}
		}
		if _, err := st.RecordTelemetryBatches(ctx, group); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	batches := float64(b.N * sites)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/batches, "µs/batch")
	b.ReportMetric((selfCPU()-self0).Seconds()*1e6/batches, "client-cpu-µs/batch")
	b.ReportMetric((treeCPU(server.PID())-db0).Seconds()*1e6/batches, "db-cpu-µs/batch")
}

// selfCPU is this process's user and system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// treeCPU is the user and system time of pid and its children (the
// postmaster and its backends), from /proc.
func treeCPU(pid int) time.Duration {
	var ticks int64
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
		if len(fields) < 13 {
			continue
		}
		self, _ := strconv.Atoi(strings.Fields(s)[0])
		ppid, _ := strconv.Atoi(fields[1])
		if self != pid && ppid != pid {
			continue
		}
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		ticks += ut + stime
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}
