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
)

func nsCtl(lab string) string { return fmt.Sprintf("pl-%s-ctl", lab) }

// Controller is the lab's controller node.
type Controller struct {
	Node        string `json:"node"`
	Address     string `json:"address"` // HOST:PORT the edges and ctl dial
	DataDir     string `json:"data_dir"`
	Credentials string `json:"credentials"` // the operator's, for patronus ctl
	Log         string `json:"log"`
	PID         int    `json:"pid"`
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

// buildController attaches the controller's namespace to the underlay
// router.
func (st *State) buildController() error {
	ns := nsCtl(st.Name)
	if err := ipBatch(ns, []string{"link set lo up",
		"link add ctl0 type veth peer name ctlg netns " + nsWAN(st.Name),
		"link set ctl0 up", "addr add " + ctlAddr4 + "/24 dev ctl0", "addr add " + ctlAddr6 + "/64 dev ctl0 nodad",
		"route add default via " + ctlGateway4, "route add default via " + ctlGateway6,
	}); err != nil {
		return err
	}
	return ipBatch(nsWAN(st.Name), []string{"link set ctlg up", "addr add " + ctlGateway4 + "/24 dev ctlg",
		"addr add " + ctlGateway6 + "/64 dev ctlg nodad"})
}

// startController starts the controller and waits until ctl is served.
func (st *State) startController(binary string, timeout time.Duration) error {
	c := st.Controller
	pid, done, err := spawn(nsCtl(st.Name), c.Log, nil, binary, "controller", "--data-dir", c.DataDir,
		"--listen", fmt.Sprintf(":%d", ctlPort), "--server-name", ctlAddr4, "--server-name", ctlAddr6, "--endpoint", c.Address)
	if err != nil {
		return err
	}
	c.PID = pid
	deadline := time.Now().Add(timeout)
	for {
		_, err := st.ctl(binary, "networks")
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the controller exited; its log (%s):\n%s", c.Log, tail(c.Log, 20))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the controller does not serve on %s: %w; its log (%s):\n%s", c.Address, err, c.Log, tail(c.Log, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
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
	pid, done, err := spawn(s.ns, s.Log, []string{"PATRONUS_JOIN_TOKEN=" + tok.Token}, binary, "edge",
		"--controller", st.Controller.Address, "--state-dir", stateDir, "--control-socket", s.ControlSocket)
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
		if _, err := st.ctl(binary, "links", "set", "--site", s.Name, "--name", l.Name, "--color", l.Color,
			"--interface", l.Name, "--local-address", local, "--listen-port", strconv.Itoa(ListenPort),
			"--cost", strconv.Itoa(l.Cost), "--endpoint", l.Endpoint); err != nil {
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

// ControllerRunning reports whether the lab's controller process runs.
func (st *State) ControllerRunning() bool {
	return st.Controller != nil && alive(st.Controller.PID)
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
	if !st.ControllerRunning() {
		return st, fmt.Errorf("the controller of lab %s is not running", name)
	}
	stop(st.Controller.PID, 5*time.Second)
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
	if st.ControllerRunning() {
		return st, fmt.Errorf("the controller of lab %s is running (pid %d)", name, st.Controller.PID)
	}
	if err := st.startController(binary, 30*time.Second); err != nil {
		return st, err
	}
	return st, st.save()
}
