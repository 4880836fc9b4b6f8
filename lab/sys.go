package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The lab drives iproute2, nftables and tc: it is test-bed tooling, and
// these are the tools a network engineer would use to build the same
// thing by hand (the edge itself programs netlink directly).

// cmdTimeout bounds every command the lab runs.
const cmdTimeout = 30 * time.Second

func run(name string, args ...string) error {
	_, err := output(nil, name, args...)
	return err
}

func output(stdin []byte, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		c.Stdin = bytes.NewReader(stdin)
	}
	out, err := c.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ipBatch runs ip commands in namespace ns (one per line) in one process.
func ipBatch(ns string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	_, err := output([]byte(strings.Join(lines, "\n")+"\n"), "ip", "-n", ns, "-batch", "-")
	if err != nil {
		return fmt.Errorf("namespace %s: %w", ns, err)
	}
	return nil
}

// inNS runs a command inside namespace ns.
func inNS(ns string, args ...string) error {
	return run("ip", append([]string{"netns", "exec", ns}, args...)...)
}

// spawn starts a long-running command inside namespace ns, in a session of
// its own so that it outlives the lab command; its output goes to logFile.
// The returned channel is closed when the process exits (it is reaped by
// this process while this process lives).
func spawn(ns, logFile string, env []string, args ...string) (int, <-chan struct{}, error) {
	lf, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, nil, err
	}
	defer lf.Close()
	c := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	c.Stdout, c.Stderr = lf, lf
	c.Env = append(os.Environ(), env...)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return 0, nil, fmt.Errorf("namespace %s: %s: %w", ns, args[0], err)
	}
	done := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(done)
	}()
	return c.Process.Pid, done, nil
}

// spawnHost is spawn in the host's own namespace.
func spawnHost(logFile string, args ...string) (int, <-chan struct{}, error) {
	lf, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, nil, err
	}
	defer lf.Close()
	c := exec.Command(args[0], args[1:]...)
	c.Stdout, c.Stderr = lf, lf
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", args[0], err)
	}
	done := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(done)
	}()
	return c.Process.Pid, done, nil
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// stop sends SIGTERM to pid, waits up to grace for it to go, then kills it.
func stop(pid int, grace time.Duration) {
	if !alive(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// namespaces lists the network namespaces of the machine.
func namespaces() ([]string, error) {
	ents, err := os.ReadDir("/run/netns")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}

// nsPIDs lists the processes inside namespace ns.
func nsPIDs(ns string) []int {
	out, err := output(nil, "ip", "netns", "pids", ns)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// removeNS ends everything running in ns, then deletes it.
func removeNS(ns string) error {
	pids := nsPIDs(ns)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return run("ip", "netns", "del", ns)
}

// Require checks the tools a lab needs.
func Require() error {
	if os.Geteuid() != 0 {
		return errors.New("the lab creates network namespaces: run it as root")
	}
	for _, t := range []struct{ bin, pkg string }{{"ip", "iproute2"}, {"tc", "iproute2"}, {"nft", "nftables"}, {"ping", "iputils-ping"}} {
		if _, err := exec.LookPath(t.bin); err != nil {
			return fmt.Errorf("%s not found: apt-get install %s (or run scripts/install-deps.sh)", t.bin, t.pkg)
		}
	}
	return nil
}
