// Package labcmd is the command line of patronus lab: it parses flags and
// calls package lab (and lab/wanem for the emulator a lab's links run).
package labcmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
	"github.com/patronus-sdwan/patronus/lab"
	"github.com/patronus-sdwan/patronus/lab/wanem"
)

const defaultLab = "demo"

// Command returns "patronus lab": the lab's command tree.
func Command() *cobra.Command {
	var root string
	c := &cobra.Command{
		Use:   "lab",
		Short: "A multi-site SD-WAN on this machine, in network namespaces: up, status, exec, impair, down",
		Long: `patronus lab builds N sites x M WAN links in network namespaces: per site an
edge namespace running patronus edge and a LAN host behind it, and one
underlay namespace ("wan") that routes between the sites' links, where each
link can be taken down, made lossy, slow, delayed or jittery on its own.
Needs root. State (keys, configurations, logs, control sockets) is kept in
` + lab.DefaultRoot + `/NAME; namespaces are named pl-NAME-*.`,
	}
	c.PersistentFlags().StringVar(&root, "state-root", lab.DefaultRoot, "directory of the labs' state directories")
	_ = c.PersistentFlags().MarkHidden("state-root")
	c.AddCommand(newLabUpCmd(&root), newLabDownCmd(&root), newLabStatusCmd(&root), newLabExecCmd(&root), newLabDashboardProxyCmd(),
		newLabImpairCmd(&root), newLabControllerCmd(&root), newLabStreamCmd(), newLabWANEmCmd(), newLabChaosCmd(&root))
	return c
}

