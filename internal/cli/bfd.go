package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/udp"
	"github.com/patronus-sdwan/patronus/internal/bfdcfg"
)

func newBFDCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bfd",
		Short: "Run and inspect BFD sessions (RFC 5880/5881/5883) with routers and other Patronus nodes",
	}
	c.AddCommand(newBFDRunCmd(), newBFDShowCmd())
	return c
}

// bfdRunFlags are the flags of `patronus bfd run`.
type bfdRunFlags struct {
	local, txInterval, rxInterval string
	peers                         []string
	multiplier, minTTL, authKeyID int
	multihop, passive, json       bool
	auth, authSecretFile, iface   string
	sessionsFile, controlSocket   string
	sharedPort                    bool
}

func newBFDRunCmd() *cobra.Command {
	var f bfdRunFlags
	c := &cobra.Command{
		Use:   "run --local ADDR --peer ADDR [--peer ADDR ...] | --sessions-file FILE",
		Short: "Run BFD sessions until SIGINT/SIGTERM, printing every state change",
		Long: `Runs BFD sessions over UDP: single-hop (RFC 5881, port 3784, TTL 255) or
multihop (RFC 5883, port 4784). Every state change is printed; with --json as
one JSON object per line. On SIGINT or SIGTERM every session goes AdminDown
and the peers are told before the process exits. With --sessions-file, SIGHUP
re-reads the file and adds, removes and changes sessions in place (interval
changes on Up sessions are negotiated with a Poll Sequence).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBFD(cmd, &f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.local, "local", "", "local address of the sessions")
	fl.StringArrayVar(&f.peers, "peer", nil, "peer address (repeat for several sessions)")
	fl.StringVar(&f.txInterval, "tx-interval", "300ms", "desired minimum transmit interval once Up")
	fl.StringVar(&f.rxInterval, "rx-interval", "300ms", "required minimum receive interval")
	fl.IntVar(&f.multiplier, "multiplier", 3, "detection time multiplier")
	fl.BoolVar(&f.multihop, "multihop", false, "multihop sessions (RFC 5883, UDP 4784)")
	fl.IntVar(&f.minTTL, "min-ttl", 0, "smallest TTL accepted on multihop sessions (default 254)")
	fl.BoolVar(&f.passive, "passive", false, "passive role: send nothing until the peer speaks")
	fl.StringVar(&f.iface, "interface", "", "bind single-hop sessions to this interface")
	fl.StringVar(&f.auth, "auth", "", "authentication: simple|keyed-md5|meticulous-keyed-md5|keyed-sha1|meticulous-keyed-sha1")
	fl.IntVar(&f.authKeyID, "auth-key-id", 1, "authentication key ID")
	fl.StringVar(&f.authSecretFile, "auth-secret-file", "", "file holding the authentication secret")
	fl.BoolVar(&f.json, "json", false, "print one JSON object per line for every state change")
	fl.StringVar(&f.sessionsFile, "sessions-file", "", "YAML file of sessions (flags give the defaults); SIGHUP re-reads it")
	fl.BoolVar(&f.sharedPort, "shared-source-port", false, "send every session from one source port per address family and kind, batched with sendmmsg: far fewer system calls for thousands of sessions (RFC 5881 recommends one port per session)")
	fl.StringVar(&f.controlSocket, "control-socket", "", "serve session state and counters on this unix socket (read with `patronus bfd show`)")
	return c
}

// defaults turns the flags into the default session of the sessions file,
// or the template of the --peer sessions.
func (f *bfdRunFlags) defaults(cmd *cobra.Command) bfdcfg.Session {
	s := bfdcfg.Session{Local: f.local, TxInterval: f.txInterval, RxInterval: f.rxInterval,
		Multiplier: &f.multiplier, Multihop: &f.multihop, Passive: &f.passive, Interface: f.iface}
	if cmd.Flags().Changed("min-ttl") {
		s.MinTTL = &f.minTTL
	}
	if f.auth != "" || cmd.Flags().Changed("auth-key-id") || f.authSecretFile != "" {
		s.Auth = &bfdcfg.Auth{Type: f.auth, SecretFile: f.authSecretFile}
		if cmd.Flags().Changed("auth-key-id") {
			s.Auth.KeyID = &f.authKeyID
		}
	}
	return s
}

// specs returns the sessions asked for on the command line or in the file.
func (f *bfdRunFlags) specs(cmd *cobra.Command) ([]bfdcfg.Spec, error) {
	d := f.defaults(cmd)
	if f.sessionsFile != "" {
		if len(f.peers) > 0 {
			return nil, errors.New("--peer: give peers either with --peer or in --sessions-file, not both")
		}
		return bfdcfg.Load(f.sessionsFile, d)
	}
	if len(f.peers) == 0 {
		return nil, errors.New("--peer: at least one peer is required (or --sessions-file)")
	}
	specs := make([]bfdcfg.Spec, 0, len(f.peers))
	for _, p := range f.peers {
		s := d
		s.Peer = p
		sp, err := s.Resolve(bfdcfg.FlagNamer)
		if err != nil {
			return nil, err
		}
		specs = append(specs, sp)
	}
	if i, _ := bfdcfg.Duplicate(specs); i >= 0 {
		return nil, fmt.Errorf("--peer: %s is given twice", f.peers[i])
	}
	return specs, nil
}

func runBFD(cmd *cobra.Command, f *bfdRunFlags) error {
	specs, err := f.specs(cmd)
	if err != nil {
		return err
	}
	singleProc()
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	mgr := bfd.NewManager(log)
	// Subscribe before the first session exists, so no change is missed.
	events, cancel := mgr.Subscribe()
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		printEvents(cmd.OutOrStdout(), events, f.json)
	}()
	r, err := startRunner(mgr, specs, f.sharedPort, log)
	if err != nil {
		_ = mgr.Close()
		<-done
		return err
	}
	if f.controlSocket != "" {
		stop, err := serveControl(f.controlSocket, r.mgr)
		if err != nil {
			r.close()
			<-done
			return err
		}
		defer stop()
	}
	r.loop(f, cmd, log)
	r.close() // AdminDown to every peer; ends the subscription
	<-done
	return nil
}

// singleProc runs the BFD daemon on one P unless GOMAXPROCS is set: its
// work is one scheduler goroutine and the socket readers, and with more Ps
// the Go scheduler hands work between threads at every wakeup. Measured in
// docs/BENCHMARKS.md: 10,000 sessions use about 40 % less CPU on one P.
func singleProc() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// loop waits for signals: SIGHUP reloads, SIGINT/SIGTERM end the run.
func (r *runner) loop(f *bfdRunFlags, cmd *cobra.Command, log *slog.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sig)
	for s := range sig {
		if s != syscall.SIGHUP {
			log.Info("stopping: sessions go AdminDown", "signal", s.String())
			return
		}
		if f.sessionsFile == "" {
			log.Warn("SIGHUP ignored: no --sessions-file to re-read")
			continue
		}
		specs, err := f.specs(cmd)
		if err == nil {
			err = r.apply(specs, log)
		}
		if err != nil {
			log.Error("reload refused; running sessions unchanged", "err", err)
			continue
		}
		log.Info("reloaded", "file", f.sessionsFile, "sessions", len(specs))
	}
}

// stateLine is the JSON form of a state change.
type stateLine struct {
	TS       string `json:"ts"`
	Local    string `json:"local"`
	Peer     string `json:"peer"`
	Multihop bool   `json:"multihop"`
	From     string `json:"from"`
	State    string `json:"state"`
	Diag     string `json:"diag"`
	Discr    uint32 `json:"local_discriminator"`
}

func printEvents(w io.Writer, events <-chan bfd.StateChange, asJSON bool) {
	enc := json.NewEncoder(w)
	for ev := range events {
		l := stateLine{TS: ev.Time.UTC().Format(time.RFC3339Nano), Local: ev.Key.Local.String(),
			Peer: ev.Key.Peer.String(), Multihop: ev.Key.Multihop, From: ev.From.String(),
			State: ev.To.String(), Diag: ev.Diag.String(), Discr: ev.LocalDiscr}
		if asJSON {
			_ = enc.Encode(l)
			continue
		}
		fmt.Fprintf(w, "%s  %s -> %s  %s -> %s  (diag %s)\n", ev.Time.Format("15:04:05.000"),
			l.Local, l.Peer, l.From, l.State, l.Diag)
	}
}

// listenConfig derives the listening sockets from the sessions: one per
// family and port in use, bound to the local address when all sessions of
// the family share one (so several processes can run on one host), else
// to the wildcard.
func listenConfig(specs []bfdcfg.Spec, log *slog.Logger) udp.Config {
	cfg := udp.Config{Logger: log}
	var v4, v6 map[netip.Addr]bool = map[netip.Addr]bool{}, map[netip.Addr]bool{}
	for _, s := range specs {
		if s.Local.Is4() {
			cfg.EnableV4, v4[s.Local] = true, true
		} else {
			cfg.EnableV6, v6[s.Local] = true, true
		}
		cfg.SingleHop = cfg.SingleHop || !s.Multihop
		cfg.Multihop = cfg.Multihop || s.Multihop
	}
	cfg.ListenV4, cfg.ListenV6 = only(v4), only(v6)
	return cfg
}

func only(m map[netip.Addr]bool) netip.Addr {
	if len(m) == 1 {
		for a := range m {
			return a
		}
	}
	return netip.Addr{}
}
