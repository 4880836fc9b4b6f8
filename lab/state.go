package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// DefaultRoot holds the state directories of labs. /run is cleared at
// boot, as the namespaces are.
const DefaultRoot = "/run/patronus/lab"

// State is what a lab keeps in state.json.
type State struct {
	Name      string    `json:"name"`
	Dir       string    `json:"state_dir"`
	WAN       string    `json:"wan_family"` // ipv4 or ipv6
	Created   time.Time `json:"created"`
	WANNode   string    `json:"wan_node"`
	Sites     []Site    `json:"sites"`
	Traffic   []Proc    `json:"traffic,omitempty"`
	Namespace []string  `json:"namespaces"`
	// Controller is the controller node; nil in a static lab (the edges
	// read configuration files).
	Controller *Controller `json:"controller,omitempty"`
	// Hubs: the hubs of a hub-and-spoke network; empty for a full mesh.
	Hubs []string `json:"hubs,omitempty"`
	// ControllerConfig is YAML added to the controller's configuration
	// file (Options.ControllerConfig).
	ControllerConfig string `json:"controller_config,omitempty"`
	// Networks: the controller's empty networks besides default (Options.Networks).
	Networks []string `json:"networks,omitempty"`
	// Dashboard is how to sign in to the controller's API from this
	// machine; nil in a static lab.
	Dashboard *Dashboard `json:"dashboard,omitempty"`
}

// Site is one site of a lab.
type Site struct {
	Name          string `json:"name"` // also its edge node
	ID            int    `json:"id"`
	EdgeNode      string `json:"edge_node"`
	HostNode      string `json:"host_node"`
	HostIPv4      string `json:"host_ipv4"`
	HostIPv6      string `json:"host_ipv6"`
	LANIPv4       string `json:"lan_ipv4"`
	LANIPv6       string `json:"lan_ipv6"`
	PublicKey     string `json:"public_key"`
	Config        string `json:"config"`
	ControlSocket string `json:"control_socket"`
	Log           string `json:"log"`
	EdgePID       int    `json:"edge_pid"`
	Links         []Link `json:"links"`
	// Router is the router in the LAN host (--routers); nil: none.
	Router *Router `json:"router,omitempty"`

	ns, hostNS string
}

// Link is one WAN link of a site.
type Link struct {
	Name       string     `json:"name"`
	Color      string     `json:"color"`
	Cost       int        `json:"cost"`
	IPv4       string     `json:"ipv4"`
	IPv6       string     `json:"ipv6"`
	Endpoint   string     `json:"endpoint"`
	Impairment Impairment `json:"impairment"`
	WANEmPID   int        `json:"wanem_pid,omitempty"`
	// NAT is the kind of NAT the link is behind (cone, symmetric; nat.go),
	// NATAddress its public address; NATGeneration counts its rebinds.
	NAT           string `json:"nat,omitempty"`
	NATAddress    string `json:"nat_address,omitempty"`
	NATGeneration int    `json:"nat_generation,omitempty"`
	// NATTimeout is the NAT's UDP idle timeout in seconds (--nat-timeout);
	// 0: the kernel's.
	NATTimeout int `json:"nat_timeout,omitempty"`
}

// Proc is a process the lab started for the user (traffic).
type Proc struct {
	Node string `json:"node"`
	PID  int    `json:"pid"`
	Cmd  string `json:"cmd"`
	Log  string `json:"log"`
}

func stateFile(dir string) string { return filepath.Join(dir, "state.json") }

func (st *State) save() error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := stateFile(st.Dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, stateFile(st.Dir))
}

// ErrNoLab is returned for a lab that has no state directory.
var ErrNoLab = errors.New("no such lab")

// Load reads the state of lab name under root.
func Load(root, name string) (*State, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, name)
	b, err := os.ReadFile(stateFile(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab %q: %w (patronus lab up --name %s)", name, ErrNoLab, name)
	}
	if err != nil {
		return nil, fmt.Errorf("lab %q: %w", name, err)
	}
	st := &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("lab %q: %s: %w", name, stateFile(dir), err)
	}
	for i := range st.Sites {
		st.Sites[i].ns = nsSite(name, st.Sites[i].ID)
		st.Sites[i].hostNS = nsHost(name, st.Sites[i].ID)
	}
	return st, nil
}

// site returns the site called name (or its number, "1").
func (st *State) site(name string) (*Site, error) {
	for i := range st.Sites {
		s := &st.Sites[i]
		if s.Name == name || fmt.Sprint(s.ID) == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("--site %q: lab %s has sites %s", name, st.Name, st.siteNames())
}

func (st *State) siteNames() string {
	var out string
	for i, s := range st.Sites {
		if i > 0 {
			out += ", "
		}
		out += s.Name
	}
	return out
}

func (s *Site) link(name string) (int, *Link, error) {
	for i := range s.Links {
		if s.Links[i].Name == name || fmt.Sprint(i+1) == name {
			return i + 1, &s.Links[i], nil
		}
	}
	var names []string
	for _, l := range s.Links {
		names = append(names, l.Name)
	}
	return 0, nil, fmt.Errorf("--link %q: site %s has links %v", name, s.Name, names)
}

// Node is a namespace a command can run in.
type Node struct {
	Name, NS string
	Socket   string   // the edge's control socket, for edge nodes
	Env      []string // for the controller node: where patronus ctl finds it
}

// Node resolves a node name: a site's name (its edge), its host node, or
// "wan" (the underlay router).
func (st *State) Node(name string) (Node, error) {
	for _, s := range st.Sites {
		switch name {
		case s.Name, s.EdgeNode:
			return Node{Name: name, NS: nsSite(st.Name, s.ID), Socket: s.ControlSocket}, nil
		case s.HostNode:
			return Node{Name: name, NS: nsHost(st.Name, s.ID)}, nil
		}
	}
	if name == st.WANNode {
		return Node{Name: name, NS: nsWAN(st.Name)}, nil
	}
	if st.Controller != nil && name == st.Controller.Node {
		return Node{Name: name, NS: nsCtl(st.Name), Env: st.Controller.CtlEnv()}, nil
	}
	return Node{}, fmt.Errorf("node %q: lab %s has nodes %s", name, st.Name, st.nodeNames())
}

func (st *State) nodeNames() string {
	out := ""
	for i, s := range st.Sites {
		if i > 0 {
			out += ", "
		}
		out += s.EdgeNode + ", " + s.HostNode
	}
	if st.Controller != nil {
		out += ", " + st.Controller.Node
	}
	return out + ", " + st.WANNode
}
