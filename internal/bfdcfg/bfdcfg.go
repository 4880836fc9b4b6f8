// Package bfdcfg turns the command-line flags and the sessions file of
// `patronus bfd run` into validated session configurations. Every error
// names the flag or the field path it is about.
package bfdcfg

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// Session is one session as written by a person: in the sessions file
// (YAML field names) or on the command line (flag names). Empty fields take
// the defaults.
type Session struct {
	Local      string `yaml:"local"`
	Peer       string `yaml:"peer"`
	TxInterval string `yaml:"tx_interval"`
	RxInterval string `yaml:"rx_interval"`
	Multiplier *int   `yaml:"multiplier"`
	Multihop   *bool  `yaml:"multihop"`
	Passive    *bool  `yaml:"passive"`
	MinTTL     *int   `yaml:"min_ttl"`
	Interface  string `yaml:"interface"`
	Auth       *Auth  `yaml:"auth"`
}

// Auth configures authentication; the secret is read from a file so it
// never appears in a process listing or a log.
type Auth struct {
	Type       string `yaml:"type"`
	KeyID      *int   `yaml:"key_id"`
	SecretFile string `yaml:"secret_file"`
}

// File is the sessions file.
type File struct {
	Sessions []Session `yaml:"sessions"`
}

// Spec is a validated session: what the Manager needs plus the interface a
// single-hop session is bound to.
type Spec struct {
	bfd.SessionConfig
	Interface string
}

// namer renders the name of a field in errors: a flag (--tx-interval) for
// the command line, a path (sessions[2].tx_interval) for the file.
type namer func(yamlName string) string

var flagNames = map[string]string{
	"local": "--local", "peer": "--peer", "tx_interval": "--tx-interval", "rx_interval": "--rx-interval",
	"multiplier": "--multiplier", "multihop": "--multihop", "passive": "--passive", "min_ttl": "--min-ttl",
	"interface": "--interface", "type": "--auth", "key_id": "--auth-key-id", "secret_file": "--auth-secret-file",
}

// FlagNamer names fields by their command-line flags.
func FlagNamer(yamlName string) string { return flagNames[yamlName] }

func pathNamer(prefix string) namer {
	return func(n string) string {
		switch n {
		case "key_id", "secret_file", "type":
			return prefix + ".auth." + n
		}
		return prefix + "." + n
	}
}

