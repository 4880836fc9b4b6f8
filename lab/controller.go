package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The controller node. Unless the lab is static, `lab up` runs a
// `patronus controller` in a namespace of its own, attached to the
// underlay router, and enrols every site through it: each edge runs with
// --controller and a join token, and the sites' prefixes, links and
// policies are set with `patronus ctl`, as an operator would.
const (
	ControllerNode = "controller"
	ctlAddr4       = "172.31.255.2" // in the underlay's 172.16.0.0/12: every link routes to it
	ctlGateway4    = "172.31.255.1"
	ctlAddr6       = "fd20:ff::2" // in the underlay's fd20::/16
	ctlGateway6    = "fd20:ff::1"
	ctlPort        = 8443
	// ctlAltAddr4 is the controller node's second address: the STUN
	// responder's alternate (RFC 5780), with --nat.
	ctlAltAddr4 = "172.31.255.3"
	// RelayAddr is where the controller node's relay serves, with --nat
	// (the STUN responder holds 3478 and 3479 on both addresses).
	RelayAddr = ctlAddr4 + ":3480"
)

func nsCtl(lab string) string { return fmt.Sprintf("pl-%s-ctl", lab) }

// Controller is the lab's controller node: one controller, or with
// Replicas, several on one PostgreSQL database running in the node.
type Controller struct {
	Node        string `json:"node"`
	Address     string `json:"address"` // HOST:PORT the edges and ctl dial
	DataDir     string `json:"data_dir"`
	Credentials string `json:"credentials"` // the operator's, for patronus ctl
	Log         string `json:"log"`
	PID         int    `json:"pid"`
	// Replicas are the other controllers, on the same PostgreSQL database
	// (Store) and a copy of the first one's CA; the sites' edges are
	// split between all of them by site number.
	Replicas []Replica `json:"replicas,omitempty"`
	Store    string    `json:"store,omitempty"` // the replicas' database URL
	PGData   string    `json:"pg_data,omitempty"`
	PGPID    int       `json:"pg_pid,omitempty"`
}

// Replica is one more controller of a lab with replicas.
type Replica struct {
	Address string `json:"address"`
	DataDir string `json:"data_dir"`
	Log     string `json:"log"`
	PID     int    `json:"pid"`
}

// MaxReplicas bounds --replicas.
const MaxReplicas = 3

// pgPort is the lab's PostgreSQL port, on the controller node's loopback.
const pgPort = 5432

// addressOf returns the address of controller i: 0 the first, 1… the
// replicas.
func (c *Controller) addressOf(i int) string {
	if i == 0 {
		return c.Address
	}
	return c.Replicas[i-1].Address
}

// CtlEnv is the environment that points patronus ctl at the lab's
// controller (patronus lab exec controller sets it).
func (c *Controller) CtlEnv() []string {
	return []string{"PATRONUS_CONTROLLER=" + c.Address, "PATRONUS_CREDENTIALS=" + c.Credentials}
}

func planController(st *State) {
	addr := ctlAddr4
	if st.WAN == "ipv6" { // the edges reach it over the underlay their tunnels use
		addr = ctlAddr6
	}
	st.Controller = &Controller{Node: ControllerNode, Address: netip.AddrPortFrom(netip.MustParseAddr(addr), ctlPort).String(),
		DataDir: filepath.Join(st.Dir, "controller"), Log: filepath.Join(st.Dir, "controller.log")}
	st.Controller.Credentials = filepath.Join(st.Controller.DataDir, "admin")
	st.Namespace = append(st.Namespace, nsCtl(st.Name))
}

func planReplicas(st *State, n int) {
	c := st.Controller
	host := netip.MustParseAddrPort(c.Address).Addr()
	for i := 2; i <= n; i++ {
		c.Replicas = append(c.Replicas, Replica{Address: netip.AddrPortFrom(host, uint16(ctlPort+i-1)).String(),
			DataDir: filepath.Join(st.Dir, fmt.Sprintf("controller%d", i)), Log: filepath.Join(st.Dir, fmt.Sprintf("controller%d.log", i))})
	}
	c.PGData = pgDataDir(st.Name)
	c.Store = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pgPort)
}

