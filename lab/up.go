package lab

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
	"github.com/patronus-sdwan/patronus/policy"
)

// Options of a new lab.
type Options struct {
	Name   string
	Root   string // state directories; DefaultRoot when empty
	Sites  int
	Links  int
	WAN    string // "ipv4" (default) or "ipv6": the underlay the tunnels use
	Binary string // the patronus binary the edges run
	// Compression is the edges' defaults.compression, per site ID; sites
	// not in the map leave it unset.
	Compression map[int]bool
	// Policy is YAML with steering sections (sla_classes, applications,
	// disable_builtin_applications, policies, steering, quality_model),
	// added to every edge's configuration.
	Policy []byte
	// BFDInterval and BFDMultiplier set defaults.bfd of every edge (zero:
	// the edge's defaults, 100 ms x 3).
	BFDInterval   time.Duration
	BFDMultiplier int
	// Static runs the edges from configuration files, without a
	// controller.
	Static bool
	// Replicas: that many controllers on one PostgreSQL database, the
	// sites' edges split between them (0 or 1: one controller, SQLite).
	Replicas int
	// Hubs make the network hub-and-spoke: these sites are its hubs, the
	// others spokes with paths to the hubs only (reaching each other
	// through the first hub). Empty: a full mesh.
	Hubs []string
	// ControllerConfig is YAML added to the controller's configuration
	// file: its api: or alerts: sections (docs/ALERTS.md), not networks:
	// (the lab writes that one).
	ControllerConfig []byte
	// Networks are more networks the controller has besides "default":
	// full mesh and empty (no site of the lab enrols in them), for
	// testing what is per network (the dashboard's network selector).
	Networks []string
	// Routers puts a router (RouterFRR or RouterBIRD) in every site's LAN
	// host, peering over BGP with its edge (routers.go); RouterMD5 gives
	// the sessions TCP MD5 passwords.
	Routers   string
	RouterMD5 bool
	// RouterIPv6 adds an IPv6 session between each router and its edge
	// (LANv6 ::2 and ::1), on which the router announces RouterPrefix6.
	RouterIPv6 bool
	// Traffic starts a ping from every LAN host to every other one (five
	// a second) so that counters move from the start.
	Traffic bool
	// NAT puts links behind a NAT of a kind (nat.go).
	NAT []NATSpec
	// NATTimeout is how long the NAT routers keep an idle UDP flow
	// (answered or not), whole seconds; 0: the kernel's (30 s unanswered,
	// 120 s for a flow seen both ways).
	NATTimeout time.Duration
	// Timeout bounds the wait for every path to come up.
	Timeout time.Duration
	// Log receives progress lines.
	Log io.Writer
}

