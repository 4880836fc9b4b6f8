package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
	"github.com/patronus-sdwan/patronus/controller/store/storetest"
)

// BenchmarkRecordTelemetryBatches: one group commit of 64 edges' batches
// of 4 paths (a sample and counters each), as the controller's ingest
// writes them at 1,000 edges.
func BenchmarkRecordTelemetryBatches(b *testing.B) {
	const sites, paths = 64, 4
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
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
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*sites), "µs/batch")
}
