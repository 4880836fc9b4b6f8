package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/remotewrite"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/logging"
)

// Defaults of Config.
const (
	DefaultDataDir          = "/var/lib/patronus/controller"
	DefaultListen           = ":8443"
	DefaultStore            = "sqlite"
	DefaultAdminUser        = "admin"
	DefaultNetwork          = "default"
	DefaultMaintainInterval = time.Minute
	DefaultLogLevel         = "info"
)

// Files and directories under the data directory.
const (
	PKIDir     = "pki"           // the CA and the server certificate
	AdminDir   = "admin"         // the first operator credentials
	SQLiteFile = "controller.db" // the SQLite store
)

// Config is the controller's configuration: the YAML file's keys, and
// what only a program can give (yaml:"-").
type Config struct {
	// DataDir holds pki/ (the CA: copy it to every replica), admin/ (the
	// first operator credentials) and, with SQLite, controller.db.
	DataDir string `yaml:"data_dir"`
	// Listen is the TCP address of the TLS listener for gRPC and HTTPS.
	Listen string `yaml:"listen"`
	// HTTPListen, when set, is a TCP address serving HTTP only, without
	// TLS, for a reverse proxy in front. Off by default.
	HTTPListen string `yaml:"http_listen"`
	// Store is "sqlite" (DataDir/controller.db) or a PostgreSQL URL
	// (postgres://user@host/db; the password from the URL or ~/.pgpass).
	Store string `yaml:"store"`
	// ServerNames go into the TLS server certificate: the DNS names and
	// addresses edges and operators dial. Default: the host name,
	// localhost, 127.0.0.1, ::1.
	ServerNames []string `yaml:"server_names"`
	// Endpoints are told to enrolling edges. Default: the first of
	// ServerNames with the listen port; none when ServerNames is not set.
	Endpoints []string `yaml:"endpoints"`
	// AdminUser names the operator credentials made on first start.
	AdminUser string `yaml:"admin_user"`
	// Networks are created at start if missing; their topology is set.
	Networks []Network `yaml:"networks"`
	// MaintainInterval is how often raw samples are folded into the
	// rollups and old rows deleted (Retention); a Go duration, 1s or
	// more. The newest rollup buckets lag by at most this much.
	MaintainInterval string `yaml:"maintain_interval"`
	// StoreTimeout bounds every store call but maintenance (a Go
	// duration, 100ms to 10m; default store.DefaultCallTimeout, 10s): a
	// database that stops answering fails calls after it instead of
	// holding up revocations, the API and telemetry.
	StoreTimeout string `yaml:"store_timeout"`
	// EdgeCertificateValidity is the lifetime of the certificates issued
	// to edges, at enrolment and renewal (a Go duration, 1s to 20 years;
	// default 365 days). Edges renew theirs at two thirds of it.
	EdgeCertificateValidity string `yaml:"edge_certificate_validity"`
	// Retention says how long telemetry is kept.
	Retention RetentionConfig `yaml:"retention"`
	// LogLevel is debug, info, warn or error (for the CLI's logger).
	LogLevel string `yaml:"log_level"`
	// LogFormat is text (the default) or json (for the CLI's logger).
	LogFormat string `yaml:"log_format"`
	// API configures the management API (GraphQL, REST, sign-in).
	API APIConfig `yaml:"api"`
	// Enrolment limits enrolment attempts per source address.
	Enrolment EnrolmentConfig `yaml:"enrolment"`
	// Alerts configures the alert rules and webhook deliveries
	// (docs/ALERTS.md); every rule is on by default.
	Alerts alert.Config `yaml:"alerts"`
	// Relay is the relay of the paths whose direct way does not open
	// (relay.go); off by default.
	Relay RelayConfig `yaml:"relay"`
	// STUN is the STUN responder for the edges' NAT traversal
	// (docs/NAT.md); off unless stun.listen is set.
	STUN STUNConfig `yaml:"stun"`
	// WireGuard schedules the sites' WireGuard key rotations
	// (keyrot.go); off by default.
	WireGuard WireGuardConfig `yaml:"wireguard"`
	// RemoteWrite sends the fleet series to a Prometheus remote-write
	// receiver (docs/OBSERVABILITY.md); off unless remote_write.url is set.
	RemoteWrite remotewrite.Config `yaml:"remote_write"`

	// HTTP, when set, replaces the management API: it serves every
	// request on Listen that is not a gRPC call, and every request on
	// HTTPListen (for programs embedding the controller, and tests).
	HTTP http.Handler `yaml:"-"`
	// Out gets the messages for the operator: where new credentials are,
	// the addresses served. nil: discarded.
	Out io.Writer `yaml:"-"`
	// Logger is the controller's log; nil: discarded.
	Logger *slog.Logger `yaml:"-"`
	// Tracing says an OpenTelemetry tracer provider is installed
	// (internal/tracing/provider): the store's calls and the gRPC calls
	// get spans. Off: the API's and the push's spans are no-ops, and
	// nothing else is added.
	Tracing bool `yaml:"-"`
}