// Load reads a sessions file; fields a session leaves empty take the values
// of defaults (the command-line flags).
func Load(path string, defaults Session) ([]Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Sessions) == 0 {
		return nil, fmt.Errorf("%s: sessions: at least one session is required", path)
	}
	specs := make([]Spec, 0, len(f.Sessions))
	for i, s := range f.Sessions {
		sp, err := s.withDefaults(defaults).Resolve(pathNamer(fmt.Sprintf("sessions[%d]", i)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		specs = append(specs, sp)
	}
	if i, j := Duplicate(specs); i >= 0 {
		return nil, fmt.Errorf("%s: sessions[%d]: same local, peer and kind as sessions[%d] (%s)", path, i, j, specs[i].Key)
	}
	return specs, nil
}

// Duplicate returns the indexes of the first session whose addresses and
// kind repeat an earlier one, and of that earlier one; -1, -1 if none.
func Duplicate(specs []Spec) (int, int) {
	seen := map[bfd.Key]int{}
	for i, s := range specs {
		if j, dup := seen[s.Key]; dup {
			return i, j
		}
		seen[s.Key] = i
	}
	return -1, -1
}

func (s Session) withDefaults(d Session) Session {
	if s.Local == "" {
		s.Local = d.Local
	}
	if s.TxInterval == "" {
		s.TxInterval = d.TxInterval
	}
	if s.RxInterval == "" {
		s.RxInterval = d.RxInterval
	}
	s.Multiplier = orDefault(s.Multiplier, d.Multiplier)
	s.Multihop = orDefault(s.Multihop, d.Multihop)
	s.Passive = orDefault(s.Passive, d.Passive)
	s.MinTTL = orDefault(s.MinTTL, d.MinTTL)
	if s.Interface == "" {
		s.Interface = d.Interface
	}
	if s.Auth == nil {
		s.Auth = d.Auth
	}
	return s
}

func orDefault[T any](v, d *T) *T {
	if v == nil {
		return d
	}
	return v
}

// Resolve validates s and builds its Spec; errors name fields through name.
func (s Session) Resolve(name namer) (Spec, error) {
	var sp Spec
	var err error
	if sp.Local, err = parseAddr(name("local"), s.Local); err != nil {
		return sp, err
	}
	if sp.Peer, err = parseAddr(name("peer"), s.Peer); err != nil {
		return sp, err
	}
	if sp.Local.Is4() != sp.Peer.Is4() {
		return sp, fmt.Errorf("%s: %s is not of the same address family as %s %s", name("peer"), sp.Peer, name("local"), sp.Local)
	}
	if sp.DesiredMinTx, err = ParseInterval(name("tx_interval"), s.TxInterval, session.DefaultTxInterval); err != nil {
		return sp, err
	}
	if sp.RequiredMinRx, err = ParseInterval(name("rx_interval"), s.RxInterval, session.DefaultRxInterval); err != nil {
		return sp, err
	}
	if err := s.resolveScalars(&sp, name); err != nil {
		return sp, err
	}
	sp.Config.Auth, err = s.Auth.resolve(name)
	return sp, err
}

func (s Session) resolveScalars(sp *Spec, name namer) error {
	mult := session.DefaultMultiplier
	if s.Multiplier != nil {
		mult = *s.Multiplier
	}
	if mult < 1 || mult > 255 {
		return fmt.Errorf("%s: %d is out of range 1..255", name("multiplier"), mult)
	}
	sp.DetectMult = uint8(mult)
	sp.Multihop = s.Multihop != nil && *s.Multihop
	sp.Passive = s.Passive != nil && *s.Passive
	sp.Interface = s.Interface
	if s.MinTTL != nil {
		if !sp.Multihop {
			return fmt.Errorf("%s: only applies to multihop sessions (single-hop always requires TTL 255, RFC 5881 §5)", name("min_ttl"))
		}
		if *s.MinTTL < 1 || *s.MinTTL > 255 {
			return fmt.Errorf("%s: %d is out of range 1..255", name("min_ttl"), *s.MinTTL)
		}
		sp.MinTTL = uint8(*s.MinTTL)
	}
	if sp.Interface != "" && sp.Multihop {
		return fmt.Errorf("%s: only applies to single-hop sessions", name("interface"))
	}
	return nil
}

func (a *Auth) resolve(name namer) (*session.Auth, error) {
	if a == nil || a.Type == "" {
		if a != nil && (a.KeyID != nil || a.SecretFile != "") {
			return nil, fmt.Errorf("%s: required when a key id or secret file is given", name("type"))
		}
		return nil, nil
	}
	t, ok := packet.ParseAuthType(a.Type)
	if !ok {
		return nil, fmt.Errorf("%s: %q is not one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1", name("type"), a.Type)
	}
	id := 1
	if a.KeyID != nil {
		id = *a.KeyID
	}
	if id < 0 || id > 255 {
		return nil, fmt.Errorf("%s: %d is out of range 0..255", name("key_id"), id)
	}
	secret, err := readSecret(name("secret_file"), a.SecretFile)
	if err != nil {
		return nil, err
	}
	au := &session.Auth{Type: t, KeyID: uint8(id), Secret: secret}
	cfg := session.Config{DesiredMinTx: 1, RequiredMinRx: 1, DetectMult: 1, Auth: au}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name("secret_file"), err)
	}
	return au, nil
}

// readSecret reads an authentication key from a file; one trailing newline
// is not part of the key. The key itself never appears in an error.
func readSecret(field, path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("%s: required with authentication", field)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: %s is empty", field, path)
	}
	return b, nil
}

func parseAddr(field, s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, fmt.Errorf("%s: an address is required", field)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%s: %q is not an IP address", field, s)
	}
	if a.Zone() != "" {
		return a, fmt.Errorf("%s: %q: zones are not supported; use a global or unique-local address", field, s)
	}
	return a.Unmap(), nil
}

// minInterval is the smallest interval accepted: below a millisecond a
// userspace process cannot keep time on a loaded machine.
const minInterval = time.Millisecond

// ParseInterval parses a BFD interval for field (named in errors), returning
// def for the empty string.
func ParseInterval(field, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a duration (e.g. 300ms)", field, s)
	}
	if d < minInterval || d > time.Hour {
		return 0, fmt.Errorf("%s: %v is out of range %v..1h", field, d, minInterval)
	}
	if d%time.Microsecond != 0 {
		return 0, errors.New(field + ": must be a whole number of microseconds")
	}
	return d, nil
}
