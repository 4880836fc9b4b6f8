package daemon_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// report sends one telemetry batch of one sample as the edge and waits
// for its acknowledgement.
func (r *running) report(edge *pki.Credentials, boot []byte, seq uint64) {
	t := r.t
	t.Helper()
	stream, err := pb.NewEdgeControlClient(r.dial(edge.ClientTLSConfig("127.0.0.1"))).Report(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	err = stream.Send(&pb.Telemetry{BootId: boot, Sequence: seq, SentAt: timestamppb.Now(), PathSamples: []*pb.PathSample{{
		PathId: "b1/inet->hq/inet", MeasuredAt: timestamppb.Now(), State: pb.PathState_PATH_STATE_UP, MetricsValid: true, LatencyMs: 12}}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := stream.Recv()
	if err != nil || ack.AckedSequence != seq {
		t.Fatalf("ack of batch %d: %v, %v", seq, ack, err)
	}
	stream.CloseSend()
}

// copyDir copies a directory of files (pki, admin) with their modes.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), info.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBackupRestore: a backup taken while the controller serves, restored
// into a new controller (a new data directory with the old pki and
// admin directories), serves the edge enrolled before with its old
// identity: its configuration stream opens, a batch it sent before is
// acknowledged without being stored twice, a new one is stored.
func TestBackupRestore(t *testing.T) {
	dirA := tempDir(t)
	a := start(t, baseConfig(dirA))
	edge := a.enrol("default", "b1")
	boot := []byte("0123456789abcdef")
	a.report(edge, boot, 1)
	file := filepath.Join(tempDir(t), "controller.backup")
	if err := daemon.Backup(ctxT(t), baseConfig(dirA), file); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v; want mode 0600", fi, err)
	}
	if err := daemon.Backup(ctxT(t), baseConfig(dirA), file); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second backup over the first: %v", err)
	}
	a.Stop()

	dirB := tempDir(t)
	copyDir(t, filepath.Join(dirA, daemon.PKIDir), filepath.Join(dirB, daemon.PKIDir))
	copyDir(t, filepath.Join(dirA, daemon.AdminDir), filepath.Join(dirB, daemon.AdminDir))
	if err := daemon.Restore(ctxT(t), baseConfig(dirB), filepath.Join(dirB, daemon.PKIDir, "ca.crt")); err == nil || !strings.Contains(err.Error(), "not a SQLite database") {
		t.Fatalf("restoring a file that is not a database: %v", err)
	}
	if err := daemon.Restore(ctxT(t), baseConfig(dirB), file); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Restore(ctxT(t), baseConfig(dirB), file); err == nil || !strings.Contains(err.Error(), "a database exists") {
		t.Fatalf("restoring over a database: %v", err)
	}
	b := start(t, baseConfig(dirB))
	stream, err := pb.NewEdgeControlClient(b.dial(edge.ClientTLSConfig("127.0.0.1"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := stream.Recv(); err != nil || c.Site.GetName() != "b1" {
		t.Fatalf("the restored controller's configuration for the old edge: %v, %v", c, err)
	}
	b.report(edge, boot, 1) // its ack was lost: sent again
	b.report(edge, boot, 2)
	b.Stop()

	st, err := sqlite.Open(ctxT(t), filepath.Join(dirB, daemon.SQLiteFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pts, err := st.PathMetrics(ctxT(t), "default", "b1/inet~hq/inet", store.Raw, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil || len(pts) != 2 {
		t.Fatalf("samples after the restore: %d, %v; want 2 (batch 1 once, batch 2)", len(pts), err)
	}
}

// TestBackupRefusesPostgres: the PostgreSQL store is the server's to back
// up; the command says how.
func TestBackupRefusesPostgres(t *testing.T) {
	cfg := baseConfig(tempDir(t))
	cfg.Store = "postgres://patronus@db.example.net/patronus"
	for _, err := range []error{daemon.Backup(ctxT(t), cfg, "x"), daemon.Restore(ctxT(t), cfg, "x")} {
		if !errors.Is(err, daemon.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") || !strings.Contains(err.Error(), "pg_restore") {
			t.Errorf("error %v: want ErrBackupPostgres naming pg_dump and pg_restore", err)
		}
	}
}