// EnrolmentConfig limits enrolment attempts per source address: a burst,
// then one per interval (server.DefaultEnrolLimit: 20, then one every 2 s).
type EnrolmentConfig struct {
	PerAddressBurst    int    `yaml:"per_address_burst"`
	PerAddressInterval string `yaml:"per_address_interval"`
}

func (e EnrolmentConfig) limit() (server.EnrolLimit, error) {
	var l server.EnrolLimit
	if e.PerAddressBurst < 0 {
		return l, fmt.Errorf("enrolment.per_address_burst: %d must not be negative", e.PerAddressBurst)
	}
	l.Burst = e.PerAddressBurst
	if e.PerAddressInterval != "" {
		d, err := time.ParseDuration(e.PerAddressInterval)
		if err != nil || d <= 0 {
			return l, fmt.Errorf("enrolment.per_address_interval: %q is not a positive duration (e.g. 2s)", e.PerAddressInterval)
		}
		l.Interval = d
	}
	return l, nil
}

// Network is a network the controller declares.
type Network struct {
	Name     string   `yaml:"name"`
	Topology string   `yaml:"topology"`
	Hubs     []string `yaml:"hubs"`
}

// LoadFile reads a YAML configuration file, refusing unknown keys. Errors
// name --config.
func LoadFile(file string) (Config, error) {
	var cfg Config
	raw, err := os.ReadFile(file)
	if err != nil {
		return cfg, fmt.Errorf("--config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("--config %s: %w", file, err)
	}
	return cfg, nil
}

// SetDefaults fills every setting left empty with its default.
func (c *Config) SetDefaults() {
	def := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	def(&c.DataDir, DefaultDataDir)
	def(&c.Listen, DefaultListen)
	def(&c.Store, DefaultStore)
	def(&c.AdminUser, DefaultAdminUser)
	def(&c.MaintainInterval, DefaultMaintainInterval.String())
	def(&c.StoreTimeout, store.DefaultCallTimeout.String())
	def(&c.EdgeCertificateValidity, pki.DefaultEdgeValidity.String())
	def(&c.LogLevel, DefaultLogLevel)
	if len(c.Networks) == 0 {
		c.Networks = []Network{{Name: DefaultNetwork, Topology: string(store.FullMesh)}}
	}
	c.Retention.setDefaults()
	c.API.setDefaults()
}

// Validate checks every setting; errors name the flag or the field.
func (c *Config) Validate() error {
	if err := c.Relay.validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen / listen: %q is not HOST:PORT", c.Listen)
	}
	if _, _, err := net.SplitHostPort(c.HTTPListen); c.HTTPListen != "" && err != nil {
		return fmt.Errorf("--http-listen / http_listen: %q is not HOST:PORT", c.HTTPListen)
	}
	if err := validateStore(c.Store); err != nil {
		return err
	}
	if err := store.ValidateName("admin", "admin_user", c.AdminUser); err != nil {
		return err
	}
	if d, err := time.ParseDuration(c.MaintainInterval); err != nil || d < time.Second {
		return fmt.Errorf("maintain_interval: %q is not a duration of 1s or more", c.MaintainInterval)
	}
	if d, err := time.ParseDuration(c.StoreTimeout); err != nil || d < 100*time.Millisecond || d > 10*time.Minute {
		return fmt.Errorf("store_timeout: %q is not a duration between 100ms and 10m", c.StoreTimeout)
	}
	if d, err := time.ParseDuration(c.EdgeCertificateValidity); err != nil || d < time.Second || d > pki.CAValidity {
		return fmt.Errorf("edge_certificate_validity: %q is not a duration between 1s and 20 years (175200h)", c.EdgeCertificateValidity)
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return err
	}
	if _, _, _, err := c.STUN.resolve(); err != nil {
		return err
	}
	if err := logging.CheckFormat(c.LogFormat); err != nil {
		return fmt.Errorf("--log-format / log_format: %w", err)
	}
	if _, err := c.WireGuard.rotateEvery(); err != nil {
		return err
	}
	if err := c.Retention.validate(); err != nil {
		return err
	}
	if err := c.API.validate(); err != nil {
		return err
	}
	if _, err := c.Enrolment.limit(); err != nil {
		return err
	}
	if _, err := c.Alerts.Compile(); err != nil {
		return err
	}
	if c.RemoteWrite.Enabled() {
		if err := c.RemoteWrite.Validate(); err != nil {
			return err
		}
	}
	return validateNetworks(c.Networks)
}