// buildController attaches the controller's namespace to the underlay
// router.
func (st *State) buildController() error {
	ns := nsCtl(st.Name)
	if err := ipBatch(ns, []string{"link set lo up",
		"link add ctl0 type veth peer name ctlg netns " + nsWAN(st.Name),
		"link set ctl0 up", "addr add " + ctlAddr4 + "/24 dev ctl0", "addr add " + ctlAltAddr4 + "/24 dev ctl0",
		"addr add " + ctlAddr6 + "/64 dev ctl0 nodad",
		"route add default via " + ctlGateway4, "route add default via " + ctlGateway6,
	}); err != nil {
		return err
	}
	return ipBatch(nsWAN(st.Name), []string{"link set ctlg up", "addr add " + ctlGateway4 + "/24 dev ctlg",
		"addr add " + ctlGateway6 + "/64 dev ctlg nodad"})
}

// startController starts the controller (with replicas: PostgreSQL,
// then every controller) and waits until each serves ctl.
func (st *State) startController(binary string, timeout time.Duration) error {
	c := st.Controller
	deadline := time.Now().Add(timeout)
	var store []string
	if len(c.Replicas) > 0 {
		if err := st.startPostgres(deadline); err != nil {
			return err
		}
		store = []string{"--store", c.Store}
	}
	cfg, err := st.controllerConfig()
	if err != nil {
		return err
	}
	store = append(store, cfg...)
	pid, done, err := spawn(nsCtl(st.Name), c.Log, nil, append([]string{binary, "controller", "--data-dir", c.DataDir,
		"--listen", fmt.Sprintf(":%d", ctlPort), "--server-name", ctlAddr4, "--server-name", ctlAddr6,
		"--server-name", "127.0.0.1", "--endpoint", c.Address}, store...)...)
	if err != nil {
		return err
	}
	c.PID = pid
	if err := st.waitController(binary, c.Address, c.Log, done, deadline); err != nil {
		return err
	}
	for i := range c.Replicas {
		r := &c.Replicas[i]
		// The same CA: a copy of the first controller's pki directory.
		if err := copyDir(filepath.Join(c.DataDir, "pki"), filepath.Join(r.DataDir, "pki")); err != nil {
			return fmt.Errorf("replica %d: %w", i+2, err)
		}
		port := netip.MustParseAddrPort(r.Address).Port()
		pid, done, err := spawn(nsCtl(st.Name), r.Log, nil, append([]string{binary, "controller", "--data-dir", r.DataDir,
			"--listen", fmt.Sprintf(":%d", port), "--server-name", ctlAddr4, "--server-name", ctlAddr6,
			"--server-name", "127.0.0.1", "--endpoint", r.Address, "--store", c.Store}, cfg...)...)
		if err != nil {
			return err
		}
		r.PID = pid
		if err := st.waitController(binary, r.Address, r.Log, done, deadline); err != nil {
			return err
		}
	}
	return nil
}

// controllerConfig writes the controller's configuration file when the
// network is hub-and-spoke or the lab was given configuration for it,
// and returns the flag that reads it.
func (st *State) controllerConfig() ([]string, error) {
	nat := st.hasNAT()
	if len(st.Hubs) == 0 && st.ControllerConfig == "" && !nat && len(st.Networks) == 0 {
		return nil, nil
	}
	f := filepath.Join(st.Dir, "controller.yaml")
	y := fmt.Sprintf("# patronus lab %s\n", st.Name)
	if len(st.Hubs) > 0 || len(st.Networks) > 0 {
		y += "# the networks' topologies\nnetworks:\n"
		if len(st.Hubs) > 0 {
			y += fmt.Sprintf("  - name: default\n    topology: hub-and-spoke\n    hubs: [%s]\n", strings.Join(st.Hubs, ", "))
		} else {
			y += "  - name: default\n    topology: full-mesh\n"
		}
		for _, n := range st.Networks {
			y += fmt.Sprintf("  - name: %s\n    topology: full-mesh\n", n)
		}
	}
	if nat {
		y += fmt.Sprintf("# links behind NAT (--nat): the STUN responder, docs/NAT.md\nstun:\n  listen: %s:3478\n  alternate: %s:3479\n",
			ctlAddr4, ctlAltAddr4)
	}
	if st.labRelay() {
		y += fmt.Sprintf("# links behind NAT (--nat): the relay, for the paths whose direct way does not open\nrelay:\n  listen: %q\n  endpoint: %q\n",
			RelayAddr, RelayAddr)
	}
	if st.ControllerConfig != "" {
		y += "# from lab up --controller-config\n" + strings.TrimRight(st.ControllerConfig, "\n") + "\n"
	}
	if err := os.WriteFile(f, []byte(y), 0o600); err != nil {
		return nil, err
	}
	return []string{"--config", f}, nil
}

