package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/daemon"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// TestControllerBackupRestoreCommands: "controller backup FILE" and
// "controller restore FILE" through the command line: the restored data
// directory has the network; bad uses are refused naming what is wrong.
func TestControllerBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	src, dst := ctlTestDir(t), ctlTestDir(t)
	st, err := sqlite.Open(ctx, filepath.Join(src, daemon.SQLiteFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNetwork(ctx, "corp", store.HubAndSpoke); err != nil {
		t.Fatal(err)
	}
	st.Close()
	file := filepath.Join(ctlTestDir(t), "ctl.backup")
	if out, errOut, code := run("controller", "backup", file, "--data-dir", src); code != 0 || !strings.Contains(out, "backup: "+file+" done") {
		t.Fatalf("backup: exit %d, %q %q", code, out, errOut)
	}
	if out, errOut, code := run("controller", "restore", file, "--data-dir", dst); code != 0 || !strings.Contains(out, "restore: "+file+" done") {
		t.Fatalf("restore: exit %d, %q %q", code, out, errOut)
	}
	st, err = sqlite.Open(ctx, filepath.Join(dst, daemon.SQLiteFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.Network(ctx, "corp"); err != nil || n.Topology != store.HubAndSpoke {
		t.Fatalf("restored network: %+v, %v", n, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"controller", "backup"}, "accepts 1 arg"},
		{[]string{"controller", "backup", file, "--data-dir", src}, "exists"},
		{[]string{"controller", "restore", file, "--data-dir", dst}, "a database exists"},
		{[]string{"controller", "backup", file + "2", "--store", "postgres://db.example.net/patronus"}, "pg_dump"},
		{[]string{"controller", "restore", file, "--store", "mysql://x"}, "--store / store"},
	} {
		if _, errOut, code := run(tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
