// Package config is the configuration of a Patronus edge: one value, read
// from YAML (static mode) or converted from what the controller delivers
// (edge/agent), validated as a whole with every error named by its field
// path, and replaceable at runtime.
package config

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/policy"
)

// Config is an edge's configuration as written in its YAML file.
type Config struct {
	Site           Site     `yaml:"site"`
	PrivateKeyFile string   `yaml:"private_key_file"`
	LANPrefixes    []string `yaml:"lan_prefixes"`
	Overlay        Overlay  `yaml:"overlay"`
	Links          []Link   `yaml:"links"`
	Peers          []Peer   `yaml:"peers"`
	Defaults       Defaults `yaml:"defaults"`
	// BGP is the speaker towards the site's routers (bgp.go).
	BGP BGP `yaml:"bgp"`
	// Relay is the relay of the paths that cannot go direct (relay.go).
	Relay Relay `yaml:"relay"`
	// NAT is endpoint discovery for the links (nat.go).
	NAT NATTraversal `yaml:"nat_traversal"`

	// Set is the steering part (package policy): sla_classes,
	// applications, disable_builtin_applications, policies, steering and
	// quality_model, at the top level of the file.
	policy.Set `yaml:",inline"`

	// Pins come from the controller only (pins.go); a file cannot hold
	// them.
	Pins []Pin `yaml:"-"`
}

// Site names this edge.
type Site struct {
	Name string `yaml:"name"`
	ID   int    `yaml:"id"`
}

// Overlay is the TUN interface that carries the LAN's traffic.
type Overlay struct {
	Interface string `yaml:"interface"`
	MTU       int    `yaml:"mtu"`
}

// Link is one WAN link of this site.
type Link struct {
	Name         string `yaml:"name"`
	Interface    string `yaml:"interface"`
	LocalAddress string `yaml:"local_address"`
	ListenPort   int    `yaml:"listen_port"`
	Color        string `yaml:"color"`
	Cost         int    `yaml:"cost"`
	Bandwidth    string `yaml:"bandwidth"`
}

// Peer is another site, for static mode (without a controller).
type Peer struct {
	Name      string `yaml:"name"`
	ID        int    `yaml:"id"`
	PublicKey string `yaml:"public_key"`
	// NextPublicKey is the key the peer is rotating to (docs/CONTROLLER.md, key rotation):
	// paths move to it one at a time while the peer rotates.
	NextPublicKey string     `yaml:"next_public_key"`
	Prefixes      []string   `yaml:"prefixes"`
	Links         []PeerLink `yaml:"links"`
	// Compression overrides defaults.compression for the paths to this
	// peer.
	Compression Switch `yaml:"compression"`
}

// PeerLink is one WAN link of a peer site.
type PeerLink struct {
	Name     string `yaml:"name"`
	Endpoint string `yaml:"endpoint"`
	Color    string `yaml:"color"`
	// Relay holds the relay allocations of the paths to this link
	// (relay.go).
	Relay []RelayAllocation `yaml:"relay"`
	// ObservedEndpoint is the link's public endpoint as the controller's
	// STUN responder saw it (docs/NAT.md): used when Endpoint is empty,
	// and the paths to it punch. Set by the controller.
	ObservedEndpoint string `yaml:"observed_endpoint"`
	// NAT is the link's NAT kind as its edge measured it; set by the
	// controller only.
	NAT natdisc.NATKind `yaml:"-"`
	// PunchAt is when the paths to the link start punching, on this
	// edge's clock (the controller's punch_at read against its own
	// time, edge/agent); zero: at once. Set by the controller only.
	PunchAt time.Time `yaml:"-"`
}

// Defaults apply to every path unless a later, more specific setting says
// otherwise.
type Defaults struct {
	Compression Switch      `yaml:"compression"`
	BFD         BFDDefaults `yaml:"bfd"`
	// BFDByColor overrides BFD for the paths over local links of a
	// colour, e.g. slower timers on LTE.
	BFDByColor map[string]BFDDefaults `yaml:"bfd_by_color"`
	// BFDAdaptive slows BFD and probes on paths to sites without flows
	// and speeds them up for real-time flows (docs/BFD.md).
	BFDAdaptive BFDAdaptive `yaml:"bfd_adaptive"`
}

// BFDAdaptive is adaptive BFD: on unless enabled is false; empty
// intervals take DefaultBFDIdleRx and DefaultBFDRealtime.
type BFDAdaptive struct {
	Enabled          Switch `yaml:"enabled"`
	IdleRxInterval   string `yaml:"idle_rx_interval"`
	RealtimeInterval string `yaml:"realtime_interval"`
}

// Switch is an on/off setting that may be left out. A value that is not
// a boolean is kept, so that Validate reports it at its field path.
type Switch struct {
	Given, On bool
	bad       string
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Switch) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	s.Given = true
	switch {
	case n.Kind != yaml.ScalarNode:
		s.bad = "a list or mapping"
	case n.Decode(&s.On) != nil:
		s.bad = strconv.Quote(n.Value)
	}
	return nil
}

// Of returns the switch's value, or def when it was left out.
func (s Switch) Of(def bool) bool {
	if !s.Given {
		return def
	}
	return s.On
}

// BFDDefaults are the BFD timers of the paths; empty fields take 100 ms
// and 3 (DefaultPathBFDInterval, DefaultPathBFDMultiplier).
type BFDDefaults struct {
	TxInterval string `yaml:"tx_interval"`
	RxInterval string `yaml:"rx_interval"`
	Multiplier int    `yaml:"multiplier"`
}

// Parse decodes YAML strictly: unknown fields are errors.
func Parse(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("yaml: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &c, nil
}

// Load reads, parses and validates a configuration file.
func Load(path string) (*Valid, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v, err := c.Validate()
	if err != nil {
		return nil, fileError{path, err}
	}
	return v, nil
}

// fileError is a configuration file's problems, one a line, indented
// under the file's name. It unwraps to the fielderr.List.
type fileError struct {
	path string
	err  error
}

func (e fileError) Error() string {
	return e.path + ":\n  " + strings.ReplaceAll(e.err.Error(), "\n", "\n  ")
}

func (e fileError) Unwrap() error { return e.err }

// errs collects the problems of a configuration by field path
// (fielderr, the one field-error type), in file order.
type errs struct{ list fielderr.List }

func (e *errs) add(path, format string, args ...any) { e.list.Add(path, format, args...) }

func (e *errs) err() error { return e.list.Err() }
