// Command plainwg runs one plain wireguard-go device — the pinned module's
// tun.CreateTUN and conn.NewDefaultBind, as the wireguard-go program does —
// with one peer, until SIGINT or SIGTERM. It is the reference that
// scripts/bench-dataplane.sh measures `patronus edge` against; addresses and
// routes of the interface are the script's business.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
)

func main() {
	ifname := flag.String("i", "wg0", "interface name")
	mtu := flag.Int("mtu", 1420, "interface MTU")
	keyFile := flag.String("key", "", "private key file (base64, as patronus keygen writes it)")
	peer := flag.String("peer", "", "peer public key (base64)")
	endpoint := flag.String("endpoint", "", "peer endpoint ADDRESS:PORT")
	port := flag.Int("port", 51820, "listen port")
	allowed := flag.String("allowed", "0.0.0.0/0,::/0", "peer allowed IPs, comma separated")
	flag.Parse()
	if err := run(*ifname, *mtu, *keyFile, *peer, *endpoint, *port, *allowed); err != nil {
		fmt.Fprintln(os.Stderr, "plainwg:", err)
		os.Exit(1)
	}
}

func run(ifname string, mtu int, keyFile, peer, endpoint string, port int, allowed string) error {
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	priv, err := b64hex(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("private key: %w", err)
	}
	pub, err := b64hex(peer)
	if err != nil {
		return fmt.Errorf("peer key: %w", err)
	}
	t, err := tun.CreateTUN(ifname, mtu)
	if err != nil {
		return err
	}
	dev := device.NewDevice(t, conn.NewDefaultBind(), device.NewLogger(device.LogLevelError, "plainwg: "))
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\nlisten_port=%d\npublic_key=%s\nendpoint=%s\n", priv, port, pub, endpoint)
	for _, a := range strings.Split(allowed, ",") {
		fmt.Fprintf(&b, "allowed_ip=%s\n", a)
	}
	if err := dev.IpcSet(b.String()); err != nil {
		dev.Close()
		return err
	}
	if err := dev.Up(); err != nil {
		dev.Close()
		return err
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-dev.Wait():
	}
	dev.Close()
	return nil
}

func b64hex(s string) (string, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", err
	}
	if len(k) != 32 {
		return "", fmt.Errorf("want 32 bytes, got %d", len(k))
	}
	return hex.EncodeToString(k), nil
}