func newLabUpCmd(root *string) *cobra.Command {
	o := lab.Options{}
	var compression, policy, ctlConfig string
	var nats []string
	c := &cobra.Command{
		Use:   "up [--name NAME] [--sites N] [--links M]",
		Short: "Build a lab and return when every path is up (WireGuard session and BFD)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary, o.Root, o.Log = bin, *root, cmd.ErrOrStderr()
			if o.Compression, err = parseCompression(compression, o.Sites); err != nil {
				return err
			}
			if policy != "" {
				if o.Policy, err = os.ReadFile(policy); err != nil {
					return fmt.Errorf("--policy: %w", err)
				}
			}
			for _, n := range nats {
				spec, err := lab.ParseNAT(n)
				if err != nil {
					return err
				}
				o.NAT = append(o.NAT, spec)
			}
			if ctlConfig != "" {
				if o.ControllerConfig, err = os.ReadFile(ctlConfig); err != nil {
					return fmt.Errorf("--controller-config: %w", err)
				}
			}
			start := time.Now()
			st, err := lab.Up(o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s up in %.1fs: %d sites, %d paths up\n", st.Name, time.Since(start).Seconds(), len(st.Sites), st.PathCount())
			return printLabStatus(cmd, st)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Name, "name", defaultLab, "lab name (prefix of its namespaces); two labs with different names coexist")
	f.IntVar(&o.Sites, "sites", 3, "number of sites")
	f.IntVar(&o.Links, "links", 2, "WAN links per site (inet, lte, mpls, wan4, ...)")
	f.StringVar(&o.WAN, "wan", "ipv4", "address family of the underlay the tunnels run over: ipv4 or ipv6")
	f.StringVar(&compression, "compression", "", "defaults.compression of the edges: on, off, or per site as 1=on,2=off (unset: the edge's default)")
	f.StringVar(&policy, "policy", "", "YAML file of steering sections (sla_classes, applications, policies, steering, quality_model) for every edge")
	f.DurationVar(&o.BFDInterval, "bfd-interval", 0, "BFD transmit and receive interval in the paths (unset: the edge's default, 100ms)")
	f.IntVar(&o.BFDMultiplier, "bfd-multiplier", 0, "BFD detection multiplier in the paths (unset: the edge's default, 3)")
	f.StringVar(&ctlConfig, "controller-config", "", "YAML file added to the controller's configuration (its api: or alerts: sections; not networks:)")
	f.BoolVar(&o.Static, "static", false, "no controller: the edges run from configuration files written by the lab")
	f.StringArrayVar(&o.Networks, "network", nil, "another network of the controller besides default, full mesh and empty (repeatable): for testing what is per network")
	f.StringSliceVar(&o.Hubs, "hub", nil, "hub-and-spoke: this site is a hub (repeatable); the others are spokes that reach each other through the first hub")
	f.IntVar(&o.Replicas, "replicas", 1, "controllers on one PostgreSQL database in the controller node, the sites split between them")
	f.BoolVar(&o.Traffic, "traffic", false, "start a ping from every LAN host to every other one, five a second")
	f.StringVar(&o.Routers, "routers", "", "put a BGP router in every site's LAN host, peering with its edge and announcing 10.(100+S).0.0/24: frr (zebra, bfdd, bgpd) or bird (BIRD 2); see docs/BGP.md")
	f.BoolVar(&o.RouterMD5, "router-md5", false, "with --routers: TCP MD5 passwords on the BGP sessions")
	f.DurationVar(&o.NATTimeout, "nat-timeout", 0, "how long the NAT routers (--nat) keep an idle UDP flow, whole seconds (an nftables ct timeout policy); default: the kernel's (30 s, 120 s once answered)")
	f.StringArrayVar(&nats, "nat", nil, "put link LINK of site SITE behind a NAT: SITE:LINK=cone (endpoint-independent mapping) or =symmetric (a port per destination); repeatable; the controller node then runs STUN and the relay; see docs/NAT.md")
	f.BoolVar(&o.RouterIPv6, "router-ipv6", false, "with --routers: a second BGP session over IPv6 (the LAN's fd10:0:S::2 and ::1) on which the router announces fd64:100:S::/48")
	f.DurationVar(&o.Timeout, "timeout", 60*time.Second, "how long to wait for every path to come up")
	return c
}

// parseCompression reads --compression: "on", "off", or "1=on,2=off".
func parseCompression(s string, sites int) (map[int]bool, error) {
	if s == "" {
		return nil, nil
	}
	word := func(w string) (bool, error) {
		switch w {
		case "on", "true":
			return true, nil
		case "off", "false":
			return false, nil
		}
		return false, fmt.Errorf("--compression %q: want on or off", w)
	}
	out := map[int]bool{}
	if !strings.Contains(s, "=") {
		v, err := word(s)
		if err != nil {
			return nil, err
		}
		for i := 1; i <= sites; i++ {
			out[i] = v
		}
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		id, err := strconv.Atoi(strings.TrimPrefix(k, "site"))
		if err != nil {
			return nil, fmt.Errorf("--compression %q: %q is not a site number", s, k)
		}
		if out[id], err = word(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func newLabDownCmd(root *string) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use:   "down [--name NAME]",
		Short: "Remove a lab: its processes, namespaces (with their links, qdiscs and nftables tables) and state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := lab.Require(); err != nil {
				return err
			}
			if err := lab.Down(*root, name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s down\n", name)
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", defaultLab, "lab name")
	return c
}

// labStatus is lab state with what is live right now.
type labStatus struct {
	*lab.State
	Sites []siteStatus `json:"sites"`
	// ControllerNode is the node of the lab's controller, where
	// patronus ctl reaches it; empty in a static lab.
	ControllerNode    string `json:"controller_node,omitempty"`
	ControllerRunning bool   `json:"controller_running"`
}

type siteStatus struct {
	lab.Site
	EdgeRunning bool `json:"edge_running"`
	PathsUp     int  `json:"paths_up"`
	Paths       int  `json:"paths"`
}

func liveStatus(st *lab.State) labStatus {
	ls := labStatus{State: st}
	if st.Controller != nil {
		ls.ControllerNode, ls.ControllerRunning = st.Controller.Node, st.ControllerRunning()
	}
	for _, s := range st.Sites {
		ss := siteStatus{Site: s, EdgeRunning: processAlive(s.EdgePID)}
		var es struct {
			Paths []struct {
				LastHandshake *time.Time `json:"last_handshake"`
				BFDState      string     `json:"bfd_state"`
			} `json:"paths"`
		}
		if ss.EdgeRunning {
			if _, err := ctlsock.Get(s.ControlSocket, "/status", &es); err == nil {
				ss.Paths = len(es.Paths)
				for _, p := range es.Paths {
					if p.LastHandshake != nil && p.BFDState == "up" {
						ss.PathsUp++
					}
				}
			}
		}
		ls.Sites = append(ls.Sites, ss)
	}
	return ls
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

func newLabStatusCmd(root *string) *cobra.Command {
	var name string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--name NAME] [--json]",
		Short: "Show a lab's sites, nodes, addresses, links and impairments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := lab.Load(*root, name)
			if err != nil {
				if errors.Is(err, lab.ErrNoLab) {
					if labs := lab.List(*root); len(labs) > 0 {
						err = fmt.Errorf("%w; labs here: %s", err, strings.Join(labs, ", "))
					}
				}
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(liveStatus(st))
			}
			return printLabStatus(cmd, st)
		},
	}
	c.Flags().StringVar(&name, "name", defaultLab, "lab name")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printLabStatus(cmd *cobra.Command, st *lab.State) error {
	ls := liveStatus(st)
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "lab %s (%s underlay, state %s)\n", st.Name, st.WAN, st.Dir)
	if c := st.Controller; c != nil {
		state := "running"
		if !ls.ControllerRunning {
			state = "STOPPED (patronus lab controller start; log: " + c.Log + ")"
		}
		fmt.Fprintf(w, "controller %s on %s, node %s (patronus lab exec %s -- patronus ctl sites list)\n", state, c.Address, c.Node, c.Node)
		for _, r := range c.Replicas {
			fmt.Fprintf(w, "replica on %s (same PostgreSQL database; patronus ctl --controller %s ...)\n", r.Address, r.Address)
		}
	} else {
		fmt.Fprintln(w, "static: the edges run from configuration files, no controller")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "SITE\tEDGE\tPATHS UP\tHOST NODE\tHOST IPV4\tHOST IPV6\tLINKS")
	for _, s := range ls.Sites {
		edge := "running"
		if !s.EdgeRunning {
			edge = "STOPPED (log: " + s.Log + ")"
		}
		var links []string
		for _, l := range s.Links {
			ep := l.Endpoint
			if l.NAT != "" {
				ep = fmt.Sprintf("%s-nat(%s)", l.NAT, l.NATAddress)
			}
			links = append(links, l.Name+"="+ep+impairText(l.Impairment))
		}
		fmt.Fprintf(w, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", s.Name, edge, s.PathsUp, s.Paths, s.HostNode, s.HostIPv4, s.HostIPv6, strings.Join(links, " "))
	}
	return w.Flush()
}

func impairText(i lab.Impairment) string {
	var parts []string
	if i.Down {
		parts = append(parts, "down")
	}
	if i.LossPct > 0 {
		parts = append(parts, fmt.Sprintf("loss %v%%", i.LossPct))
	}
	if i.Delay > 0 {
		parts = append(parts, "delay "+time.Duration(i.Delay).String())
	}
	if i.Jitter > 0 {
		parts = append(parts, "jitter "+time.Duration(i.Jitter).String())
	}
	if i.RateStr != "" {
		parts = append(parts, "rate "+i.RateStr)
	}
	if len(parts) == 0 {
		return ""
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// exitError carries a child's exit status out through the command line's
// Main, which exits with ExitCode instead of printing the error.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// ExitCode is the child's exit status.
func (e exitError) ExitCode() int { return e.code }

func newLabExecCmd(root *string) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use:   "exec [--name NAME] NODE -- CMD [ARG...]",
		Short: "Run a command in a lab node (siteN: the edge, hostN: its LAN host, wan: the underlay), with its exit status",
		Long: `Runs CMD inside the node's network namespace with this terminal's input
and output, and exits with its status. In an edge node, patronus status
and patronus pin reach that site's edge without --control-socket; the
directory of this patronus binary is on PATH.`,
		Args: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if len(args) < 2 || dash != 1 {
				return errors.New("want NODE -- CMD [ARG...] (e.g. patronus lab exec host1 -- ping -c3 10.2.0.2)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := lab.Load(*root, name)
			if err != nil {
				return err
			}
			node, err := st.Node(args[0])
			if err != nil {
				return err
			}
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			env := append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
			if node.Socket != "" {
				env = append(env, ctlsock.SocketEnv+"="+node.Socket)
			}
			env = append(env, node.Env...)
			x := exec.Command("ip", append([]string{"netns", "exec", node.NS}, args[1:]...)...)
			x.Env = env
			x.Stdin, x.Stdout, x.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			err = x.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code := ee.ExitCode()
				if code < 0 {
					code = 128 + int(ee.Sys().(syscall.WaitStatus).Signal())
				}
				return exitError{code}
			}
			return err
		},
	}
	c.Flags().StringVar(&name, "name", defaultLab, "lab name")
	return c
}

func newLabControllerCmd(root *string) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use:   "controller stop|start [--name NAME]",
		Short: "Take the lab's controller away and bring it back; the edges carry on without it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var st *lab.State
			var err error
			switch args[0] {
			case "stop":
				st, err = lab.StopController(*root, name)
			case "start":
				bin, berr := os.Executable()
				if berr != nil {
					return berr
				}
				st, err = lab.StartController(*root, name, bin)
			default:
				return fmt.Errorf("%q: want stop or start", args[0])
			}
			if err != nil {
				return err
			}
			done := map[string]string{"stop": "stopped: the edges go on with their last configuration", "start": "started"}[args[0]]
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s: controller on %s %s\n", st.Name, st.Controller.Address, done)
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", defaultLab, "lab name")
	return c
}

func newLabImpairCmd(root *string) *cobra.Command {
	var name, site, link, rate, rebind string
	var down, up, clear bool
	var loss float64
	var delay, jitter time.Duration
	c := &cobra.Command{
		Use:   "impair [--name NAME] (--site S --link L [--down|--up] [--loss PCT] [--delay DUR] [--jitter DUR] [--rate RATE] [--clear] | --rebind SITE:LINK)",
		Short: "Change what the underlay does to one WAN link of one site, in both directions",
		Long: `Impairs one link in both directions; settings not given are kept, --clear
starts from a clean link. --down drops everything (a silent cut, as when a
provider's network fails: the edge's interface stays up); --up undoes it.
--loss drops that percentage of packets in each direction (nftables);
--rate limits each direction with tbf (e.g. 50mbit, 2gbit, 0 to remove);
--delay and --jitter run the lab's userspace WAN emulator on the link
(each direction delayed by DELAY ± JITTER, order kept). --rebind SITE:LINK
makes the NAT of a link behind one (lab up --nat) forget its mappings, as
when a NAT reboots: the link's next packets get a new public port.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rebind != "" {
				return runRebind(cmd, *root, name, rebind)
			}
			if site == "" || link == "" {
				return errors.New("--site and --link are required (see patronus lab status)")
			}
			if down && up {
				return errors.New("--down and --up: choose one")
			}
			ch := lab.Change{Clear: clear}
			f := cmd.Flags()
			if down || up {
				ch.Down = &down
			}
			if f.Changed("loss") {
				ch.LossPct = &loss
			}
			if f.Changed("delay") {
				ch.Delay = &delay
			}
			if f.Changed("jitter") {
				ch.Jitter = &jitter
			}
			if f.Changed("rate") {
				var r uint64
				if rate != "0" {
					var err error
					if r, err = config.ParseRate(rate); err != nil {
						return fmt.Errorf("--rate %q: %w", rate, err)
					}
				}
				ch.Rate, ch.RateStr = &r, rate
			}
			if !clear && ch.Down == nil && ch.LossPct == nil && ch.Delay == nil && ch.Jitter == nil && ch.Rate == nil {
				return errors.New("nothing to change: give --down, --up, --loss, --delay, --jitter, --rate or --clear")
			}
			if err := lab.Require(); err != nil {
				return err
			}
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			siteName, l, err := lab.Impair(*root, name, site, link, ch, bin)
			if err != nil {
				return err
			}
			txt := impairText(l.Impairment)
			if txt == "" {
				txt = "clean"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s\n", siteName, l.Name, txt)
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&name, "name", defaultLab, "lab name")
	fl.StringVar(&site, "site", "", "site (site1, or 1)")
	fl.StringVar(&link, "link", "", "link name (inet, lte, ...) or number")
	fl.BoolVar(&down, "down", false, "drop every packet on the link")
	fl.BoolVar(&up, "up", false, "undo --down")
	fl.Float64Var(&loss, "loss", 0, "percentage of packets dropped in each direction")
	fl.DurationVar(&delay, "delay", 0, "delay added in each direction")
	fl.DurationVar(&jitter, "jitter", 0, "jitter around the delay, in each direction")
	fl.StringVar(&rate, "rate", "", "rate limit in each direction (e.g. 50mbit); 0 removes it")
	fl.BoolVar(&clear, "clear", false, "remove every impairment of the link first")
	fl.StringVar(&rebind, "rebind", "", "SITE:LINK: the NAT of that link (lab up --nat) forgets its mappings and, for cone, moves its public port")
	return c
}

// runRebind is lab impair --rebind SITE:LINK.
func runRebind(cmd *cobra.Command, root, name, spec string) error {
	site, link, ok := strings.Cut(spec, ":")
	if !ok || site == "" || link == "" {
		return fmt.Errorf("--rebind %q: want SITE:LINK (e.g. site1:lte)", spec)
	}
	for _, f := range []string{"site", "link", "down", "up", "loss", "delay", "jitter", "rate", "clear"} {
		if cmd.Flags().Changed(f) {
			return fmt.Errorf("--rebind: give it alone (with --name), not with --%s", f)
		}
	}
	if err := lab.Require(); err != nil {
		return err
	}
	siteName, l, err := lab.Rebind(root, name, site, link)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s NAT rebound (generation %d)\n", siteName, l.Name, l.NAT, l.NATGeneration)
	return nil
}

// newLabWANEmCmd is the lab's WAN emulator process, started by lab impair
// inside the wan namespace.
func newLabWANEmCmd() *cobra.Command {
	var a, b, ready, control string
	var delay, jitter time.Duration
	var hold bool
	c := &cobra.Command{
		Use:    "wan-emulator --a IF --b IF --delay DUR [--jitter DUR] [--ready FILE] [--control FILE] [--hold]",
		Short:  "Bridge two interfaces through the userspace WAN emulator (started by patronus lab impair)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			imp := wanem.Impairment{Delay: delay, Jitter: jitter}
			if err := imp.Validate(); err != nil {
				return err
			}
			br, err := wanem.Open(a, b, hold)
			if err != nil {
				return err
			}
			defer br.Close()
			if err := br.Set(imp); err != nil {
				return err
			}
			sig := make(chan os.Signal, 4)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGHUP)
			if ready != "" {
				if err := os.WriteFile(ready, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wan-emulator %s <-> %s: delay %v jitter %v held %v\n", a, b, delay, jitter, hold)
			for s := range sig {
				switch s {
				case syscall.SIGUSR1: // the other way across is gone: forward
					br.Hold(false)
					fmt.Fprintln(cmd.ErrOrStderr(), "wan-emulator: forwarding")
				case syscall.SIGHUP: // new settings in the control file
					if err := reloadWANEm(br, control); err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "wan-emulator: --control %s: %v\n", control, err)
					} else {
						fmt.Fprintf(cmd.ErrOrStderr(), "wan-emulator: now %+v\n", br.Impairment())
					}
				default:
					fmt.Fprintf(cmd.ErrOrStderr(), "wan-emulator: forwarded %d frames, dropped %d, %d while held\n",
						br.Forwarded.Load(), br.Dropped.Load(), br.Held.Load())
					return nil
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&a, "a", "", "first interface")
	f.StringVar(&b, "b", "", "second interface")
	f.DurationVar(&delay, "delay", 0, "delay per direction")
	f.DurationVar(&jitter, "jitter", 0, "jitter per direction")
	f.StringVar(&ready, "ready", "", "file to write once the bridge runs")
	f.StringVar(&control, "control", "", "file of 'DELAY JITTER' read again on SIGHUP")
	f.BoolVar(&hold, "hold", false, "discard frames until SIGUSR1 (while the ports are still bridged)")
	return c
}

// reloadWANEm sets the emulator's delay and jitter from file: "DELAY
// JITTER" (Go durations).
func reloadWANEm(br *wanem.Bridge, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	f := strings.Fields(string(raw))
	if len(f) != 2 {
		return fmt.Errorf("want DELAY JITTER, got %q", raw)
	}
	d, err1 := time.ParseDuration(f[0])
	j, err2 := time.ParseDuration(f[1])
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	return br.Set(wanem.Impairment{Delay: d, Jitter: j})
}

// newLabDashboardProxyCmd carries connections from 127.0.0.1 into the
// lab's controller namespace (started by lab up).
func newLabDashboardProxyCmd() *cobra.Command {
	var netns, to, addrFile string
	c := &cobra.Command{
		Use:    "dashboard-proxy --netns NS --to HOST:PORT --addr-file FILE",
		Short:  "Carry TCP connections from 127.0.0.1 to the lab's controller (started by patronus lab up)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return lab.RunProxy(ctx, netns, to, addrFile, cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&netns, "netns", "", "the controller's network namespace")
	f.StringVar(&to, "to", "", "the controller's HOST:PORT inside it")
	f.StringVar(&addrFile, "addr-file", "", "file to write the listening HOST:PORT to")
	for _, n := range []string{"netns", "to", "addr-file"} {
		_ = c.MarkFlagRequired(n)
	}
	return c
}
