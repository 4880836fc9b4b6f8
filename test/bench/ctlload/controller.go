package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", to read the store's size

	"github.com/patronus-sdwan/patronus/controller/store/pgtest"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// controller is a running `patronus controller` process.
type controller struct {
	cmd     *exec.Cmd
	addr    string
	dataDir string
	done    chan error

	stopOnce sync.Once
	stopErr  error
}

// startController runs the binary with its data directory and store, and
// waits for its "serving on" line.
func startController(ctx context.Context, bin, dataDir, storeArg string) (*controller, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, "controller", "--data-dir", dataDir, "--listen", addr, "--store", storeArg,
		"--server-name", "127.0.0.1", "--log-level", "warn")
	out, err := cmd.StdoutPipe() // its messages, "serving on" among them
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &controller{cmd: cmd, addr: addr, dataDir: dataDir, done: make(chan error, 1)}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "serving on") {
				close(ready)
				continue
			}
			fmt.Fprintln(os.Stderr, line)
		}
		io.Copy(io.Discard, out)
	}()
	go func() { c.done <- cmd.Wait() }()
	select {
	case <-ready:
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("controller exited before serving: %v", err)
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, errors.New("controller not serving after 60 s")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 20 s); once.
func (c *controller) stop() error {
	c.stopOnce.Do(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case c.stopErr = <-c.done:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
			c.stopErr = errors.New("controller did not stop on SIGTERM within 20 s")
		}
	})
	return c.stopErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// procStat is what /proc/PID/stat says about CPU time.
type procStat struct {
	ppid           int
	utime, stime   uint64 // ticks
	cutime, cstime uint64 // ticks, of waited-for children
	rssPages       int64
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name is in parentheses and may contain spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(s[i+2:]) // f[0] is field 3 (state)
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u := func(k int) uint64 { v, _ := strconv.ParseUint(f[k-3], 10, 64); return v }
	return procStat{ppid: int(u(4)), utime: u(14), stime: u(15), cutime: u(16), cstime: u(17), rssPages: int64(u(24))}, nil
}

// cpuSeconds is a process's user+system time.
func cpuSeconds(pid int) (float64, error) {
	st, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(st.utime+st.stime) / clockTicks, nil
}

// treeCPUSeconds is the user+system time of pid and its live children
// plus what its exited children spent (PostgreSQL's postmaster and its
// backends).
func treeCPUSeconds(pid int) (float64, error) {
	root, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	total := root.utime + root.stime + root.cutime + root.cstime
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pid {
			continue
		}
		st, err := readProcStat(p)
		if err != nil || st.ppid != pid {
			continue
		}
		total += st.utime + st.stime
	}
	return float64(total) / clockTicks, nil
}

// selfCPUSeconds is this process's user+system time.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// telemetryTables are the tables a telemetry batch writes to.
var telemetryTables = []string{"path_metrics_raw", "path_counters", "events", "flow_summaries", "telemetry_cursors"}

// storeProbe measures a store from outside the controller.
type storeProbe interface {
	// size is the database's size in bytes as the engine counts it.
	size(ctx context.Context) (int64, error)
	rows(ctx context.Context) (map[string]int64, error)
	// tableBytes is each telemetry table's size with its indexes.
	tableBytes(ctx context.Context) (map[string]int64, error)
	close()
}

// sqliteProbe reads the controller's database file through a connection
// of its own (WAL mode lets it read while the controller writes).
type sqliteProbe struct {
	path string
	db   *sql.DB
}

func openSQLiteProbe(path string) (*sqliteProbe, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteProbe{path: path, db: db}, nil
}

// size is the pages in use (page_count − freelist_count) × page_size: the
// database as readers see it, WAL content included, whatever has been
// checkpointed yet.
func (p *sqliteProbe) size(ctx context.Context) (int64, error) {
	var pages, free, pageSize int64
	for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &pageSize} {
		if err := p.db.QueryRowContext(ctx, q).Scan(v); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	return (pages - free) * pageSize, nil
}

func (p *sqliteProbe) rows(ctx context.Context) (map[string]int64, error) {
	return countRows(ctx, func(q string, n *int64) error { return p.db.QueryRowContext(ctx, q).Scan(n) })
}

func (p *sqliteProbe) tableBytes(ctx context.Context) (map[string]int64, error) {
	return sizeTables(func(t string, n *int64) error {
		return p.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = $1
			OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1)`, t).Scan(n)
	})
}

func (p *sqliteProbe) close() { p.db.Close() }

// checkpointedFileSize checkpoints the WAL into the database file and
// truncates it (the controller has stopped), and returns the file sizes.
func (p *sqliteProbe) checkpointedFileSize(ctx context.Context) (db, wal int64, err error) {
	var busy, logPages, done int
	if err := p.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return 0, 0, err
	}
	return fileSize(p.path), fileSize(p.path + "-wal"), nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

type pgProbe struct{ conn *pgx.Conn }

func openPGProbe(ctx context.Context, url string) (*pgProbe, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return &pgProbe{conn: c}, nil
}

func (p *pgProbe) size(ctx context.Context) (int64, error) {
	var n int64
	err := p.conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
	return n, err
}

func (p *pgProbe) rows(ctx context.Context) (map[string]int64, error) {
	return countRows(ctx, func(q string, n *int64) error { return p.conn.QueryRow(ctx, q).Scan(n) })
}

func (p *pgProbe) tableBytes(ctx context.Context) (map[string]int64, error) {
	return sizeTables(func(t string, n *int64) error {
		return p.conn.QueryRow(ctx, "SELECT pg_total_relation_size($1::regclass)", t).Scan(n)
	})
}

func (p *pgProbe) close() { p.conn.Close(context.Background()) }

func sizeTables(size func(t string, n *int64) error) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range telemetryTables {
		var n int64
		if err := size(t, &n); err != nil {
			return nil, fmt.Errorf("size of %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

func countRows(ctx context.Context, scan func(q string, n *int64) error) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range telemetryTables {
		var n int64
		if err := scan("SELECT count(*) FROM "+t, &n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// postgres is a throwaway PostgreSQL server with one database.
type postgres struct {
	srv *pgtest.Server
	url string
}

func startPostgres(ctx context.Context, fsync bool) (*postgres, error) {
	srv, err := pgtest.StartWith(pgtest.Options{Fsync: fsync})
	if err != nil {
		return nil, err
	}
	url, err := srv.CreateDB(ctx, "ctlload")
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return &postgres{srv: srv, url: url}, nil
}

// perfRecord profiles pid for d with call graphs (frame pointers) into
// dir/perf-NAME.data; it returns when done.
func perfRecord(ctx context.Context, dir, name string, pid int, d time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(dir, "perf-"+name+".data")
	cmd := exec.CommandContext(ctx, "perf", "record", "-q", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", out,
		"--", "sleep", strconv.Itoa(int(d.Seconds())))
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("perf record: %v: %s", err, b)
	}
	return nil
}
