package rig

import (
	"bufio"
	"context"
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

	"github.com/patronus-sdwan/patronus/controller/store/pgtest"
)

// ServerName is the name the clients dial the controller as; the
// controller is started with it as its certificate's name.
const ServerName = "127.0.0.1"

// startTimeout is how long a controller may take to serve.
const startTimeout = 60 * time.Second

// stopTimeout is how long a controller may take to exit on SIGTERM.
const stopTimeout = 20 * time.Second

// Controller is a running `patronus controller` process.
type Controller struct {
	Cmd     *exec.Cmd
	Addr    string // HOST:PORT it serves on (gRPC and HTTPS)
	DataDir string
	Bin     string // the patronus binary
	done    chan error

	stopOnce sync.Once
	stopErr  error
}

// StartController runs the binary with its data directory and store
// (a --store argument: "sqlite" or a PostgreSQL URL) and any more
// arguments, and waits for its "serving on" line.
func StartController(ctx context.Context, bin, dataDir, storeArg string, more ...string) (*Controller, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(ServerName, strconv.Itoa(port))
	// The fleet enrols from one address, far past the per-address limit
	// that protects a real controller.
	conf := filepath.Join(filepath.Dir(dataDir), "controller-bench.yaml")
	if err := os.WriteFile(conf, []byte("enrolment: {per_address_burst: 1000000, per_address_interval: 1ms}\n"), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "controller", "--config", conf, "--data-dir", dataDir, "--listen", addr, "--store", storeArg,
		"--server-name", ServerName, "--log-level", "warn")
	cmd.Args = append(cmd.Args, more...)
	out, err := cmd.StdoutPipe() // its messages, "serving on" among them
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Controller{Cmd: cmd, Addr: addr, DataDir: dataDir, Bin: bin, done: make(chan error, 1)}
	ready := make(chan struct{})
	go c.relayOutput(out, ready)
	go func() { c.done <- cmd.Wait() }()
	select {
	case <-ready:
		return c, nil
	case err := <-c.done:
		return nil, fmt.Errorf("controller exited before serving: %v", err)
	case <-time.After(startTimeout):
		c.Stop()
		return nil, fmt.Errorf("controller not serving after %v", startTimeout)
	case <-ctx.Done():
		c.Stop()
		return nil, ctx.Err()
	}
}

// relayOutput closes ready at the "serving on" line and copies every
// other line to stderr.
func (c *Controller) relayOutput(out io.Reader, ready chan struct{}) {
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
}

// PID is the controller's process id.
func (c *Controller) PID() int { return c.Cmd.Process.Pid }

// Ctl runs `patronus ctl` against the controller with the operator
// credentials it made (DATA_DIR/admin), and returns its standard output.
func (c *Controller) Ctl(ctx context.Context, args ...string) ([]byte, error) {
	full := append([]string{"ctl", "--controller", c.Addr, "--credentials", c.DataDir + "/admin"}, args...)
	cmd := exec.CommandContext(ctx, c.Bin, full...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("patronus ctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Stop sends SIGTERM and waits for the exit (SIGKILL after stopTimeout);
// once.
func (c *Controller) Stop() error {
	c.stopOnce.Do(func() {
		c.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case c.stopErr = <-c.done:
		case <-time.After(stopTimeout):
			c.Cmd.Process.Kill()
			<-c.done
			c.stopErr = fmt.Errorf("controller did not stop on SIGTERM within %v", stopTimeout)
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

// Postgres is a throwaway PostgreSQL server with one database.
type Postgres struct {
	Srv *pgtest.Server
	URL string
}

// StartPostgres starts a server (fsync as asked) and creates database db.
func StartPostgres(ctx context.Context, fsync bool, db string) (*Postgres, error) {
	srv, err := pgtest.StartWith(pgtest.Options{Fsync: fsync})
	if err != nil {
		return nil, err
	}
	url, err := srv.CreateDB(ctx, db)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return &Postgres{Srv: srv, URL: url}, nil
}
