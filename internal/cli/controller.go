package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// Controller defaults.
const (
	DefaultControllerDataDir = "/var/lib/patronus/controller"
	DefaultControllerListen  = ":8443"
	defaultAdminUser         = "admin"
	defaultNetwork           = "default"
	defaultMaintainInterval  = 5 * time.Minute
	// Files and directories under the data directory.
	pkiDirName      = "pki"
	adminDirName    = "admin"
	sqliteFileName  = "controller.db"
	servingMessage  = "patronus controller: serving on "
	controllerUsage = `Runs the controller: enrolment of edges with one-time join tokens, their
configuration pushed over gRPC with mutual TLS, their telemetry stored, and
the operator's API that 'patronus ctl' calls. See docs/CONTROLLER.md.

On first start it creates, in the data directory, the CA (pki/ca.key,
pki/ca.crt), the TLS server certificate, and the operator credentials
(admin/), and prints where they are. Nothing secret is printed.

Settings come from the YAML file given with --config; flags override it.`
)

// controllerConfig is the controller's YAML configuration file.
type controllerConfig struct {
	// DataDir holds pki/ (the CA: copy it to every replica), admin/ (the
	// first operator credentials) and, with SQLite, controller.db.
	DataDir string `yaml:"data_dir"`
	// Listen is the TCP address of the gRPC listener.
	Listen string `yaml:"listen"`
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
	Networks []networkConfig `yaml:"networks"`
	// MaintainInterval is how often metrics are rolled up and old rows
	// deleted (store.DefaultRetention).
	MaintainInterval string `yaml:"maintain_interval"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
}

type networkConfig struct {
	Name     string   `yaml:"name"`
	Topology string   `yaml:"topology"`
	Hubs     []string `yaml:"hubs"`
}

func newControllerCmd() *cobra.Command {
	var file string
	var flags controllerConfig
	c := &cobra.Command{
		Use:   "controller",
		Short: "Run the controller: enrolment, configuration push, telemetry, operator API",
		Long:  controllerUsage,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadControllerConfig(file)
			if err != nil {
				return err
			}
			cfg.override(cmd, flags)
			if err := cfg.validate(); err != nil {
				return err
			}
			return runController(cmd, cfg)
		},
	}
	f := c.Flags()
	f.StringVar(&file, "config", "", "YAML configuration file (see docs/CONTROLLER.md)")
	f.StringVar(&flags.DataDir, "data-dir", DefaultControllerDataDir, "data directory: CA, operator credentials, SQLite database")
	f.StringVar(&flags.Listen, "listen", DefaultControllerListen, "TCP address to serve gRPC on")
	f.StringVar(&flags.Store, "store", "sqlite", `"sqlite" (DATA_DIR/controller.db) or a PostgreSQL URL postgres://…`)
	f.StringSliceVar(&flags.ServerNames, "server-name", nil, "DNS name or address in the server certificate (repeatable; default: host name, localhost, 127.0.0.1, ::1)")
	f.StringSliceVar(&flags.Endpoints, "endpoint", nil, "controller address told to enrolling edges (repeatable)")
	f.StringVar(&flags.LogLevel, "log-level", "info", "debug, info, warn or error")
	return c
}

