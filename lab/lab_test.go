package lab

import (
	"strings"
	"testing"
	"time"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"demo", "a", "lab2", "abcdefghij"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Demo", "2lab", "a-b", "abcdefghijk", "a b", "../x"} {
		if err := CheckName(bad); err == nil || !strings.Contains(err.Error(), "--name") {
			t.Errorf("CheckName(%q) = %v, want a --name error", bad, err)
		}
	}
}

func TestNamespacePatternIsExact(t *testing.T) {
	re := nsPattern("a")
	for ns, want := range map[string]bool{
		"pl-a-site1": true, "pl-a-host12": true, "pl-a-wan": true, "pl-a-nat1-2": true, "pl-a-nat1": false,
		"pl-ab-site1": false, "pl-a-b-site1": false, "pl-a-site": false, "xpl-a-wan": false, "pl-a-wan2": false,
	} {
		if got := re.MatchString(ns); got != want {
			t.Errorf("%s matched %v, want %v", ns, got, want)
		}
	}
}

func TestPlan(t *testing.T) {
	st := plan(Options{Name: "t", Sites: 3, Links: 4, WAN: "ipv6"}, "/x")
	if len(st.Sites) != 3 || len(st.Sites[0].Links) != 4 {
		t.Fatalf("plan: %d sites, %d links", len(st.Sites), len(st.Sites[0].Links))
	}
	s2 := st.Sites[1]
	if s2.Name != "site2" || s2.HostNode != "host2" || s2.HostIPv4 != "10.2.0.2" || s2.HostIPv6 != "fd10:0:2::2" || s2.LANIPv4 != "10.2.0.0/24" {
		t.Errorf("site2: %+v", s2)
	}
	var names []string
	for _, l := range s2.Links {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ","); got != "inet,lte,mpls,wan4" {
		t.Errorf("link names %s", got)
	}
	if l := s2.Links[1]; l.IPv4 != "172.17.2.2" || l.IPv6 != "fd20:2:2::2" || l.Endpoint != "[fd20:2:2::2]:51820" || l.Cost != 20 {
		t.Errorf("site2 lte: %+v", l)
	}
	if got := strings.Join(st.Namespace, " "); got != "pl-t-wan pl-t-site1 pl-t-host1 pl-t-site2 pl-t-host2 pl-t-site3 pl-t-host3 pl-t-ctl" {
		t.Errorf("namespaces %s", got)
	}
	// The edges of an IPv6-underlay lab dial the controller over IPv6.
	if c := st.Controller; c == nil || c.Node != "controller" || c.Address != "[fd20:ff::2]:8443" || c.Credentials != "/x/controller/admin" {
		t.Errorf("controller %+v", c)
	}
	if n, err := st.Node("controller"); err != nil || n.NS != "pl-t-ctl" || len(n.Env) != 2 {
		t.Errorf("controller node %+v %v", n, err)
	}
	rep := plan(Options{Name: "t", Sites: 3, Links: 1, WAN: "ipv4", Replicas: 3}, "/x")
	if c := rep.Controller; len(c.Replicas) != 2 || c.addressOf(0) != "172.31.255.2:8443" || c.addressOf(2) != "172.31.255.2:8445" ||
		c.Replicas[0].DataDir != "/x/controller2" || !strings.HasPrefix(c.Store, "postgres://") {
		t.Errorf("replicas %+v", c)
	}
	if hs := plan(Options{Name: "t", Sites: 3, Links: 2, Hubs: []string{"site1"}}, "/x"); hs.PathCount() != (2+1+1)*2*2 || hs.pathsOf("site2") != 4 {
		t.Errorf("hub-and-spoke paths %d", hs.PathCount())
	}
	static := plan(Options{Name: "t", Sites: 2, Links: 1, WAN: "ipv4", Static: true}, "/x")
	if static.Controller != nil || strings.Contains(strings.Join(static.Namespace, " "), "ctl") {
		t.Errorf("a static lab has a controller: %+v %v", static.Controller, static.Namespace)
	}
	if n := st.pathCount(); n != 3*2*4*4 {
		t.Errorf("pathCount %d", n)
	}
	if st := plan(Options{Name: "t", Sites: 2, Links: 1, WAN: "ipv4"}, "/x"); st.Sites[1].Links[0].Endpoint != "172.16.2.2:51820" {
		t.Errorf("ipv4 endpoint %s", st.Sites[1].Links[0].Endpoint)
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Name: "x", Sites: 1, Links: 1, Binary: "b"}, "--sites 1"},
		{Options{Name: "x", Sites: 65, Links: 1, Binary: "b"}, "--sites 65"},
		{Options{Name: "x", Sites: 2, Links: 0, Binary: "b"}, "--links 0"},
		{Options{Name: "x", Sites: 2, Links: 9, Binary: "b"}, "--links 9"},
		{Options{Name: "x", Sites: 2, Links: 1, WAN: "ipx", Binary: "b"}, "--wan"},
		{Options{Name: "x", Sites: 2, Links: 1, Compression: map[int]bool{3: true}, Binary: "b"}, "--compression: site 3"},
		{Options{Name: "x", Sites: 2, Links: 1, Compression: map[int]bool{1: true}, Binary: "b"}, "--compression: needs --static"},
		{Options{Name: "x", Sites: 2, Links: 1, BFDInterval: time.Second, Binary: "b"}, "need --static"},
		{Options{Name: "x", Sites: 2, Links: 1, Replicas: 4, Binary: "b"}, "--replicas 4"},
		{Options{Name: "x", Sites: 2, Links: 1, Hubs: []string{"site3"}, Binary: "b"}, "--hub \"site3\""},
		{Options{Name: "x", Sites: 2, Links: 1, Hubs: []string{"site1"}, Static: true, Binary: "b"}, "--hub: needs the controller"},
		{Options{Name: "x", Sites: 2, Links: 1, Replicas: 2, Static: true, Binary: "b"}, "--replicas 2"},
		{Options{Name: "X", Sites: 2, Links: 1, Binary: "b"}, "--name"},
		{Options{Name: "x", Sites: 2, Links: 1, Binary: "b", Networks: []string{"Branch"}}, `--network "Branch"`},
		{Options{Name: "x", Sites: 2, Links: 1, Binary: "b", Networks: []string{"default"}}, `--network "default"`},
		{Options{Name: "x", Sites: 2, Links: 1, Binary: "b", Networks: []string{"b"}, Static: true}, "--network: needs the controller"},
		{Options{Name: "x", Sites: 2, Links: 1, Binary: "b", Policy: []byte("colour: red\n")}, "--policy: yaml:"},
		{Options{Name: "x", Sites: 2, Links: 1, Binary: "b", Policy: []byte("policies: [{name: p, sla_class: tin}]\n")},
			`--policy: policies[0].sla_class: no SLA class "tin"`},
	} {
		err := c.o.check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestChange(t *testing.T) {
	i, err := Change{Delay: ptr(50 * time.Millisecond), Jitter: ptr(5 * time.Millisecond), LossPct: ptr(2.5)}.apply(Impairment{Down: true})
	if err != nil || !i.Down || i.Delay != Duration(50*time.Millisecond) || i.Jitter != Duration(5*time.Millisecond) || i.LossPct != 2.5 {
		t.Fatalf("apply: %+v %v", i, err)
	}
	i, err = Change{Clear: true, Rate: ptr(uint64(50e6)), RateStr: "50mbit"}.apply(i)
	if err != nil || i.Down || i.Delay != 0 || i.LossPct != 0 || i.Rate != 50e6 || i.RateStr != "50mbit" {
		t.Fatalf("clear+rate: %+v %v", i, err)
	}
	for _, c := range []struct {
		c    Change
		want string
	}{
		{Change{LossPct: ptr(-1.0)}, "--loss"},
		{Change{LossPct: ptr(101.0)}, "--loss"},
		{Change{Delay: ptr(-time.Millisecond)}, "--delay"},
		{Change{Delay: ptr(11 * time.Second)}, "--delay"},
		{Change{Jitter: ptr(time.Millisecond)}, "--jitter 1ms is larger than --delay 0s"},
		{Change{Rate: ptr(uint64(100)), RateStr: "100bit"}, "--rate 100bit"},
	} {
		if _, err := c.c.apply(Impairment{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.c, err, c.want)
		}
	}
}

func TestRuleset(t *testing.T) {
	st := plan(Options{Name: "t", Sites: 2, Links: 2, WAN: "ipv4"}, "/x")
	st.Sites[0].Links[1].Impairment = Impairment{Down: true, LossPct: 5}
	st.Sites[1].Links[0].Impairment = Impairment{LossPct: 2.5}
	got := st.ruleset()
	for _, want := range []string{
		"table inet patronus_lab\ndelete table inet patronus_lab\ntable inet patronus_lab {",
		"type filter hook forward priority 0; policy accept;",
		`iifname "s1l2g" counter drop comment "site1 lte down"`,
		`oifname "s1l2g" counter drop comment "site1 lte down"`,
		`iifname "s2l1g" numgen random mod 10000 < 250 counter drop comment "site2 inet loss 2.5%"`,
		`oifname "s2l1g" numgen random mod 10000 < 250 counter drop`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "s1l1g") || strings.Contains(got, "s1l2g\" numgen") {
		t.Errorf("rules for clean links or loss under down:\n%s", got)
	}
}