// networkNameRE is a name store.ValidateName accepts (1 to 63 of a-z,
// 0-9, '-', '_', not first).
var networkNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (o *Options) check() error {
	if err := CheckName(o.Name); err != nil {
		return err
	}
	if o.Sites < 2 || o.Sites > MaxSites {
		return fmt.Errorf("--sites %d: want 2 to %d", o.Sites, MaxSites)
	}
	if o.Links < 1 || o.Links > MaxLinks {
		return fmt.Errorf("--links %d: want 1 to %d", o.Links, MaxLinks)
	}
	switch o.WAN {
	case "":
		o.WAN = "ipv4"
	case "ipv4", "ipv6":
	default:
		return fmt.Errorf("--wan %q: want ipv4 or ipv6", o.WAN)
	}
	for id := range o.Compression {
		if id < 1 || id > o.Sites {
			return fmt.Errorf("--compression: site %d is not in a %d-site lab", id, o.Sites)
		}
	}
	if o.Binary == "" {
		return errors.New("lab: the patronus binary to run is not known")
	}
	if o.Replicas < 0 || o.Replicas > MaxReplicas || o.Static && o.Replicas > 1 {
		return fmt.Errorf("--replicas %d: want 1 to %d, without --static", o.Replicas, MaxReplicas)
	}
	for _, h := range o.Hubs {
		n, err := strconv.Atoi(strings.TrimPrefix(h, "site"))
		if !strings.HasPrefix(h, "site") || err != nil || n < 1 || n > o.Sites {
			return fmt.Errorf("--hub %q: want a site of the lab, site1 to site%d", h, o.Sites)
		}
	}
	for _, n := range o.Networks {
		if !networkNameRE.MatchString(n) || n == "default" {
			return fmt.Errorf("--network %q: want a name of 1 to 63 of a-z, 0-9, '-', '_' (not first), not default", n)
		}
	}
	if len(o.Networks) > 0 && o.Static {
		return errors.New("--network: needs the controller (not --static)")
	}
	if len(o.ControllerConfig) > 0 && o.Static {
		return errors.New("--controller-config: needs the controller (not --static)")
	}
	if len(o.Hubs) > 0 && o.Static {
		return errors.New("--hub: needs the controller (not --static): the controller makes the hub-and-spoke configurations")
	}
	if !o.Static {
		switch {
		case o.Compression != nil:
			return errors.New("--compression: needs --static (the controller does not push compression settings yet)")
		case o.BFDInterval != 0 || o.BFDMultiplier != 0:
			return errors.New("--bfd-interval, --bfd-multiplier: need --static (the controller does not push BFD timers yet)")
		}
	}
	if err := o.checkNAT(); err != nil {
		return err
	}
	if err := checkRouters(o.Routers); err != nil {
		return err
	}
	if o.RouterMD5 && o.Routers == "" {
		return errors.New("--router-md5: needs --routers")
	}
	if o.RouterIPv6 && o.Routers == "" {
		return errors.New("--router-ipv6: needs --routers")
	}
	if err := checkPolicy(o.Policy); err != nil {
		return fmt.Errorf("--policy: %w", err)
	}
	if o.BFDInterval != 0 && (o.BFDInterval < time.Millisecond || o.BFDInterval > time.Minute) {
		return fmt.Errorf("--bfd-interval %v: want 1ms to 1m", o.BFDInterval)
	}
	if o.BFDMultiplier < 0 || o.BFDMultiplier > 255 {
		return fmt.Errorf("--bfd-multiplier %d: want 1 to 255", o.BFDMultiplier)
	}
	if o.Root == "" {
		o.Root = DefaultRoot
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

// Up builds a lab and returns when every path of every edge has completed
// its WireGuard handshake. On error, everything made is removed again.
func Up(o Options) (_ *State, err error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := Require(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Root, 0o700); err != nil {
		return nil, err
	}
	dir := filepath.Join(o.Root, o.Name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lab %q exists (%s): patronus lab down --name %s first", o.Name, dir, o.Name)
		}
		return nil, err
	}
	if left := leftovers(o.Name); len(left) > 0 {
		_ = os.Remove(dir)
		return nil, fmt.Errorf("lab %q: namespaces %v are left from an earlier run: patronus lab down --name %s", o.Name, left, o.Name)
	}
	st := plan(o, dir)
	defer func() {
		if err != nil {
			if derr := Down(o.Root, o.Name); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleaning up: %w", derr))
			}
		}
	}()
	if err := st.planNAT(o.NAT, o.NATTimeout); err != nil {
		return nil, err
	}
	if err := st.save(); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "lab %s: %d sites x %d links, %s underlay, state in %s\n", o.Name, o.Sites, o.Links, o.WAN, dir)
	if err := st.build(); err != nil {
		return nil, err
	}
	for i := range st.Sites {
		if st.Sites[i].Router != nil {
			if err := st.startRouter(&st.Sites[i]); err != nil {
				return nil, err
			}
		}
	}
	if st.Controller != nil {
		return st, st.upControlled(o)
	}
	if err := st.writeConfigs(o); err != nil {
		return nil, err
	}
	// The edges start one after the other, each once the one before
	// serves its status (its paths are up), from the highest site ID down:
	// of two sites, the one with the lower ID starts a path's handshake at
	// once and the other only after a while (edge/dataplane), so each
	// edge finds the peers it initiates to already listening.
	exited := map[int]<-chan struct{}{}
	deadline := time.Now().Add(o.Timeout)
	for i := len(st.Sites) - 1; i >= 0; i-- {
		s := &st.Sites[i]
		pid, done, err := spawn(s.ns, s.Log, nil, o.Binary, "edge", "--config", s.Config, "--control-socket", s.ControlSocket)
		if err != nil {
			return nil, err
		}
		s.EdgePID, exited[i] = pid, done
		if err := s.waitServing(deadline, done); err != nil {
			return nil, err
		}
	}
	if err := st.save(); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "lab %s: %d edges started, waiting for %d paths\n", o.Name, len(st.Sites), st.pathCount())
	if err := st.waitPaths(o.Timeout, exited); err != nil {
		return nil, err
	}
	if o.Traffic {
		if err := st.startTraffic(); err != nil {
			return nil, err
		}
	}
	return st, st.save()
}

