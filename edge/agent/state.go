package agent

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// Files of the state directory besides the TLS identity, which
// controller/pki names (pki.IdentityKeyFile, IdentityCertFile,
// IdentityCAFile).
const (
	WireGuardKeyFile = "wireguard.key"
	EnrolmentFile    = "enrolment.json"
	ConfigFile       = "config.json"
)

// DefaultStateDir is where patronus edge keeps its state.
const DefaultStateDir = "/var/lib/patronus/edge"

const (
	dirMode  = 0o700
	fileMode = 0o600
)

// enrolment is what EnrolmentFile keeps of the controller's answer.
type enrolment struct {
	SiteID              uint32   `json:"site_id"`
	SiteName            string   `json:"site_name"`
	Network             string   `json:"network"`
	Controller          string   `json:"controller"`
	ControllerEndpoints []string `json:"controller_endpoints,omitempty"`
}

// ensureStateDir creates dir with mode 0700 and refuses one that group or
// others may enter: it holds private keys.
func ensureStateDir(dir string) error {
	if dir == "" {
		return errors.New("agent: state directory: empty path")
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("agent: state directory: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("agent: state directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("agent: state directory %s has mode %04o: group and others must have no access (chmod 700 %s)", dir, perm, dir)
	}
	return nil
}

// writeFileAtomic writes data to path through a synced temporary file in
// the same directory, renamed over path: a crash leaves the old file or
// the new one. The file is 0600.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("agent: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("agent: writing %s: %w", path, err)
		}
	}()
	if err = f.Chmod(fileMode); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: makes the rename durable on more file systems
		d.Close()
	}
	return nil
}

// ErrWireGuardKeyLost: the state directory holds an enrolled edge's
// identity but not its WireGuard key. The agent refuses to start rather
// than make a key that no peer knows (its tunnels would never come up,
// silently); the error says what to do.
//
// Why refuse rather than register a new key through the control channel:
// the site's certificate would then be enough to replace the key that
// its peers trust, so whoever copied the identity files (not the
// WireGuard key) could take the site's place in the data plane without an
// operator's act. A lost key is an event an operator should see; patronus
// ctl sites reset makes it one act, audited, that keeps the site's name,
// ID, links, prefixes, pins and policies.
var ErrWireGuardKeyLost = errors.New("the site's WireGuard key is lost")

// loadOrCreateWireGuardKey reads the site's WireGuard private key from
// dir, or makes one for an edge that has not enrolled yet (no identity
// and no enrolment file in dir); an enrolled edge without its key gets
// ErrWireGuardKeyLost. The file has the form of patronus keygen (base64,
// as wg genkey writes it) so that config.Validate reads it like a static
// configuration's private_key_file.
func loadOrCreateWireGuardKey(dir string) (*ecdh.PrivateKey, error) {
	path := filepath.Join(dir, WireGuardKeyFile)
	key, err := loadWireGuardKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if site := enrolledAs(dir); site != "" {
		return nil, fmt.Errorf("agent: %w: %s is missing, but the state directory %s holds the identity of site %s; "+
			"a new key would be known to no peer. Restore %s from a backup, or run 'patronus ctl sites reset %s' "+
			"on the controller and start this edge with the join token it prints and an empty state directory",
			ErrWireGuardKeyLost, path, dir, site, WireGuardKeyFile, site)
	}
	key, err = ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("agent: wireguard key: %w", err)
	}
	if err := writeFileAtomic(path, []byte(base64.StdEncoding.EncodeToString(key.Bytes())+"\n")); err != nil {
		return nil, err
	}
	return key, nil
}

// enrolledAs names the site whose identity or enrolment dir holds ("": none,
// "SITE" when only unreadable pieces are there).
func enrolledAs(dir string) string {
	if creds, err := pki.LoadIdentity(dir); err == nil {
		return creds.Identity.SiteName
	} else if !errors.Is(err, pki.ErrNoIdentity) {
		return "SITE"
	}
	if e, err := loadEnrolment(dir); err != nil || e != nil {
		if e != nil && e.SiteName != "" {
			return e.SiteName
		}
		return "SITE"
	}
	return ""
}

// loadWireGuardKey reads a key file; a missing one is fs.ErrNotExist.
func loadWireGuardKey(path string) (*ecdh.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("agent: wireguard key: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("agent: wireguard key: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("agent: key file %s has mode %04o: group and others must have no access (chmod 600 %s)", path, perm, path)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("agent: key file %s: not a WireGuard private key (32 bytes, base64)", path)
	}
	key, err := ecdh.X25519().NewPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("agent: key file %s: not a WireGuard private key", path)
	}
	return key, nil
}

func saveEnrolment(dir string, e *enrolment) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("agent: %s: %w", EnrolmentFile, err)
	}
	return writeFileAtomic(filepath.Join(dir, EnrolmentFile), append(data, '\n'))
}

// loadEnrolment reads EnrolmentFile; a missing file is (nil, nil).
func loadEnrolment(dir string) (*enrolment, error) {
	path := filepath.Join(dir, EnrolmentFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var e enrolment
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("agent: %s: %w", path, err)
	}
	return &e, nil
}

// saveConfig writes the configuration the edge runs.
func saveConfig(dir string, cfg *pb.EdgeConfig) error {
	data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("agent: %s: %w", ConfigFile, err)
	}
	return writeFileAtomic(filepath.Join(dir, ConfigFile), append(data, '\n'))
}

// loadConfig reads the configuration saved by saveConfig; a missing file
// is (nil, nil). Unknown fields are skipped, so an edge rolled back to an
// older version still reads what a newer one wrote.
func loadConfig(dir string) (*pb.EdgeConfig, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var cfg pb.EdgeConfig
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("agent: %s: %w", path, err)
	}
	return &cfg, nil
}