// labRelay reports whether the lab runs its relay on the controller
// node: with --nat, unless --controller-config has a relay section of its
// own.
func (st *State) labRelay() bool {
	return st.hasNAT() && !st.configHasRelay()
}

// RelayRuns reports whether the controller has a relay: the lab's, or
// one configured with --controller-config. Then every path comes up,
// relayed when its direct way does not open.
func (st *State) RelayRuns() bool {
	return st.Controller != nil && (st.hasNAT() || st.configHasRelay())
}

// configHasRelay reports whether --controller-config has a relay
// section with an endpoint.
func (st *State) configHasRelay() bool {
	var c struct {
		Relay struct {
			Endpoint string `yaml:"endpoint"`
		} `yaml:"relay"`
	}
	return yaml.Unmarshal([]byte(st.ControllerConfig), &c) == nil && c.Relay.Endpoint != ""
}

// waitController waits until the controller at addr serves ctl.
func (st *State) waitController(binary, addr, log string, done <-chan struct{}, deadline time.Time) error {
	for {
		_, err := st.ctl(binary, "--controller", addr, "networks")
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the controller on %s exited; its log (%s):\n%s", addr, log, tail(log, 20))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the controller does not serve on %s: %w; its log (%s):\n%s", addr, err, log, tail(log, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startPostgres runs the replicas' database in the controller node, as
// the postgres user (PostgreSQL refuses root), from Debian's postgresql
// package; initdb on the first start.
func (st *State) startPostgres(deadline time.Time) error {
	c := st.Controller
	if alive(c.PGPID) {
		return nil
	}
	bin, err := postgresBin()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.PGData, "PG_VERSION")); err != nil {
		if err := os.MkdirAll(c.PGData, 0o700); err != nil {
			return err
		}
		if err := run("chown", "postgres:postgres", c.PGData); err != nil {
			return err
		}
		if err := run("runuser", "-u", "postgres", "--", filepath.Join(bin, "initdb"), "-D", c.PGData,
			"-U", "postgres", "-A", "trust", "-E", "UTF8"); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
	}
	logf := filepath.Join(st.Dir, "postgres.log")
	pid, done, err := spawn(nsCtl(st.Name), logf, nil, "runuser", "-u", "postgres", "--", filepath.Join(bin, "postgres"),
		"-D", c.PGData, "-k", c.PGData, "-h", "127.0.0.1", "-p", strconv.Itoa(pgPort))
	if err != nil {
		return err
	}
	c.PGPID = pid
	for {
		if _, err := output(nil, "ip", "netns", "exec", nsCtl(st.Name), filepath.Join(bin, "pg_isready"),
			"-h", "127.0.0.1", "-p", strconv.Itoa(pgPort)); err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("postgres exited; its log (%s):\n%s", logf, tail(logf, 20))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready; its log (%s):\n%s", logf, tail(logf, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pgDataDir is where a lab's PostgreSQL keeps its data: outside the
// lab's state directory, which only root may enter, as PostgreSQL runs as
// the postgres user. lab down removes it.
func pgDataDir(lab string) string {
	return filepath.Join(os.TempDir(), "patronus-lab-"+lab+"-pg")
}

// postgresBin finds the newest /usr/lib/postgresql/N/bin.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if _, serr := os.Stat(filepath.Join(d, "postgres")); err == nil && serr == nil && v > bestV {
			best, bestV = d, v
		}
	}
	if best == "" {
		return "", fmt.Errorf("--replicas: PostgreSQL is not installed (Debian's postgresql package; scripts/install-deps.sh installs it)")
	}
	return best, nil
}