// upControlled starts the controller, sets the policy, enrols the sites
// one by one (from the highest ID down, as in a static lab) and waits for
// every path.
func (st *State) upControlled(o Options) error {
	deadline := time.Now().Add(o.Timeout)
	fmt.Fprintf(o.Log, "lab %s: starting the controller on %s\n", o.Name, st.Controller.Address)
	if err := st.buildController(); err != nil {
		return err
	}
	if err := st.startController(o.Binary, o.Timeout); err != nil {
		return err
	}
	if err := st.startDashboard(o.Binary, deadline); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if err := st.save(); err != nil {
		return err
	}
	if len(o.Policy) > 0 {
		if err := st.setPolicy(o.Binary, o.Policy); err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
	}
	exited := map[int]<-chan struct{}{}
	for i := len(st.Sites) - 1; i >= 0; i-- {
		done, err := st.enrolSite(&st.Sites[i], o.Binary, deadline)
		if err != nil {
			return err
		}
		exited[i] = done
		if s := &st.Sites[i]; s.Router != nil {
			if err := st.configureBGP(s, o.Binary); err != nil {
				return err
			}
		}
		if err := st.save(); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Log, "lab %s: %d edges enrolled, waiting for %d paths\n", o.Name, len(st.Sites), st.pathCount())
	if err := st.waitPaths(time.Until(deadline), exited); err != nil {
		return err
	}
	if o.Traffic {
		if err := st.startTraffic(); err != nil {
			return err
		}
	}
	return st.save()
}

// leftovers lists namespaces of lab name that exist already.
func leftovers(name string) []string {
	all, _ := namespaces()
	re := nsPattern(name)
	var out []string
	for _, ns := range all {
		if re.MatchString(ns) {
			out = append(out, ns)
		}
	}
	return out
}

// plan lays out a lab's sites, links and files.
func plan(o Options, dir string) *State {
	st := &State{Name: o.Name, Dir: dir, WAN: o.WAN, Created: time.Now().UTC().Truncate(time.Second), WANNode: "wan"}
	st.Namespace = append(st.Namespace, nsWAN(o.Name))

	for s := 1; s <= o.Sites; s++ {
		site := Site{
			Name: fmt.Sprintf("site%d", s), ID: s, EdgeNode: fmt.Sprintf("site%d", s), HostNode: fmt.Sprintf("host%d", s),
			HostIPv4: HostV4(s).String(), HostIPv6: HostV6(s).String(),
			LANIPv4: LANv4(s).String(), LANIPv6: LANv6(s).String(),
			Config:        filepath.Join(dir, fmt.Sprintf("site%d.yaml", s)),
			ControlSocket: filepath.Join(dir, fmt.Sprintf("site%d.sock", s)),
			Log:           filepath.Join(dir, fmt.Sprintf("site%d.log", s)),
			ns:            nsSite(o.Name, s), hostNS: nsHost(o.Name, s),
		}
		for l := 1; l <= o.Links; l++ {
			v4, v6 := lanAddr(WANv4(s, l), 2), lanAddr(WANv6(s, l), 2)
			ep := netip.AddrPortFrom(v4, ListenPort)
			if o.WAN == "ipv6" {
				ep = netip.AddrPortFrom(v6, ListenPort)
			}
			site.Links = append(site.Links, Link{Name: LinkName(l), Color: LinkName(l), Cost: linkCost(l),
				IPv4: v4.String(), IPv6: v6.String(), Endpoint: ep.String()})
		}
		if o.Routers != "" {
			planRouter(st, &site, o.Routers, o.RouterMD5, o.RouterIPv6)
		}
		st.Sites = append(st.Sites, site)
		st.Namespace = append(st.Namespace, site.ns, site.hostNS)
	}
	st.Hubs = o.Hubs
	st.ControllerConfig = string(o.ControllerConfig)
	st.Networks = o.Networks
	if !o.Static {
		planController(st)
		if o.Replicas > 1 {
			planReplicas(st, o.Replicas)
		}
	}
	return st
}

// PathCount is the number of paths of every edge together.
func (st *State) PathCount() int {
	n := 0
	for _, s := range st.Sites {
		n += st.pathsOf(s.Name)
	}
	return n
}