// ParseLogLevel turns debug, info, warn or error into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level / log_level: %q is not debug, info, warn or error", s)
}

func validateStore(s string) error {
	if s == "sqlite" {
		return nil
	}
	if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return errors.New(`--store / store: use "sqlite" or a postgres:// URL`)
	}
	if _, err := url.Parse(s); err != nil {
		return errors.New("--store / store: not a valid URL")
	}
	return nil
}

func validateNetworks(nets []Network) error {
	seen := map[string]bool{}
	for i, n := range nets {
		at := fmt.Sprintf("networks[%d]", i)
		if err := store.ValidateName("network", "name", n.Name); err != nil {
			return fmt.Errorf("%s.name: %w", at, err)
		}
		if seen[n.Name] {
			return fmt.Errorf("%s.name: %q is given twice", at, n.Name)
		}
		seen[n.Name] = true
		if err := store.ValidateTopology(store.Topology(n.Topology)); err != nil {
			return fmt.Errorf("%s.topology: %q is not full-mesh or hub-and-spoke", at, n.Topology)
		}
		if len(n.Hubs) > 0 && n.Topology != string(store.HubAndSpoke) {
			return fmt.Errorf("%s.hubs: only for a hub-and-spoke network", at)
		}
		for j, h := range n.Hubs {
			if err := store.ValidateName("site", "name", h); err != nil {
				return fmt.Errorf("%s.hubs[%d]: %w", at, j, err)
			}
		}
	}
	return nil
}

// serverNames is ServerNames, or the defaults.
func (c *Config) serverNames() []string {
	if len(c.ServerNames) > 0 {
		return c.ServerNames
	}
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && hostnameRE.MatchString(strings.ToLower(h)) && h != "localhost" {
		names = append([]string{strings.ToLower(h)}, names...)
	}
	return names
}

// hostnameRE: a host name that can go into the certificate as it is.
var hostnameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// isHub reports whether site is named in the hubs of network.
func (c *Config) isHub(network, site string) bool {
	for _, n := range c.Networks {
		if n.Name == network {
			return slices.Contains(n.Hubs, site)
		}
	}
	return false
}

// StoreLabel is a store setting without its password, for messages.
func StoreLabel(s string) string {
	if s == "sqlite" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}

// redactErr removes the URL's password from an error message.
func redactErr(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}