// loadControllerConfig reads the file, refusing unknown keys; no file is
// an empty configuration.
func loadControllerConfig(file string) (controllerConfig, error) {
	var cfg controllerConfig
	if file == "" {
		return cfg, nil
	}
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

// override applies the flags that were given, and the flag defaults
// where the file says nothing.
func (c *controllerConfig) override(cmd *cobra.Command, f controllerConfig) {
	set := func(name string, dst *string, v string) {
		if cmd.Flags().Changed(name) || *dst == "" {
			*dst = v
		}
	}
	set("data-dir", &c.DataDir, f.DataDir)
	set("listen", &c.Listen, f.Listen)
	set("store", &c.Store, f.Store)
	set("log-level", &c.LogLevel, f.LogLevel)
	if cmd.Flags().Changed("server-name") {
		c.ServerNames = f.ServerNames
	}
	if cmd.Flags().Changed("endpoint") {
		c.Endpoints = f.Endpoints
	}
	if c.AdminUser == "" {
		c.AdminUser = defaultAdminUser
	}
	if len(c.Networks) == 0 {
		c.Networks = []networkConfig{{Name: defaultNetwork, Topology: string(store.FullMesh)}}
	}
	if c.MaintainInterval == "" {
		c.MaintainInterval = defaultMaintainInterval.String()
	}
}

// validate checks every setting; errors name the flag or the field.
func (c *controllerConfig) validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen / listen: %q is not HOST:PORT", c.Listen)
	}
	if c.Store != "sqlite" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") {
		return errors.New(`--store / store: use "sqlite" or a postgres:// URL`)
	}
	if c.Store != "sqlite" {
		if _, err := url.Parse(c.Store); err != nil {
			return errors.New("--store / store: not a valid URL")
		}
	}
	if err := store.ValidateName("admin", "admin_user", c.AdminUser); err != nil {
		return err
	}
	if d, err := time.ParseDuration(c.MaintainInterval); err != nil || d < time.Second {
		return fmt.Errorf("maintain_interval: %q is not a duration of 1s or more", c.MaintainInterval)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level / log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	seen := map[string]bool{}
	for i, n := range c.Networks {
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

func (c *controllerConfig) serverNames() []string {
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

func (c *controllerConfig) isHub(network, site string) bool {
	for _, n := range c.Networks {
		if n.Name == network {
			return slices.Contains(n.Hubs, site)
		}
	}
	return false
}

func runController(cmd *cobra.Command, cfg controllerConfig) error {
	out := cmd.OutOrStdout()
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	ca, err := setupCredentials(out, cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, ca)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := reconcileNetworks(ctx, st, cfg); err != nil {
		return err
	}
	cert, reissued, err := ca.ServerCertificate(cfg.serverNames())
	if err != nil {
		return fmt.Errorf("--server-name / server_names: %w", err)
	}
	if reissued {
		log.Info("issued the TLS server certificate", "names", cfg.serverNames(), "file", filepath.Join(ca.Dir(), "server.crt"))
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	// Edges keep dialling the address they enrolled with; endpoints are
	// further addresses (replicas). Without server_names the controller
	// does not know a name edges can reach, so it names none.
	endpoints := cfg.Endpoints
	if len(endpoints) == 0 && len(cfg.ServerNames) > 0 {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		endpoints = []string{net.JoinHostPort(cfg.ServerNames[0], port)}
	}
	renew := func() (tls.Certificate, error) {
		cert, reissued, err := ca.ServerCertificate(cfg.serverNames())
		if err == nil && reissued {
			log.Info("re-issued the TLS server certificate", "names", cfg.serverNames(), "not_after", cert.Leaf.NotAfter)
		}
		return cert, err
	}
	srv, err := server.New(server.Config{Store: st, CA: ca, Certificate: cert, RenewCertificate: renew,
		Endpoints: endpoints, Hub: cfg.isHub, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintln(out, servingMessage+ln.Addr().String())
	log.Info("controller started", "listen", ln.Addr().String(), "store", storeLabel(cfg.Store), "ca", ca.CertPath(), "endpoints", endpoints)

	interval, _ := time.ParseDuration(cfg.MaintainInterval)
	go maintainLoop(ctx, st, interval, log)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		srv.Stop()
		<-served
		return nil
	case err := <-served:
		srv.Stop()
		return err
	}
}

// setupCredentials loads or creates the CA, and makes the first operator
// credentials when there are none. It prints where new files are, never
// their content.
func setupCredentials(out io.Writer, cfg controllerConfig) (*pki.CA, error) {
	ca, created, err := pki.LoadOrCreate(filepath.Join(cfg.DataDir, pkiDirName))
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(out, "patronus controller: created the CA: certificate %s, private key %s (keep it secret, back it up, and copy the directory to every replica)\n",
			ca.CertPath(), ca.KeyPath())
	}
	adminDir := filepath.Join(cfg.DataDir, adminDirName)
	_, err = pki.LoadIdentity(adminDir)
	switch {
	case errors.Is(err, pki.ErrNoIdentity):
		creds, err := ca.IssueAdmin(cfg.AdminUser, pki.DefaultAdminValidity)
		if err != nil {
			return nil, err
		}
		if err := creds.Save(adminDir); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "patronus controller: created operator credentials for %q in %s (patronus ctl --credentials %s)\n",
			cfg.AdminUser, adminDir, adminDir)
	case err != nil:
		return nil, fmt.Errorf("operator credentials: %w", err)
	}
	return ca, nil
}

func openStore(ctx context.Context, cfg controllerConfig, ca *pki.CA) (store.Store, error) {
	maker := server.TokenMaker(ca)
	if cfg.Store == "sqlite" {
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, sqliteFileName), sqlite.Options{NewToken: maker})
	}
	st, err := postgres.Open(ctx, cfg.Store, postgres.Options{NewToken: maker})
	if err != nil {
		// pgx errors may quote the URL: say which store without it.
		return nil, fmt.Errorf("--store %s: cannot open the PostgreSQL store: %w", storeLabel(cfg.Store), redactErr(err, cfg.Store))
	}
	return st, nil
}

// storeLabel is the store setting without a password.
func storeLabel(s string) string {
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

// reconcileNetworks creates the configured networks and sets their
// topology and hubs. Replicas starting together may race: a network
// another one created is fine.
func reconcileNetworks(ctx context.Context, st store.Store, cfg controllerConfig) error {
	for i, n := range cfg.Networks {
		topo := store.Topology(n.Topology)
		got, err := st.Network(ctx, n.Name)
		if errors.Is(err, store.ErrNotFound) {
			got, err = st.CreateNetwork(ctx, n.Name, topo)
			if errors.Is(err, store.ErrConflict) {
				got, err = st.Network(ctx, n.Name)
			}
		}
		if err != nil {
			return fmt.Errorf("networks[%d]: %w", i, err)
		}
		if got.Topology != topo {
			if _, err := st.SetTopology(ctx, n.Name, topo); err != nil {
				return fmt.Errorf("networks[%d].topology: %w", i, err)
			}
		}
		sites, err := st.Sites(ctx, n.Name)
		if err != nil {
			return fmt.Errorf("networks[%d]: %w", i, err)
		}
		for _, s := range sites {
			want := store.Spoke
			if slices.Contains(n.Hubs, s.Name) {
				want = store.Hub
			}
			if s.Role != want {
				if _, err := st.UpdateSite(ctx, n.Name, store.SiteSpec{Name: s.Name, Role: want, PublicKey: s.PublicKey}); err != nil {
					return fmt.Errorf("networks[%d].hubs: site %s: %w", i, s.Name, err)
				}
			}
		}
	}
	return nil
}

func maintainLoop(ctx context.Context, st store.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			stats, err := st.Maintain(ctx, store.DefaultRetention)
			if err != nil && ctx.Err() == nil {
				log.Warn("maintain store", "err", err)
				continue
			}
			log.Debug("maintained store", "rolled_minute", stats.RolledMinute, "rolled_hour", stats.RolledHour, "deleted", stats.Deleted)
		}
	}
}