func (st *State) pathCount() int { return st.PathCount() }

// pathsOf is the number of paths of a site's edge that come up: to every
// other site in a full mesh; a spoke's to the hubs only. A path with a
// link behind symmetric NAT at either end does not come up directly
// (docs/NAT.md): without a relay it is not counted.
func (st *State) pathsOf(site string) int {
	self, _ := st.site(site)
	n := 0
	for _, p := range st.Sites {
		if p.Name == site || len(st.Hubs) > 0 && !slices.Contains(st.Hubs, site) && !slices.Contains(st.Hubs, p.Name) {
			continue
		}
		for _, a := range self.Links {
			for _, b := range p.Links {
				if st.RelayRuns() || a.NAT != NATSymmetric && b.NAT != NATSymmetric {
					n++
				}
			}
		}
	}
	return n
}

// build makes the namespaces, links, addresses and routes.
func (st *State) build() error {
	wan := nsWAN(st.Name)
	for _, ns := range st.Namespace {
		if err := run("ip", "netns", "add", ns); err != nil {
			return err
		}
		if err := inNS(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
			"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"); err != nil {
			return err
		}
	}
	wanCmds := []string{"link set lo up"}
	for _, s := range st.Sites {
		site := []string{"link set lo up",
			"link add lan type veth peer name eth0 netns " + s.hostNS,
			"link set lan up",
			"addr add " + lanAddr(LANv4(s.ID), 1).String() + "/24 dev lan",
			"addr add " + lanAddr(LANv6(s.ID), 1).String() + "/64 dev lan nodad",
		}
		host := []string{"link set lo up", "link set eth0 up",
			"addr add " + s.HostIPv4 + "/24 dev eth0",
			"addr add " + s.HostIPv6 + "/64 dev eth0 nodad",
			"route add default via " + lanAddr(LANv4(s.ID), 1).String(),
			"route add default via " + lanAddr(LANv6(s.ID), 1).String(),
		}
		for i, l := range s.Links {
			n := i + 1
			e, r, g, b := ifEdgeSide(s.ID, n), ifRouterSide(s.ID, n), ifGateway(s.ID, n), ifBridge(s.ID, n)
			gw4, gw6 := lanAddr(WANv4(s.ID, n), 1), lanAddr(WANv6(s.ID, n), 1)
			if l.NAT != "" {
				site = append(site, st.siteNATCmds(s, n, l)...)
			} else {
				site = append(site,
					fmt.Sprintf("link add %s type veth peer name %s netns %s", l.Name, e, wan),
					"link set "+l.Name+" up",
					"addr add "+l.IPv4+"/24 dev "+l.Name,
					"addr add "+l.IPv6+"/64 dev "+l.Name+" nodad",
					fmt.Sprintf("route add %s via %s dev %s metric %d", wanAggV4, gw4, l.Name, l.Cost),
					fmt.Sprintf("route add %s via %s dev %s metric %d", wanAggV6, gw6, l.Name, l.Cost),
				)
			}
			wanCmds = append(wanCmds,
				fmt.Sprintf("link add %s type veth peer name %s", r, g),
				fmt.Sprintf("link add %s type bridge stp_state 0", b),
				fmt.Sprintf("link set %s master %s", e, b), fmt.Sprintf("link set %s master %s", r, b),
				"link set "+e+" up arp off", "link set "+r+" up arp off", "link set "+b+" up arp off", "link set "+g+" up",
				"addr add "+gw4.String()+"/24 dev "+g,
				"addr add "+gw6.String()+"/64 dev "+g+" nodad",
			)
		}
		// The site's links must exist before the wan side configures them.
		if err := ipBatch(s.ns, site); err != nil {
			return err
		}
		if err := ipBatch(s.hostNS, host); err != nil {
			return err
		}
		for i, l := range s.Links {
			if l.NAT != "" {
				if err := st.buildNATRouter(s, i+1, l); err != nil {
					return err
				}
			}
		}
	}
	if err := ipBatch(wan, wanCmds); err != nil {
		return err
	}
	// The wire's ports and bridge are layer 2 only: without ARP, IPv6 and
	// forwarding on them, the wan namespace never answers for the gateway
	// through them nor routes what arrives on them, which would let
	// traffic around the WAN emulator while it replaces the bridge.
	var keys []string
	for _, s := range st.Sites {
		for n := 1; n <= len(s.Links); n++ {
			for _, dev := range []string{ifEdgeSide(s.ID, n), ifRouterSide(s.ID, n), ifBridge(s.ID, n)} {
				keys = append(keys, "net.ipv6.conf."+dev+".disable_ipv6=1", "net.ipv4.conf."+dev+".forwarding=0")
			}
		}
	}
	if err := inNS(wan, append([]string{"sysctl", "-qw"}, keys...)...); err != nil {
		return err
	}
	return st.applyFilter()
}

