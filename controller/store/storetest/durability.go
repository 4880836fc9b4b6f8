package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// childEnv carries the database location to the writer child process.
const childEnv = "PATRONUS_STORETEST_WRITER"

// Durability run bounds: the child is killed after killAfterAcks
// acknowledged writes or killAfter, whichever comes first.
const (
	killAfterAcks = 150
	killAfter     = 5 * time.Second
)

// ChildMain makes this test binary the durability writer when it was
// started as one by Durability: it opens the store at the location in the
// environment and, until killed, writes in a loop, printing "ack N" after
// write N is acknowledged. Call it first thing in TestMain; otherwise it
// returns at once.
func ChildMain(open func(ctx context.Context, loc string) (store.Store, error)) {
	loc := os.Getenv(childEnv)
	if loc == "" {
		return
	}
	ctx := context.Background()
	s, err := open(ctx, loc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		// Each iteration: a config change (with its revision bump) and an event.
		if _, err := s.CreateSite(ctx, "dur", store.SiteSpec{Name: "c" + strconv.Itoa(i), Role: store.Spoke, PublicKey: Key()}); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(2)
		}
		if err := s.AddEvents(ctx, "dur", []store.Event{{TS: time.Now(), Kind: "write", Reason: strconv.Itoa(i)}}); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", i) // os.Stdout is unbuffered
	}
}

// Durability kills a writer child (ChildMain) with SIGKILL in the middle
// of its writes, then checks that the store opens, that every write it
// acknowledged is there, and that every config change has its revision.
func Durability(t *testing.T, h Harness) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	loc := h.NewDB(t)
	s, err := h.Open(ctx, loc, time.Now, 0)
	ok(t, err)
	must(s.CreateNetwork(ctx, "dur", store.FullMesh))(t)
	s.Close()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+loc)
	stdout, err := cmd.StdoutPipe()
	ok(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	ok(t, cmd.Start())
	acked := -1
	deadline := time.AfterFunc(killAfter, func() { cmd.Process.Kill() })
	// Read to the end: acks printed before the kill but still in the pipe
	// count as acknowledged too.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack "))
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("writer said %q", sc.Text())
		}
		acked = n
		if acked+1 == killAfterAcks {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	deadline.Stop()
	err = cmd.Wait()
	if ws, isExit := err.(*exec.ExitError); !isExit || ws.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer did not die of SIGKILL: %v\n%s", err, stderr.String())
	}
	if acked < 0 {
		t.Fatalf("writer acknowledged nothing\n%s", stderr.String())
	}
	t.Logf("writer killed after %d acknowledged writes", acked+1)
	if h.CheckFile != nil {
		if err := h.CheckFile(ctx, loc); err != nil {
			t.Fatalf("database damaged by the kill: %v", err)
		}
	}

	s, err = h.Open(ctx, loc, time.Now, 0)
	ok(t, err)
	defer s.Close()
	classes := map[string]bool{} // sites, one per config change
	for _, c := range must(s.Sites(ctx, "dur"))(t) {
		classes[c.Name] = true
	}
	events := map[string]bool{}
	for _, e := range must(s.Events(ctx, "dur", store.EventQuery{Limit: 1 << 20}))(t) {
		events[e.Reason] = true
	}
	for i := 0; i <= acked; i++ {
		if !classes["c"+strconv.Itoa(i)] || !events[strconv.Itoa(i)] {
			t.Fatalf("acknowledged write %d lost (site %v, event %v)", i, classes["c"+strconv.Itoa(i)], events[strconv.Itoa(i)])
		}
	}
	// At most the one unacknowledged iteration in flight may be there too.
	if len(classes) > acked+2 || len(events) > acked+2 {
		t.Fatalf("%d sites, %d events after %d acknowledged writes", len(classes), len(events), acked+1)
	}
	n := must(s.Network(ctx, "dur"))(t)
	if n.Revision != int64(1+len(classes)) {
		t.Fatalf("revision %d with %d config changes: want %d", n.Revision, len(classes), 1+len(classes))
	}
	// The store still takes writes.
	must(s.CreateSite(ctx, "dur", store.SiteSpec{Name: "after", Role: store.Spoke, PublicKey: Key()}))(t)
}
