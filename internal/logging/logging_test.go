package logging_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/internal/logging"
)

func TestFormats(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(&buf, logging.FormatJSON, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Info("path down", "site", "paris", "path", "paris/inet->lyon/lte")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON record: %q: %v", buf.String(), err)
	}
	if rec["msg"] != "path down" || rec["site"] != "paris" || rec["path"] != "paris/inet->lyon/lte" {
		t.Fatalf("record %v", rec)
	}
	buf.Reset()
	if log, err = logging.New(&buf, "", slog.LevelInfo); err != nil {
		t.Fatal(err)
	}
	log.Info("up", "site", "paris")
	if !strings.Contains(buf.String(), "msg=up site=paris") {
		t.Fatalf("text record %q", buf.String())
	}
	if _, err := logging.New(&buf, "yaml", slog.LevelInfo); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Fatalf("format yaml: %v", err)
	}
}