// writeConfigs makes every site's key and edge configuration.
func (st *State) writeConfigs(o Options) error {
	keys := make([]string, len(st.Sites))
	for i := range st.Sites {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		keys[i] = filepath.Join(st.Dir, st.Sites[i].Name+".key")
		if err := os.WriteFile(keys[i], []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
			return err
		}
		st.Sites[i].PublicKey = base64.StdEncoding.EncodeToString(k.PublicKey().Bytes())
	}
	for i, s := range st.Sites {
		var b strings.Builder
		fmt.Fprintf(&b, "# patronus lab %s: site %s (generated by patronus lab up)\n", st.Name, s.Name)
		fmt.Fprintf(&b, "site: {name: %s, id: %d}\nprivate_key_file: %s\n", s.Name, s.ID, keys[i])
		fmt.Fprintf(&b, "lan_prefixes: [%s, %q]\n", s.LANIPv4, s.LANIPv6)
		fmt.Fprintf(&b, "overlay: {interface: patronus0, mtu: %d}\nlinks:\n", OverlayMTU)
		for _, l := range s.Links {
			local := l.IPv4
			if st.WAN == "ipv6" {
				local = l.IPv6
			}
			fmt.Fprintf(&b, "  - {name: %s, interface: %s, local_address: %q, listen_port: %d, color: %s, cost: %d}\n",
				l.Name, l.Name, local, ListenPort, l.Color, l.Cost)
		}
		b.WriteString("peers:\n")
		for _, p := range st.Sites {
			if p.ID == s.ID {
				continue
			}
			fmt.Fprintf(&b, "  - name: %s\n    id: %d\n    public_key: %s\n    prefixes: [%s, %q]\n    links:\n",
				p.Name, p.ID, p.PublicKey, p.LANIPv4, p.LANIPv6)
			for _, l := range p.Links {
				fmt.Fprintf(&b, "      - {name: %s, endpoint: %q, color: %s}\n", l.Name, l.Endpoint, l.Color)
			}
		}
		b.WriteString("defaults:\n")
		if c, ok := o.Compression[s.ID]; ok {
			fmt.Fprintf(&b, "  compression: %t\n", c)
		}
		if o.BFDInterval != 0 || o.BFDMultiplier != 0 {
			b.WriteString("  bfd:")
			if o.BFDInterval != 0 {
				fmt.Fprintf(&b, " {tx_interval: %v, rx_interval: %v", o.BFDInterval, o.BFDInterval)
			} else {
				b.WriteString(" {")
			}
			if o.BFDMultiplier != 0 {
				if o.BFDInterval != 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, " multiplier: %d", o.BFDMultiplier)
			}
			b.WriteString("}\n")
		}
		if s.Router != nil {
			b.WriteString(edgeBGPYAML(&s))
		}
		if len(o.Policy) > 0 {
			b.WriteString("# --policy:\n")
			b.Write(o.Policy)
			b.WriteString("\n")
		}
		if err := os.WriteFile(s.Config, []byte(b.String()), 0o600); err != nil {
			return err
		}
		if _, err := config.Load(s.Config); err != nil {
			return fmt.Errorf("the configuration of %s is not valid (--policy, --bfd-*?): %w", s.Name, err)
		}
	}
	return nil
}

// edgeStatus is the part of `patronus status --json` the lab reads.
type edgeStatus struct {
	Paths []struct {
		ID            string     `json:"id"`
		LastHandshake *time.Time `json:"last_handshake"`
		BFDState      string     `json:"bfd_state"`
	} `json:"paths"`
}

// checkPolicy checks a --policy file: a policy.Set in YAML (steering
// sections only, unknown keys refused), valid by itself, every problem
// named by field path.
func checkPolicy(raw []byte) error {
	s, err := policy.ParseYAML(raw)
	if err != nil {
		return err
	}
	return s.Validate().Err()
}

