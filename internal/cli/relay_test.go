package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/internal/syncbuf"
	"github.com/patronus-sdwan/patronus/relay"
)

// TestRelayBadFlags: a missing or short key file is refused, naming the
// flag, before anything is served.
func TestRelayBadFlags(t *testing.T) {
	short := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"relay"}, {"relay", "--key-file", short}, {"relay", "--key-file", "/nonexistent/relay.key"}} {
		_, stderr, code := run(args...)
		if code == 0 || !strings.Contains(stderr, "--key-file") {
			t.Errorf("%v: exit %d, %q; want an error naming --key-file", args, code, stderr)
		}
	}
}

// TestRelayServesUntilCancelled: the relay says where it serves and
// returns nil when its context ends.
func TestRelayServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runRelay(ctx, relay.Config{Key: bytes.Repeat([]byte{1}, 32)}, "127.0.0.1:0", "", &out)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), RelayServingMessage+"127.0.0.1:") {
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the relay did not stop")
	}
}
