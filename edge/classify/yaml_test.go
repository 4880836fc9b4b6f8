package classify

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The configuration as edge/config will read it: the YAML of
// docs/CLASSIFY.md, unknown fields refused.
func TestConfigYAML(t *testing.T) {
	const doc = `
applications:
  - name: crm
    class: interactive
    match:
      cidrs: [203.0.113.0/24, 2001:db8:5::/48, 198.51.100.7]
      protocols: [tcp]
      ports: [443, "8443-8444"]
  - name: voip
    class: voice
    match: {source_cidrs: [10.1.5.0/24], protocols: [udp]}
    match_any:
      - {dscp: [ef, 46, cs5]}
  - name: web
    class: bulk
    match: {domains: [intranet.example.com, "*.corp.example"]}
disable_builtin: false
`
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	r, err := NewRules(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := matchOf(t, r, ip4(ProtoTCP, "10.1.0.2", "203.0.113.9", 0, tcpHdr(40000, 443, nil)), "", addr("0.0.0.0")); got.Name != "crm" {
		t.Errorf("crm: %s", got.Name)
	}
	if got := matchOf(t, r, ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 40, udpHdr(1, 2, nil)), "", addr("0.0.0.0")); got.Name != "voip" {
		t.Errorf("cs5: %s", got.Name)
	}
	if a, _ := r.App("web"); a.Builtin || a.Class != "bulk" {
		t.Errorf("web: %+v", a)
	}

	dec = yaml.NewDecoder(bytes.NewReader([]byte("applications: [{name: x, class: y, match: {port: [1]}}]")))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err == nil {
		t.Error("unknown field accepted")
	}
}