// pathsUp returns how many of a site's paths have a WireGuard session
// and BFD up inside it, and the IDs of those that do not.
func (s *Site) pathsUp() (up int, down []string, err error) {
	var es edgeStatus
	if _, err := ctlsock.Get(s.ControlSocket, "/status", &es); err != nil {
		return 0, nil, err
	}
	for _, p := range es.Paths {
		if p.LastHandshake != nil && p.BFDState == "up" {
			up++
		} else {
			down = append(down, p.ID)
		}
	}
	return up, down, nil
}

// waitServing waits until the site's edge answers on its control socket.
func (s *Site) waitServing(deadline time.Time, exited <-chan struct{}) error {
	for {
		var es edgeStatus
		_, err := ctlsock.Get(s.ControlSocket, "/status", &es)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("edge of %s exited; its log (%s):\n%s", s.Name, s.Log, tail(s.Log, 20))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("edge of %s not serving on %s: %w", s.Name, s.ControlSocket, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (st *State) waitPaths(timeout time.Duration, exited map[int]<-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	for {
		var waiting []string
		for i := range st.Sites {
			s := &st.Sites[i]
			want := st.pathsOf(s.Name)
			select {
			case <-exited[i]:
				return fmt.Errorf("edge of %s exited; its log (%s):\n%s", s.Name, s.Log, tail(s.Log, 20))
			default:
			}
			up, down, err := s.pathsUp()
			switch {
			case err != nil:
				waiting = append(waiting, s.Name+": control socket not ready")
			case up < want:
				waiting = append(waiting, fmt.Sprintf("%s: %d/%d paths up, waiting for %s", s.Name, up, want, strings.Join(down, " ")))
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("paths not up after %v:\n  %s", timeout, strings.Join(waiting, "\n  "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tail returns the last n lines of a file.
func tail(file string, n int) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startTraffic pings every other LAN host from every LAN host, five times
// a second.
func (st *State) startTraffic() error {
	for _, s := range st.Sites {
		for _, p := range st.Sites {
			if p.ID == s.ID {
				continue
			}
			logf := filepath.Join(st.Dir, fmt.Sprintf("traffic-%s-%s.log", s.HostNode, p.HostNode))
			args := []string{"ping", "-i", "0.2", "-q", p.HostIPv4}
			pid, _, err := spawn(s.hostNS, logf, nil, args...)
			if err != nil {
				return err
			}
			st.Traffic = append(st.Traffic, Proc{Node: s.HostNode, PID: pid, Cmd: strings.Join(args, " "), Log: logf})
		}
	}
	return nil
}

// Down removes lab name: it ends every process in its namespaces, deletes
// the namespaces (and with them every link, qdisc and nftables table of
// the lab) and the state directory. It works without state, from the
// namespace names, after a crash.
func Down(root, name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if root == "" {
		root = DefaultRoot
	}
	var errs []error
	// Edges first, so that they remove their own interfaces and sockets.
	if st, err := Load(root, name); err == nil {
		for _, s := range st.Sites {
			stop(s.EdgePID, 3*time.Second)
		}
		if st.Dashboard != nil {
			stop(st.Dashboard.ProxyPID, 3*time.Second)
		}
		if st.Controller != nil {
			stop(st.Controller.PID, 3*time.Second)
			for _, r := range st.Controller.Replicas {
				stop(r.PID, 3*time.Second)
			}
		}
	}
	// The dashboard proxy runs in the host's namespace: without state it
	// is found by the namespace it serves.
	for _, pid := range ProxyPIDs(name) {
		stop(pid, 3*time.Second)
	}
	for _, ns := range leftovers(name) {
		if err := removeNS(ns); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, name)); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(pgDataDir(name)); err != nil {
		errs = append(errs, err)
	}
	if err := removeRouterDirs(name); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// List returns the names of the labs with a state directory or namespaces.
func List(root string) []string {
	if root == "" {
		root = DefaultRoot
	}
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if !seen[n] && CheckName(n) == nil {
			seen[n] = true
			out = append(out, n)
		}
	}
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			add(e.Name())
		}
	}
	all, _ := namespaces()
	for _, ns := range all {
		if rest, ok := strings.CutPrefix(ns, "pl-"); ok {
			if i := strings.LastIndexByte(rest, '-'); i > 0 && nsPattern(rest[:i]).MatchString(ns) {
				add(rest[:i])
			}
		}
	}
	return out
}
