package cli

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestControllerJSONLogsAndStdoutTraces: 'patronus controller
// --log-format json --trace-stdout', as a real process, writes every log
// record as one JSON object, and at SIGTERM flushes its spans (the
// store calls of its start) to standard output as JSON, with its
// service.name.
func TestControllerJSONLogsAndStdoutTraces(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_SERVICE_NAME", "")
	p := startController(t, "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--server-name", "127.0.0.1",
		"--log-format", "json", "--trace-stdout")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.output())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit 20 s after SIGTERM")
	}
	records, spans := 0, 0
	for _, line := range strings.Split(p.output(), "\n") {
		var m map[string]any
		switch {
		case strings.HasPrefix(line, `{"time"`):
			if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] == nil || m["level"] == nil {
				t.Errorf("log record %q: %v", line, err)
			}
			records++
		case strings.HasPrefix(line, `{"Name"`):
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Errorf("span %q: %v", line, err)
			}
			if strings.Contains(line, `"Name":"store.CreateNetwork"`) && strings.Contains(line, `"Value":"patronus-controller"`) {
				spans++
			}
		}
	}
	if records == 0 || spans != 1 {
		t.Fatalf("%d JSON log records, %d store.CreateNetwork spans of patronus-controller (want 1):\n%s", records, spans, p.output())
	}
}

// TestLogFormatRefused: a format other than text or json is refused
// before anything starts, naming the flag.
func TestLogFormatRefused(t *testing.T) {
	for _, args := range [][]string{
		{"controller", "--data-dir", t.TempDir(), "--log-format", "yaml"},
		{"edge", "--config", "/nonexistent.yaml", "--log-format", "yaml"},
	} {
		_, stderr, code := run(args...)
		if code == 0 || !strings.Contains(stderr, "--log-format") || !strings.Contains(stderr, `"yaml"`) {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}
