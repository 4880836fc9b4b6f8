//go:build interop

package interop

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

// The main goroutine keeps the main thread, so inNS never moves it into
// a lab's namespace: the process would then be "in" the lab, and lab
// down ends every process in its namespaces.
func init() { runtime.LockOSThread() }

// inNS runs f on a thread in network namespace ns (a name under
// /var/run/netns): sockets f opens belong to that namespace for good.
// The thread is never given back to the runtime's pool.
func inNS(t *testing.T, ns string, f func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with this goroutine
		fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- f()
	}()
	if err := <-errc; err != nil {
		t.Fatalf("in %s: %v", ns, err)
	}
}

// serveDNS answers A queries for the names of answers on conn until it
// is closed.
func serveDNS(conn net.PacketConn, answers map[string]netip.Addr) {
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil {
			continue
		}
		q, err := p.Question()
		if err != nil {
			continue
		}
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
		_ = b.StartQuestions()
		_ = b.Question(q)
		_ = b.StartAnswers()
		if a, ok := answers[q.Name.String()]; ok && q.Type == dnsmessage.TypeA {
			_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 300}, dnsmessage.AResource{A: a.As4()})
		}
		msg, err := b.Finish()
		if err == nil {
			_, _ = conn.WriteTo(msg, from)
		}
	}
}

// queryA asks server (port 53) for the A records of name.
func queryA(server netip.Addr, name string) ([]netip.Addr, error) {
	c, err := net.Dial("udp4", server.String()+":53")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 4242, RecursionDesired: true})
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	q, err := b.Finish()
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(q); err != nil {
		return nil, err
	}
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		return nil, err
	}
	var m dnsmessage.Message
	if err := m.Unpack(buf[:n]); err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range m.Answers {
		if r, ok := a.Body.(*dnsmessage.AResource); ok {
			out = append(out, netip.AddrFrom4(r.A))
		}
	}
	return out, nil
}

// flowsOf returns `patronus flows --json` of a site.
func (l *testLab) flowsOf(site string) []struct {
	Src, Dst         string
	SrcPort, DstPort uint16 `json:"-"`
	SP               uint16 `json:"src_port"`
	DP               uint16 `json:"dst_port"`
	App, Class       string
	Policy, Name     string
	NameFrom         string `json:"name_from"`
} {
	l.t.Helper()
	var out struct {
		Flows []struct {
			Src, Dst         string
			SrcPort, DstPort uint16 `json:"-"`
			SP               uint16 `json:"src_port"`
			DP               uint16 `json:"dst_port"`
			App, Class       string
			Policy, Name     string
			NameFrom         string `json:"name_from"`
		} `json:"flows"`
	}
	raw := l.mustExec(site, "patronus", "flows", "--json")
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		l.t.Fatalf("%s flows --json: %v\n%s", site, err, raw)
	}
	return out.Flows
}

// TestLabClassification: a flow to a name a LAN host resolved through
// DNS (across the tunnel) and a TLS flow by its SNI each land in the
// class of the application whose domain rule they match.
func TestLabClassification(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(`applications:
  - {name: crm, class: interactive, match: {domains: [crm.example.com]}}
  - {name: backup, class: bulk, match: {domains: ["*.backup.example"]}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--policy", policy)
	host1, host2 := "pl-"+l.name+"-host1", "pl-"+l.name+"-host2"
	ip1, ip2 := netip.MustParseAddr(l.st.Sites[0].HostIPv4), netip.MustParseAddr(l.st.Sites[1].HostIPv4)

	// host2: a DNS server and a TCP server; host1: a TCP server for TLS.
	var dnsConn net.PacketConn
	var tcp2, tcp1 net.Listener
	inNS(t, host2, func() (err error) {
		if dnsConn, err = net.ListenPacket("udp4", ip2.String()+":53"); err != nil {
			return err
		}
		tcp2, err = net.Listen("tcp4", ip2.String()+":9000")
		return err
	})
	inNS(t, host1, func() (err error) {
		tcp1, err = net.Listen("tcp4", ip1.String()+":8443")
		return err
	})
	t.Cleanup(func() { dnsConn.Close(); tcp1.Close(); tcp2.Close() })
	go serveDNS(dnsConn, map[string]netip.Addr{"crm.example.com.": ip2})
	for _, ln := range []net.Listener{tcp1, tcp2} {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
			}
		}()
	}

	// host1 resolves crm.example.com through host2's server, then
	// connects to the answer.
	inNS(t, host1, func() error {
		addrs, err := queryA(ip2, "crm.example.com.")
		if err != nil || len(addrs) != 1 || addrs[0] != ip2 {
			return fmt.Errorf("resolving crm.example.com: %v %v", addrs, err)
		}
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(addrs[0], 9000).String(), 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("hello crm\n"))
		return err
	})
	// host2 opens TLS to host1 with SNI files.backup.example; the server
	// never answers: the ClientHello is what counts.
	inNS(t, host2, func() error {
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(ip1, 8443).String(), 5*time.Second)
		if err != nil {
			return err
		}
		tc := tls.Client(c, &tls.Config{ServerName: "files.backup.example"})
		_ = tc.SetDeadline(time.Now().Add(time.Second))
		_ = tc.Handshake() // times out: nobody answers
		return tc.Close()
	})

	find := func(site string, port uint16) (app, class, name, from string) {
		for _, f := range l.flowsOf(site) {
			if f.SP == port || f.DP == port {
				return f.App, f.Class, f.Name, f.NameFrom
			}
		}
		t.Fatalf("%s: no flow with port %d: %+v", site, port, l.flowsOf(site))
		return
	}
	if app, class, name, from := find("site1", 9000); app != "crm" || class != "interactive" || name != "crm.example.com" || from != "dns" {
		t.Errorf("flow to crm.example.com at site1: app %q class %q name %q from %q", app, class, name, from)
	}
	if app, class, name, from := find("site2", 8443); app != "backup" || class != "bulk" || name != "files.backup.example" || from != "sni" {
		t.Errorf("TLS flow at site2: app %q class %q name %q from %q", app, class, name, from)
	}
}
