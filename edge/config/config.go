// Package config is the configuration of a Patronus edge: one value, read
// from YAML (or, later, delivered by the controller), validated as a whole
// with every error named by its field path, and replaceable at runtime.
package config

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/quality"
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

	// Steering (steering.go): SLA classes (edge/quality), applications
	// (edge/classify), policies, the steering timers and the path-state
	// thresholds.
	SLAClasses                 []quality.SLAClass   `yaml:"sla_classes"`
	Applications               []classify.AppConfig `yaml:"applications"`
	DisableBuiltinApplications bool                 `yaml:"disable_builtin_applications"`
	Policies                   []Policy             `yaml:"policies"`
	Steering                   Steering             `yaml:"steering"`
	QualityModel               QualityModel         `yaml:"quality_model"`

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
	Name      string     `yaml:"name"`
	ID        int        `yaml:"id"`
	PublicKey string     `yaml:"public_key"`
	Prefixes  []string   `yaml:"prefixes"`
	Links     []PeerLink `yaml:"links"`
	// Compression overrides defaults.compression for the paths to this
	// peer.
	Compression Switch `yaml:"compression"`
}

// PeerLink is one WAN link of a peer site.
type PeerLink struct {
	Name     string `yaml:"name"`
	Endpoint string `yaml:"endpoint"`
	Color    string `yaml:"color"`
}

// Defaults apply to every path unless a later, more specific setting says
// otherwise.
type Defaults struct {
	Compression Switch      `yaml:"compression"`
	BFD         BFDDefaults `yaml:"bfd"`
	// BFDByColor overrides BFD for the paths over local links of a
	// colour, e.g. slower timers on LTE.
	BFDByColor map[string]BFDDefaults `yaml:"bfd_by_color"`
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
		return nil, fmt.Errorf("%s:\n%w", path, err)
	}
	return v, nil
}

// FieldError is one problem, at a field path such as links[1].listen_port.
type FieldError struct {
	Path, Msg string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// Errors are all the problems of a configuration, in file order.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = "  " + e.Error()
	}
	return strings.Join(lines, "\n")
}

// errs collects FieldErrors.
type errs struct{ list Errors }

func (e *errs) add(path, format string, args ...any) {
	e.list = append(e.list, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return e.list
}
