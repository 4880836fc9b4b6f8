package netns

import (
	"fmt"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a process gets to exit after SIGTERM at cleanup
// before it is killed.
const stopGrace = 5 * time.Second

// Proc is a long-running process started inside a namespace. It is stopped
// when the test ends; if the test failed, the tail of its output is logged.
type Proc struct {
	// Name is the program name, for messages.
	Name string

	cmd  *exec.Cmd
	out  *syncbuf.Buffer // combined output, unless the caller took stdout
	done chan struct{}
	err  error // set before done is closed
}

// Start runs a program inside the namespace in the background. Its
// combined output is kept (see Output).
func (n *NS) Start(name string, args ...string) *Proc {
	n.tb.Helper()
	return n.StartWith(nil, name, args...)
}

// StartWith is Start with the program's standard output going to stdout
// (when not nil) instead of the kept output; standard error is still kept.
func (n *NS) StartWith(stdout io.Writer, name string, args ...string) *Proc {
	n.tb.Helper()
	// ip netns exec execs the program: the pid we get is the program's.
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
	// Pdeathsig: daemons die with the test binary even if it dies
	// without running cleanups (a -timeout panic).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &Proc{Name: name, cmd: cmd, out: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if err := cmd.Start(); err != nil {
		n.tb.Fatalf("[%s] start %s: %v", n.Name, name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	n.tb.Cleanup(func() { p.cleanup(n.tb) })
	return p
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err returns the process's exit error; call it after Done is closed.
func (p *Proc) Err() error { return p.err }

// Output returns what the process has printed so far (standard error only
// when standard output went elsewhere).
func (p *Proc) Output() string { return p.out.String() }

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error {
	return syscall.Kill(p.Pid(), sig)
}

// Stop sends SIGTERM and waits up to timeout for the process to exit, then
// kills its process group. It returns false if the process had to be killed.
func (p *Proc) Stop(timeout time.Duration) bool {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		p.Kill()
		return false
	}
}

// Kill sends SIGKILL to the process group and waits for the exit.
func (p *Proc) Kill() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
}

// Wait waits up to timeout for the process to exit by itself.
func (p *Proc) Wait(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (p *Proc) cleanup(tb testing.TB) {
	select {
	case <-p.done:
	default:
		p.Stop(stopGrace)
	}
	// Children of the process (if any) share its process group.
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	if tb.Failed() {
		tb.Logf("%s (pid %d) output, last lines:\n%s", p.Name, p.Pid(), tail(p.Output(), 40))
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = append([]string{fmt.Sprintf("[… %d lines]", len(parts)-lines)}, parts[len(parts)-lines:]...)
	}
	return strings.Join(parts, "\n")
}
