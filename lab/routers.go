package lab

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The routers a lab can put in each site's LAN host (--routers): a router
// that peers over BGP with its site's edge (with BFD, and a TCP MD5
// password with --router-md5) and announces a loopback prefix of its own
// (RouterPrefix). See docs/BGP.md.
const (
	RouterFRR  = "frr"  // FRR zebra, bfdd and bgpd
	RouterBIRD = "bird" // BIRD 2
)

// EdgeAS is the BGP AS of site s's edge: a 4-byte private AS.
func EdgeAS(s int) uint32 { return 4200000000 + uint32(s) }

// RouterAS is the BGP AS of site s's router.
func RouterAS(s int) uint32 { return 65100 + uint32(s) }

// RouterPrefix is the prefix site s's router announces: 10.(100+S).0.0/24,
// its address .1 on the host's loopback.
func RouterPrefix(s int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/24", 100+s))
}

// RouterPrefix6 is the IPv6 prefix site s's router announces on its IPv6
// session (--router-ipv6): fd64:100:S::/48, its address ::1 on the host's
// loopback.
func RouterPrefix6(s int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("fd64:100:%x::/48", s))
}

// Router is the router of a site's LAN host.
type Router struct {
	Kind string `json:"kind"` // frr or bird
	Dir  string `json:"dir"`  // configuration, sockets, pid files
	AS   uint32 `json:"as"`
	// Prefix is what it announces; Control is its control socket (FRR:
	// vtysh --vty_socket DIR; BIRD: birdc -s SOCKET).
	Prefix   string `json:"prefix"`
	Control  string `json:"control"`
	Password string `json:"password_file,omitempty"`
	// Prefix6 is what it announces on its IPv6 session; "": none.
	Prefix6 string `json:"prefix6,omitempty"`
	PIDs    []int  `json:"pids"`
}

func checkRouters(kind string) error {
	switch kind {
	case "", RouterFRR, RouterBIRD:
		return nil
	}
	return fmt.Errorf("--routers %q: want frr or bird", kind)
}

// planRouter gives site s its router.
func planRouter(st *State, s *Site, kind string, md5, ipv6 bool) {
	r := &Router{Kind: kind, Dir: routerDir(st.Name, s.Name), AS: RouterAS(s.ID), Prefix: RouterPrefix(s.ID).String()}
	if ipv6 {
		r.Prefix6 = RouterPrefix6(s.ID).String()
	}
	r.Control = r.Dir
	if kind == RouterBIRD {
		r.Control = filepath.Join(r.Dir, "bird.ctl")
	}
	if md5 {
		r.Password = filepath.Join(st.Dir, s.Name+"-bgp.pw")
	}
	s.Router = r
}

// routerDir is outside the lab's state directory, which only root may
// enter: FRR's daemons drop to user frr and keep their sockets there.
func routerDir(lab, site string) string {
	return filepath.Join(os.TempDir(), "patronus-lab-"+lab+"-"+site+"-router")
}

// removeRouterDirs removes the router directories of lab name.
func removeRouterDirs(name string) error {
	dirs, _ := filepath.Glob(routerDir(name, "*"))
	var first error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// edgeBGPYAML is the bgp section of a static site's configuration.
func edgeBGPYAML(s *Site) string {
	r := s.Router
	pw := ""
	if r.Password != "" {
		pw = ", password_file: " + r.Password
	}
	out := fmt.Sprintf("bgp:\n  local_as: %d\n  router_id: %s\n  neighbors:\n    - {address: %s, remote_as: %d, bfd: true%s}\n",
		EdgeAS(s.ID), lanAddr(LANv4(s.ID), 1), s.HostIPv4, r.AS, pw)
	if r.Prefix6 != "" {
		out += fmt.Sprintf("    - {address: %s, remote_as: %d, bfd: true%s}\n", s.HostIPv6, r.AS, pw)
	}
	return out
}

// startRouter writes the router's configuration and starts it in the
// site's host namespace.
func (st *State) startRouter(s *Site) error {
	r := s.Router
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return err
	}
	if r.Password != "" {
		if err := os.WriteFile(r.Password, []byte(fmt.Sprintf("lab-%s-%s\n", st.Name, s.Name)), 0o600); err != nil {
			return err
		}
	}
	lo := RouterPrefix(s.ID).Addr().Next().String() + "/24"
	los := []string{"addr add " + lo + " dev lo"}
	if r.Prefix6 != "" {
		los = append(los, "addr add "+RouterPrefix6(s.ID).Addr().Next().String()+"/48 dev lo")
	}
	if err := ipBatch(s.hostNS, los); err != nil {
		return err
	}
	if r.Kind == RouterBIRD {
		return st.startBIRD(s)
	}
	return st.startFRR(s)
}

func (r *Router) password() string {
	if r.Password == "" {
		return ""
	}
	b, _ := os.ReadFile(r.Password)
	return strings.TrimSpace(string(b))
}

