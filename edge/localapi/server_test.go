package localapi_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/dataplane/dptest"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// TestControlSocket serves a data plane (in memory, dptest) on a unix
// socket and speaks to it as the CLI does: status, flows, pins refused
// by field and accepted, a configuration refused by field and one
// applied with its changes.
func TestControlSocket(t *testing.T) {
	dir := t.TempDir()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "site.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := func(prefixes string) []byte {
		return []byte("site: {name: hq, id: 1}\nprivate_key_file: " + keyFile + "\nlan_prefixes: [" + prefixes + "]\n" +
			"overlay: {interface: pt1, mtu: 1420}\nlinks: [{name: inet, local_address: 198.18.0.1, listen_port: 51820, color: inet}]\n")
	}
	cfg, err := localapi.ParseConfig(yaml("10.1.0.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	link, err := dptest.NewWAN().Listen(netip.MustParseAddrPort("198.18.0.1:51820"))
	if err != nil {
		t.Fatal(err)
	}
	dp, err := dataplane.New(cfg, dataplane.Deps{TUN: dptest.NewTUN(1420), Links: []dataplane.Link{link}, Routes: &dptest.Routes{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	h := localapi.Handlers(dp)
	h["PUT /config"] = localapi.PutConfig(dp, nil)
	sock := filepath.Join(dir, "edge.sock")
	stop, err := ctlsock.Serve(sock, h)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	var st localapi.Status
	if _, err := ctlsock.Get(sock, "/status", &st); err != nil || st.Site != "hq" || st.Links[0].Port != 51820 {
		t.Fatalf("GET /status: %+v, %v", st, err)
	}
	var fl localapi.FlowsAnswer
	if _, err := ctlsock.Get(sock, "/flows", &fl); err != nil || fl.Total != 0 || fl.Flows == nil {
		t.Fatalf("GET /flows: %+v, %v", fl, err)
	}
	err = ctlsock.Put(sock, "/pins", []localapi.Pin{{Path: "hq/inet->nowhere/inet"}})
	if err == nil || !strings.Contains(err.Error(), `pins[0].path: no path "hq/inet->nowhere/inet"`) {
		t.Errorf("PUT /pins of an unknown path: %v", err)
	}
	if err := ctlsock.Put(sock, "/pins", []localapi.Pin{}); err != nil {
		t.Errorf("PUT /pins, none: %v", err)
	}
	if _, err := ctlsock.PutBody(sock, "/config", []byte("site: {name: hq, id: 2}\n")); err == nil ||
		!strings.Contains(err.Error(), "private_key_file") {
		t.Errorf("PUT /config, invalid: %v", err)
	}
	out, err := ctlsock.PutBody(sock, "/config", yaml("10.1.0.0/24, 10.9.0.0/24"))
	var ch localapi.Changes
	if err != nil || json.Unmarshal(out, &ch) != nil || !ch.LANPrefixes || len(ch.PeersAdded) != 0 {
		t.Fatalf("PUT /config: %s, %v", out, err)
	}
}
