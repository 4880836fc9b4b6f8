package daemon

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/relay"
	"github.com/patronus-sdwan/patronus/relay/wire"
)

// RelayKeyFile is the relay key's file under the data directory when
// relay.key_file is not set.
const RelayKeyFile = "relay.key"

// RelayConfig is the relay section (docs/NAT.md, Relay): the relay the
// paths take when their direct way does not open. With endpoint set the
// controller gives every edge an allocation for each of its paths; with
// listen set too it runs the relay itself, else the relay runs on its
// own (patronus relay) with the same key.
type RelayConfig struct {
	// Listen is the UDP HOST:PORT the controller's relay serves on;
	// empty: the controller runs none.
	Listen string `yaml:"listen"`
	// Endpoint is the relay's ADDRESS:PORT as the edges reach it; empty:
	// no path is relayed.
	Endpoint string `yaml:"endpoint"`
	// KeyFile holds the relay key (32 bytes or more, raw), shared with a
	// relay that runs on its own; default data_dir/relay.key, made with
	// 32 random bytes when missing.
	KeyFile string `yaml:"key_file"`
	// MaxSessions, MaxPerSite and RateBytesPerSecond bound the relay
	// (relay.Config); 0: the defaults.
	MaxSessions        int `yaml:"max_sessions"`
	MaxPerSite         int `yaml:"max_per_site"`
	RateBytesPerSecond int `yaml:"rate_bytes_per_second"`
}

// validate checks the section's fields by name.
func (r RelayConfig) validate() error {
	if r.Listen != "" {
		if _, _, err := net.SplitHostPort(r.Listen); err != nil {
			return fmt.Errorf("relay.listen: %q is not HOST:PORT", r.Listen)
		}
		if r.Endpoint == "" {
			return errors.New("relay.endpoint: required with relay.listen: the address edges reach the relay at")
		}
	}
	if r.Endpoint != "" {
		if ap, err := netip.ParseAddrPort(r.Endpoint); err != nil || ap.Port() == 0 {
			return fmt.Errorf("relay.endpoint: %q is not ADDRESS:PORT (e.g. 198.51.100.1:3478)", r.Endpoint)
		}
	}
	for name, v := range map[string]int{"max_sessions": r.MaxSessions, "max_per_site": r.MaxPerSite, "rate_bytes_per_second": r.RateBytesPerSecond} {
		if v < 0 {
			return fmt.Errorf("relay.%s: %d must not be negative", name, v)
		}
	}
	return nil
}

// openRelay reads (or makes) the relay key and, with relay.listen,
// opens the relay's socket; Serve runs it. It returns what the server
// gives the edges.
func (d *Daemon) openRelay() (server.Relay, error) {
	rc := d.cfg.Relay
	if rc.Endpoint == "" {
		return server.Relay{}, nil
	}
	file := rc.KeyFile
	if file == "" {
		file = filepath.Join(d.cfg.DataDir, RelayKeyFile)
	}
	key, err := LoadRelayKey(file, rc.KeyFile == "")
	if err != nil {
		return server.Relay{}, err
	}
	if rc.Listen == "" {
		return server.Relay{Endpoint: rc.Endpoint, Key: key}, nil
	}
	d.relay, err = relay.New(relay.Config{Key: key, MaxSessions: rc.MaxSessions, MaxPerSite: rc.MaxPerSite,
		Rate: rc.RateBytesPerSecond, Registerer: d.metrics.Registerer(), Log: d.log})
	if err != nil {
		return server.Relay{}, err
	}
	ua, err := net.ResolveUDPAddr("udp", rc.Listen)
	if err == nil {
		d.relayConn, err = net.ListenUDP("udp", ua)
	}
	if err != nil {
		return server.Relay{}, fmt.Errorf("relay.listen: %w", err)
	}
	return server.Relay{Endpoint: rc.Endpoint, Key: key}, nil
}

// RelayAddr is the address of the relay's socket; nil when the
// controller runs no relay.
func (d *Daemon) RelayAddr() net.Addr {
	if d.relayConn == nil {
		return nil
	}
	return d.relayConn.LocalAddr()
}

// serveRelay runs the relay until Stop closes its socket.
func (d *Daemon) serveRelay() {
	if d.relayConn == nil {
		return
	}
	d.wg.Go(func() {
		<-d.ctx.Done()
		d.relayConn.Close()
	})
	d.wg.Go(func() {
		if err := d.relay.Serve(d.relayConn); err != nil {
			d.log.Error("relay stopped", "err", err)
		}
	})
	d.log.Info("relay serving", "listen", d.relayConn.LocalAddr().String(), "endpoint", d.cfg.Relay.Endpoint)
}

// LoadRelayKey reads a relay key file; when the file does not exist and
// create is set, it is made with wire.KeyLen random bytes (mode 0600).
func LoadRelayKey(file string, create bool) ([]byte, error) {
	key, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && create {
		key = make32()
		if err = os.WriteFile(file, key, 0o600); err != nil {
			return nil, fmt.Errorf("relay.key_file: %w", err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("relay.key_file: %w", err)
	}
	if len(key) < wire.KeyLen {
		return nil, fmt.Errorf("relay.key_file: %s holds %d bytes, want at least %d", file, len(key), wire.KeyLen)
	}
	return key, nil
}

func make32() []byte {
	k := make([]byte, wire.KeyLen)
	_, _ = rand.Read(k)
	return k
}