func (st *State) startFRR(s *Site) error {
	r := s.Router
	u, err := user.Lookup("frr")
	if err != nil {
		return fmt.Errorf("--routers frr: FRR's user: %w (install the frr package: scripts/install-deps.sh)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(r.Dir, uid, gid); err != nil {
		return err
	}
	edge := lanAddr(LANv4(s.ID), 1).String()
	var b strings.Builder
	fmt.Fprintf(&b, "frr defaults traditional\nhostname %s\nlog stdout\n!\n", s.HostNode)
	fmt.Fprintf(&b, "router bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n no bgp network import-check\n", r.AS, s.HostIPv4)
	fmt.Fprintf(&b, " timers bgp 3 9\n neighbor %s remote-as %d\n neighbor %s timers connect 1\n neighbor %s bfd\n", edge, EdgeAS(s.ID), edge, edge)
	if pw := r.password(); pw != "" {
		fmt.Fprintf(&b, " neighbor %s password %s\n", edge, pw)
	}
	edge6 := lanAddr(LANv6(s.ID), 1).String()
	if r.Prefix6 != "" {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n neighbor %s timers connect 1\n neighbor %s bfd\n", edge6, EdgeAS(s.ID), edge6, edge6)
		if pw := r.password(); pw != "" {
			fmt.Fprintf(&b, " neighbor %s password %s\n", edge6, pw)
		}
	}
	fmt.Fprintf(&b, " address-family ipv4 unicast\n  network %s\n", r.Prefix)
	if r.Prefix6 != "" {
		fmt.Fprintf(&b, "  no neighbor %s activate\n exit-address-family\n address-family ipv6 unicast\n  network %s\n  neighbor %s activate\n", edge6, r.Prefix6, edge6)
	}
	b.WriteString(" exit-address-family\n!\n")
	conf := filepath.Join(r.Dir, "bgpd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return err
	}
	empty := filepath.Join(r.Dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("log stdout\n"), 0o644); err != nil {
		return err
	}
	zserv := filepath.Join(r.Dir, "zserv.api")
	common := func(name, conf string) []string {
		return []string{"/usr/lib/frr/" + name, "-f", conf, "--vty_socket", r.Dir, "-i", filepath.Join(r.Dir, name+".pid"),
			"-z", zserv, "-u", "frr", "-g", "frr", "-P", "0", "--log", "stdout"}
	}
	logf := filepath.Join(r.Dir, "frr.log")
	daemons := [][]string{common("zebra", empty), append(common("bfdd", empty), "--bfdctl", filepath.Join(r.Dir, "bfdd.sock")),
		common("bgpd", conf)}
	for i, args := range daemons {
		pid, _, err := spawn(s.hostNS, logf, nil, args...)
		if err != nil {
			return err
		}
		r.PIDs = append(r.PIDs, pid)
		if i == 0 { // the others connect to zebra's socket
			if err := waitFile(zserv, 10*time.Second); err != nil {
				return fmt.Errorf("FRR zebra of %s: %w; its log:\n%s", s.Name, err, tail(logf, 20))
			}
		}
	}
	return nil
}

func (st *State) startBIRD(s *Site) error {
	r := s.Router
	edge := lanAddr(LANv4(s.ID), 1).String()
	var b strings.Builder
	fmt.Fprintf(&b, "router id %s;\nprotocol device {}\n", s.HostIPv4)
	fmt.Fprintf(&b, "protocol static lan { ipv4; route %s unreachable; }\n", r.Prefix)
	b.WriteString("protocol bfd { interface \"*\" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }\n")
	fmt.Fprintf(&b, "protocol bgp edge {\n  local %s as %d;\n  neighbor %s as %d;\n  bfd on;\n  connect retry time 1;\n  hold time 9;\n",
		s.HostIPv4, r.AS, edge, EdgeAS(s.ID))
	if pw := r.password(); pw != "" {
		fmt.Fprintf(&b, "  password %q;\n", pw)
	}
	b.WriteString("  ipv4 { import all; export where proto = \"lan\"; };\n}\n")
	if r.Prefix6 != "" {
		fmt.Fprintf(&b, "protocol static lan6 { ipv6; route %s unreachable; }\n", r.Prefix6)
		fmt.Fprintf(&b, "protocol bgp edge6 {\n  local %s as %d;\n  neighbor %s as %d;\n  bfd on;\n  connect retry time 1;\n  hold time 9;\n",
			s.HostIPv6, r.AS, lanAddr(LANv6(s.ID), 1), EdgeAS(s.ID))
		if pw := r.password(); pw != "" {
			fmt.Fprintf(&b, "  password %q;\n", pw)
		}
		b.WriteString("  ipv6 { import all; export where proto = \"lan6\"; };\n}\n")
	}
	conf := filepath.Join(r.Dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if out, err := exec.Command("bird", "-p", "-c", conf).CombinedOutput(); err != nil {
		return fmt.Errorf("--routers bird: bird -p: %v: %s", err, out)
	}
	pid, _, err := spawn(s.hostNS, filepath.Join(r.Dir, "bird.log"), nil, "bird", "-f", "-c", conf, "-s", r.Control,
		"-P", filepath.Join(r.Dir, "bird.pid"))
	if err != nil {
		return err
	}
	r.PIDs = append(r.PIDs, pid)
	return nil
}

func waitFile(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear in %v", path, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// configureBGP gives a controlled site's edge its speaker through the
// controller (patronus ctl bgp).
func (st *State) configureBGP(s *Site, binary string) error {
	r := s.Router
	if _, err := st.ctl(binary, "bgp", "set", s.Name, "--local-as", strconv.FormatUint(uint64(EdgeAS(s.ID)), 10),
		"--router-id", lanAddr(LANv4(s.ID), 1).String()); err != nil {
		return err
	}
	args := []string{"bgp", "neighbor", "add", s.Name, s.HostIPv4, "--remote-as", strconv.FormatUint(uint64(r.AS), 10), "--bfd"}
	if r.Password != "" {
		args = append(args, "--password-file", r.Password)
	}
	if _, err := st.ctl(binary, args...); err != nil || r.Prefix6 == "" {
		return err
	}
	args[4] = s.HostIPv6
	_, err := st.ctl(binary, args...)
	return err
}
