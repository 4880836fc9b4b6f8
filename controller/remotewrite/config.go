package remotewrite

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultInterval          = 15 * time.Second
	DefaultTimeout           = 10 * time.Second
	DefaultQueueSamples      = 100_000
	DefaultMaxSamplesPerSend = 2_000
)

// Retry backoff of a failed send: doubling from minBackoff to maxBackoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Config is the controller configuration's remote_write section; off
// while URL is empty. Errors of Validate name the field as
// remote_write.FIELD.
type Config struct {
	// URL is the receiver's endpoint, http:// or https://
	// (Prometheus: /api/v1/write; Mimir: /api/v1/push; VictoriaMetrics:
	// /api/v1/write).
	URL string `yaml:"url"`
	// Interval between gatherings of the fleet series (a Go duration,
	// 1s to 1h; default 15s).
	Interval string `yaml:"interval"`
	// Timeout of one request (a Go duration, 1s to 5m; default 10s).
	Timeout string `yaml:"timeout"`
	// BearerTokenFile holds a token sent as "Authorization: Bearer …",
	// read at each request (so it can be rotated). Not with BasicAuth.
	BearerTokenFile string `yaml:"bearer_token_file"`
	// BasicAuth sends a user name and the password in PasswordFile.
	BasicAuth *BasicAuth `yaml:"basic_auth"`
	// TLS for an https:// URL.
	TLS TLSConfig `yaml:"tls"`
	// ExternalLabels are added to every series (unless it has the
	// label): set a distinct one per replica (e.g. replica: a) when
	// several send the same fleet, or the receiver refuses the second
	// replica's samples as duplicates.
	ExternalLabels map[string]string `yaml:"external_labels"`
	// QueueSamples bounds the samples waiting to be sent (default
	// 100,000); past it the oldest are dropped and counted.
	QueueSamples int `yaml:"queue_samples"`
	// MaxSamplesPerSend bounds one request (default 2,000).
	MaxSamplesPerSend int `yaml:"max_samples_per_send"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
}

// TLSConfig configures the client's TLS. By default the system's roots
// verify the receiver.
type TLSConfig struct {
	CAFile     string `yaml:"ca_file"`     // PEM roots instead of the system's
	CertFile   string `yaml:"cert_file"`   // a client certificate (PEM), with KeyFile
	KeyFile    string `yaml:"key_file"`    // its key (PEM)
	ServerName string `yaml:"server_name"` // the name to verify, if not the URL's host
}

// Enabled says whether a URL is set.
func (c Config) Enabled() bool { return c.URL != "" }

// settings are a validated Config.
type settings struct {
	url               string
	interval, timeout time.Duration
	external          []Label
	queue, perSend    int
	bearerFile        string
	basic             *BasicAuth
	tls               *tls.Config
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate checks the configuration, reading the files it names.
func (c Config) Validate() error {
	_, err := c.settings()
	return err
}

func (c Config) settings() (settings, error) {
	s := settings{url: c.URL, interval: DefaultInterval, timeout: DefaultTimeout,
		queue: DefaultQueueSamples, perSend: DefaultMaxSamplesPerSend, bearerFile: c.BearerTokenFile, basic: c.BasicAuth}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, fmt.Errorf("remote_write.url: %q is not an http:// or https:// URL", c.URL)
	}
	if u.User != nil {
		return s, errors.New("remote_write.url: put credentials in basic_auth or bearer_token_file, not in the URL")
	}
	if s.interval, err = duration("interval", c.Interval, DefaultInterval, time.Second, time.Hour); err != nil {
		return s, err
	}
	if s.timeout, err = duration("timeout", c.Timeout, DefaultTimeout, time.Second, 5*time.Minute); err != nil {
		return s, err
	}
	if s.queue, err = count("queue_samples", c.QueueSamples, DefaultQueueSamples); err != nil {
		return s, err
	}
	if s.perSend, err = count("max_samples_per_send", c.MaxSamplesPerSend, DefaultMaxSamplesPerSend); err != nil {
		return s, err
	}
	if s.perSend > s.queue {
		return s, fmt.Errorf("remote_write.max_samples_per_send: %d is more than queue_samples (%d)", s.perSend, s.queue)
	}
	if s.external, err = externalLabels(c.ExternalLabels); err != nil {
		return s, err
	}
	if err := c.checkAuth(u.Scheme); err != nil {
		return s, err
	}
	s.tls, err = c.TLS.load()
	return s, err
}

func duration(field, v string, def, lo, hi time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("remote_write.%s: %q is not a duration between %v and %v", field, v, lo, hi)
	}
	return d, nil
}

func count(field string, v, def int) (int, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0 || v > 10_000_000:
		return 0, fmt.Errorf("remote_write.%s: %d is not between 1 and 10,000,000", field, v)
	}
	return v, nil
}

func externalLabels(m map[string]string) ([]Label, error) {
	var out []Label
	for k, v := range m {
		if !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
			return nil, fmt.Errorf("remote_write.external_labels: %q is not a label name (letters, digits, _, not starting with a digit or __)", k)
		}
		if v == "" {
			return nil, fmt.Errorf("remote_write.external_labels.%s: the value is empty", k)
		}
		out = append(out, Label{k, v})
	}
	slices.SortFunc(out, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// checkAuth: at most one credential, its file readable, and never sent
// in clear over http://.
func (c Config) checkAuth(scheme string) error {
	if c.BearerTokenFile != "" && c.BasicAuth != nil {
		return errors.New("remote_write.basic_auth: set basic_auth or bearer_token_file, not both")
	}
	file, field := c.BearerTokenFile, "bearer_token_file"
	if c.BasicAuth != nil {
		if c.BasicAuth.Username == "" {
			return errors.New("remote_write.basic_auth.username: empty")
		}
		file, field = c.BasicAuth.PasswordFile, "basic_auth.password_file"
		if file == "" {
			return errors.New("remote_write.basic_auth.password_file: empty")
		}
	}
	if file == "" {
		return nil
	}
	if scheme != "https" {
		return fmt.Errorf("remote_write.%s: credentials would travel in clear: the url must be https://", field)
	}
	if _, err := readSecret(file); err != nil {
		return fmt.Errorf("remote_write.%s: %w", field, err)
	}
	return nil
}

// readSecret reads a credential file, without its trailing newline.
func readSecret(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return s, nil
}

func (t TLSConfig) load() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("remote_write.tls.ca_file: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("remote_write.tls.ca_file: no PEM certificate in %s", t.CAFile)
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("remote_write.tls.cert_file: set cert_file and key_file together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("remote_write.tls.cert_file: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// client is the HTTP client of the settings.
func (s settings) client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = s.tls
	return &http.Client{Transport: tr, Timeout: s.timeout}
}