// copyDir copies the regular files of src into dst (created 0700),
// keeping their modes.
func copyDir(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// ctl runs patronus ctl ARGS... against the lab's controller, from the
// controller's namespace.
func (st *State) ctl(binary string, args ...string) (string, error) {
	c := st.Controller
	out, err := output(nil, "ip", append([]string{"netns", "exec", nsCtl(st.Name), binary, "ctl",
		"--controller", c.Address, "--credentials", c.Credentials}, args...)...)
	if err != nil {
		return out, fmt.Errorf("patronus ctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out))
	}
	return out, nil
}

// enrolSite makes a join token for s, starts its edge with it, waits for
// the site to enrol, then gives it its prefixes and links; the edge
// starts forwarding with the configuration that follows.
func (st *State) enrolSite(s *Site, binary string, deadline time.Time) (<-chan struct{}, error) {
	out, err := st.ctl(binary, "--json", "tokens", "create", "--site", s.Name, "--ttl", "1h")
	if err != nil {
		return nil, err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "ptj_") {
		return nil, fmt.Errorf("patronus ctl tokens create: no token in its answer")
	}
	stateDir := filepath.Join(st.Dir, s.Name+"-state")
	// With replicas, the sites are split between the controllers.
	addr := st.Controller.addressOf((s.ID - 1) % (1 + len(st.Controller.Replicas)))
	pid, done, err := spawn(s.ns, s.Log, []string{"PATRONUS_JOIN_TOKEN=" + tok.Token}, binary, "edge",
		"--controller", addr, "--state-dir", stateDir, "--control-socket", s.ControlSocket)
	if err != nil {
		return nil, err
	}
	s.EdgePID, s.Config = pid, filepath.Join(stateDir, "config.json")
	for {
		if _, err := st.ctl(binary, "sites", "show", s.Name); err == nil {
			break
		}
		select {
		case <-done:
			return nil, fmt.Errorf("edge of %s exited; its log (%s):\n%s", s.Name, s.Log, tail(s.Log, 20))
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("site %s did not enrol; its edge's log (%s):\n%s", s.Name, s.Log, tail(s.Log, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Links first: the edge applies its first configuration once it has a
	// link and a prefix, and its links cannot change while it runs.
	for _, l := range s.Links {
		local := l.IPv4
		if st.WAN == "ipv6" {
			local = l.IPv6
		}
		args := []string{"links", "set", "--site", s.Name, "--name", l.Name, "--color", l.Color,
			"--interface", l.Name, "--local-address", local, "--listen-port", strconv.Itoa(ListenPort), "--cost", strconv.Itoa(l.Cost)}
		if l.Endpoint != "" { // none behind NAT: the peers learn the observed one
			args = append(args, "--endpoint", l.Endpoint)
		}
		if _, err := st.ctl(binary, args...); err != nil {
			return nil, err
		}
	}
	for _, p := range []string{s.LANIPv4, s.LANIPv6} {
		if _, err := st.ctl(binary, "prefixes", "add", "--site", s.Name, p); err != nil {
			return nil, err
		}
	}
	return done, s.waitServing(deadline, done)
}

// setPolicy replaces the network's policy set with the --policy file.
func (st *State) setPolicy(binary string, policy []byte) error {
	f := filepath.Join(st.Dir, "policy.yaml")
	if err := os.WriteFile(f, policy, 0o600); err != nil {
		return err
	}
	_, err := st.ctl(binary, "policies", "set", f)
	return err
}

// ControllerRunning reports whether the lab's controller processes run.
func (st *State) ControllerRunning() bool {
	if st.Controller == nil || !alive(st.Controller.PID) {
		return false
	}
	for _, r := range st.Controller.Replicas {
		if !alive(r.PID) {
			return false
		}
	}
	return true
}

// StopController stops the lab's controller (SIGTERM); the edges carry on
// with their last configuration.
func StopController(root, name string) (*State, error) {
	st, err := Load(root, name)
	if err != nil {
		return nil, err
	}
	if st.Controller == nil {
		return nil, fmt.Errorf("lab %s is static: it has no controller", name)
	}
	if !alive(st.Controller.PID) {
		return st, fmt.Errorf("the controller of lab %s is not running", name)
	}
	stop(st.Controller.PID, 5*time.Second)
	for _, r := range st.Controller.Replicas {
		stop(r.PID, 5*time.Second)
	}
	return st, st.save()
}

// StartController starts the lab's controller again, with its data.
func StartController(root, name, binary string) (*State, error) {
	st, err := Load(root, name)
	if err != nil {
		return nil, err
	}
	if st.Controller == nil {
		return nil, fmt.Errorf("lab %s is static: it has no controller", name)
	}
	if alive(st.Controller.PID) {
		return st, fmt.Errorf("the controller of lab %s is running (pid %d)", name, st.Controller.PID)
	}
	for _, r := range st.Controller.Replicas {
		stop(r.PID, 5*time.Second)
	}
	if err := st.startController(binary, 30*time.Second); err != nil {
		return st, err
	}
	return st, st.save()
}
