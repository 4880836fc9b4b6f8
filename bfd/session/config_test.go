package session

import (
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

func TestValidate(t *testing.T) {
	ok := fastConfig()
	tests := []struct {
		name string
		edit func(*Config)
		want string // substring of the error; "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"tx 0", func(c *Config) { c.DesiredMinTx = 0 }, "tx interval"},
		{"tx too long", func(c *Config) { c.DesiredMinTx = maxInterval + time.Microsecond }, "tx interval"},
		{"tx max", func(c *Config) { c.DesiredMinTx = maxInterval }, ""},
		{"rx negative", func(c *Config) { c.RequiredMinRx = -1 }, "rx interval"},
		{"multiplier 0", func(c *Config) { c.DetectMult = 0 }, "multiplier"},
		{"auth type 0", func(c *Config) { c.Auth = &Auth{Secret: secret} }, "auth type"},
		{"auth type 6", func(c *Config) { c.Auth = &Auth{Type: 6, Secret: secret} }, "auth type"},
		{"empty secret", func(c *Config) { c.Auth = &Auth{Type: packet.AuthKeyedMD5} }, "auth secret"},
		{"md5 17 bytes", func(c *Config) {
			c.Auth = &Auth{Type: packet.AuthMeticulousKeyedMD5, Secret: make([]byte, 17)}
		}, "auth secret"},
		{"simple 17 bytes", func(c *Config) {
			c.Auth = &Auth{Type: packet.AuthSimplePassword, Secret: make([]byte, 17)}
		}, "auth secret"},
		{"sha1 20 bytes", func(c *Config) {
			c.Auth = &Auth{Type: packet.AuthMeticulousKeyedSHA1, Secret: make([]byte, 20)}
		}, ""},
		{"sha1 21 bytes", func(c *Config) { c.Auth = &Auth{Type: packet.AuthKeyedSHA1, Secret: make([]byte, 21)} }, "auth secret"},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.want)
		}
	}
}

// TestLongestIntervalEncodes checks that the largest valid interval fits
// the 32-bit microsecond fields.
func TestLongestIntervalEncodes(t *testing.T) {
	cfg := Config{DesiredMinTx: maxInterval, RequiredMinRx: maxInterval, DetectMult: 1}
	s := New(localDisc, cfg, epoch, fullJitter)
	if p := encode(t, s, false); p.DesiredMinTxInterval != 1<<32-1 || p.RequiredMinRxInterval != 1<<32-1 {
		t.Errorf("intervals %d %d", p.DesiredMinTxInterval, p.RequiredMinRxInterval)
	}
	if s.Config() != cfg {
		t.Errorf("Config() = %+v", s.Config())
	}
}

func TestEncodeShortBuffer(t *testing.T) {
	s := New(localDisc, authConfig(packet.AuthKeyedSHA1), epoch, fullJitter)
	if _, err := s.Encode(make([]byte, packet.MaxLen-1), false); err == nil {
		t.Error("Encode into a short buffer succeeded")
	}
}

func TestDropReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := DropNone; r < NumDropReasons; r++ {
		s := r.String()
		if s == "unknown" || seen[s] || strings.ToLower(s) != s || strings.Contains(s, " ") {
			t.Errorf("DropReason(%d).String() = %q", r, s)
		}
		seen[s] = true
		if want := r >= DropAuthMissing && r <= DropAuthSequence; r.IsAuth() != want {
			t.Errorf("%v.IsAuth() = %v", r, r.IsAuth())
		}
	}
	if NumDropReasons.String() != "unknown" {
		t.Errorf("out of range: %q", NumDropReasons.String())
	}
}
