package store

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strings"
	"time"
)

// maxNameLen bounds every name (network, site, link, class, …).
const maxNameLen = 63

// ValidateName checks a name: 1 to 63 characters of a-z, 0-9, '-', '_',
// starting with a letter or digit.
func ValidateName(entity, field, name string) error {
	if name == "" {
		return invalid(entity, field, "empty")
	}
	if len(name) > maxNameLen {
		return invalid(entity, field, "%q longer than %d characters", name, maxNameLen)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_')
		if !ok {
			return invalid(entity, field, "%q: only a-z, 0-9, '-' and '_' (not first) allowed", name)
		}
	}
	return nil
}

// ValidateTopology checks a topology.
func ValidateTopology(t Topology) error {
	if t != FullMesh && t != HubAndSpoke {
		return invalid("network", "topology", "%q is neither %q nor %q", t, FullMesh, HubAndSpoke)
	}
	return nil
}

// Validate checks a site spec.
func (s SiteSpec) Validate() error {
	if err := ValidateName("site", "name", s.Name); err != nil {
		return err
	}
	if s.Role != Hub && s.Role != Spoke {
		return invalid("site", "role", "%q is neither %q nor %q", s.Role, Hub, Spoke)
	}
	return ValidateKey("site", "public_key", s.PublicKey)
}

// ValidateKey checks a WireGuard public key: the base64 of 32 bytes.
func ValidateKey(entity, field, key string) error {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(k) != 32 {
		return invalid(entity, field, "not the base64 of 32 bytes")
	}
	return nil
}

// Validate checks a link spec.
func (l LinkSpec) Validate() error {
	if err := ValidateName("link", "name", l.Name); err != nil {
		return err
	}
	if err := ValidateName("link", "colour", l.Colour); err != nil {
		return err
	}
	if l.Cost < 0 {
		return invalid("link", "cost", "%d is negative", l.Cost)
	}
	if l.BandwidthKbps < 0 {
		return invalid("link", "bandwidth_kbps", "%d is negative", l.BandwidthKbps)
	}
	if l.Endpoint != "" {
		ap, err := netip.ParseAddrPort(l.Endpoint)
		if err != nil || ap.Port() == 0 {
			return invalid("link", "endpoint", "%q is not addr:port", l.Endpoint)
		}
	}
	if len(l.Interface) > 15 || strings.ContainsAny(l.Interface, "/ \t\n:") {
		return invalid("link", "interface", "%q is not a Linux interface name (at most 15 characters, no '/', ':' or spaces)", l.Interface)
	}
	if l.LocalAddress != "" {
		if a, err := netip.ParseAddr(l.LocalAddress); err != nil || a.Zone() != "" {
			return invalid("link", "local_address", "%q is not an IP address", l.LocalAddress)
		}
	}
	if l.ListenPort < 0 || l.ListenPort > 65535 {
		return invalid("link", "listen_port", "%d is out of range 0..65535", l.ListenPort)
	}
	return nil
}

// ValidatePrefix checks a LAN prefix: valid and masked (no host bits).
func ValidatePrefix(p netip.Prefix) error {
	if !p.IsValid() {
		return invalid("prefix", "prefix", "not a valid prefix")
	}
	if p.Masked() != p {
		return invalid("prefix", "prefix", "%s has host bits set (use %s)", p, p.Masked())
	}
	return nil
}

// Validate checks a metrics sample.
func (s PathSample) Validate() error {
	if s.Path == "" || len(s.Path) > 4*maxNameLen+3 {
		return invalid("path_sample", "path", "empty or too long")
	}
	if s.TS.IsZero() {
		return invalid("path_sample", "ts", "zero")
	}
	if s.Latency < 0 || s.Jitter < 0 {
		return invalid("path_sample", "latency", "negative latency or jitter")
	}
	if math.IsNaN(s.LossPct) || s.LossPct < 0 || s.LossPct > 100 {
		return invalid("path_sample", "loss_pct", "%v not in 0..100", s.LossPct)
	}
	if StateRank(s.State) < 0 {
		return invalid("path_sample", "state", "%q is not up, degraded or down", s.State)
	}
	return nil
}

// StateRank orders path states from best (0) to worst (2); -1 if unknown.
func StateRank(s PathState) int {
	switch s {
	case PathUp:
		return 0
	case PathDegraded:
		return 1
	case PathDown:
		return 2
	}
	return -1
}

// StateOfRank inverts StateRank.
func StateOfRank(r int64) PathState {
	switch r {
	case 0:
		return PathUp
	case 1:
		return PathDegraded
	}
	return PathDown
}

// ValidateTTL checks a join token lifetime: 1 minute to 30 days.
func ValidateTTL(ttl time.Duration) error {
	if ttl < time.Minute || ttl > 30*24*time.Hour {
		return invalid("join_token", "ttl", "%v not between 1m and 720h", ttl)
	}
	return nil
}

// Validate checks an event.
func (e Event) Validate() error {
	if e.TS.IsZero() {
		return invalid("event", "ts", "zero")
	}
	if e.Kind == "" || len(e.Kind) > maxNameLen || strings.ContainsAny(e.Kind, " \n") {
		return invalid("event", "kind", "%q empty, too long or with spaces", e.Kind)
	}
	if e.FlowsMoved < 0 {
		return invalid("event", "flows_moved", "negative")
	}
	return nil
}

// Validate checks a flow summary.
func (f FlowSummary) Validate() error {
	if f.TS.IsZero() {
		return invalid("flow_summary", "ts", "zero")
	}
	if f.Site == "" {
		return invalid("flow_summary", "site", "empty")
	}
	if f.Flows < 0 || f.BytesTx < 0 || f.BytesRx < 0 {
		return invalid("flow_summary", "flows", "negative counter")
	}
	return nil
}

// Validate checks a telemetry batch and everything in it.
func (b TelemetryBatch) Validate() error {
	if err := ValidateName("telemetry", "site", b.Site); err != nil {
		return err
	}
	if b.BootID == "" || len(b.BootID) > 64 {
		return invalid("telemetry", "boot_id", "must be 1 to 64 characters")
	}
	if b.Sequence <= 0 {
		return invalid("telemetry", "sequence", "%d: must be positive", b.Sequence)
	}
	for _, m := range b.Samples {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	for _, e := range b.Events {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	for _, f := range b.Flows {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	for _, c := range b.Counters {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks path counters.
func (c PathCounters) Validate() error {
	if c.TS.IsZero() {
		return invalid("path_counters", "ts", "zero")
	}
	if c.Site == "" || c.Path == "" {
		return invalid("path_counters", "path", "site or path empty")
	}
	for _, v := range []int64{c.TxBytes, c.RxBytes, c.TxPackets, c.RxPackets, c.CompressOffered, c.Compressed,
		c.CompressInBytes, c.CompressOutBytes, c.DecompressErrors} {
		if v < 0 {
			return invalid("path_counters", "counters", "negative counter")
		}
	}
	return nil
}
