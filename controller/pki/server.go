package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
)

// ServerCertificate returns the controller's TLS server certificate for
// names (DNS names or IP addresses, the addresses edges dial). The one in
// server.key/server.crt is reused while it is ours, for exactly these
// names, and has more than ServerRenewBefore left; otherwise a new key
// and certificate are issued and written, and reissued is true. The
// chain sent is the leaf and the CA certificate, so an enrolling edge
// can check the CA against the pin in its join token. A server
// key file that group or others may read is refused, not replaced: the
// operator should know it leaked.
func (ca *CA) ServerCertificate(names []string) (cert tls.Certificate, reissued bool, err error) {
	dns, ips, err := splitNames(names)
	if err != nil {
		return tls.Certificate{}, false, err
	}
	ca.serverMu.Lock()
	defer ca.serverMu.Unlock()
	cert, ok, err := ca.loadServerCertLocked(dns, ips)
	if err != nil || ok {
		return cert, false, err
	}
	cert, err = ca.issueServerCertLocked(dns, ips)
	return cert, err == nil, err
}

// loadServerCertLocked returns the saved server certificate if it is
// still usable for dns and ips. ca.serverMu must be held.
func (ca *CA) loadServerCertLocked(dns []string, ips []net.IP) (tls.Certificate, bool, error) {
	keyPath := filepath.Join(ca.dir, ServerKeyFile)
	if ok, err := exists(keyPath); err != nil || !ok {
		return tls.Certificate{}, false, err
	}
	if err := checkKeyMode(keyPath); err != nil {
		return tls.Certificate{}, false, err
	}
	// Damaged or mismatched files are simply replaced: they hold nothing
	// that cannot be issued again.
	key, err := readKey(keyPath)
	if err != nil {
		return tls.Certificate{}, false, nil
	}
	certs, err := readCerts(filepath.Join(ca.dir, ServerCertFile))
	if err != nil || !ca.serverCertUsable(certs[0], key, dns, ips) {
		return tls.Certificate{}, false, nil
	}
	return tlsCert(key, certs[0], ca.cert), true, nil
}

// issueServerCertLocked makes and writes a new server key and
// certificate. ca.serverMu must be held.
func (ca *CA) issueServerCertLocked(dns []string, ips []net.IP) (tls.Certificate, error) {
	key, err := NewKey()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Patronus"}, CommonName: "Patronus controller"},
		DNSNames:    dns,
		IPAddresses: ips,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	c, err := ca.sign(tmpl, &key.PublicKey, ServerValidity)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	// A crash between the two writes leaves a mismatch, replaced next time.
	if err := writeFileAtomic(filepath.Join(ca.dir, ServerKeyFile), keyPEM); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFileAtomic(filepath.Join(ca.dir, ServerCertFile), encodeCerts(c)); err != nil {
		return tls.Certificate{}, err
	}
	return tlsCert(key, c, ca.cert), nil
}

func (ca *CA) serverCertUsable(c *x509.Certificate, key *ecdsa.PrivateKey, dns []string, ips []net.IP) bool {
	if !keyMatches(c, key) || c.CheckSignatureFrom(ca.cert) != nil {
		return false
	}
	if ca.now().Add(ServerRenewBefore).After(c.NotAfter) {
		return false
	}
	return slices.Equal(sortedCopy(c.DNSNames), dns) && sameIPs(c.IPAddresses, ips)
}

// splitNames sorts names into DNS names and IP addresses, refusing
// malformed ones; both results are sorted and without duplicates.
func splitNames(names []string) ([]string, []net.IP, error) {
	if len(names) == 0 {
		return nil, nil, errors.New("pki: server names: none given")
	}
	var dns []string
	var ips []net.IP
	for i, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			ips = append(ips, ip)
			continue
		}
		if err := validateDNSName(n); err != nil {
			return nil, nil, fmt.Errorf("pki: server names[%d] %q: %w", i, n, err)
		}
		dns = append(dns, strings.ToLower(n))
	}
	dns = slices.Compact(sortedCopy(dns))
	slices.SortFunc(ips, func(a, b net.IP) int { return bytes.Compare(a.To16(), b.To16()) })
	ips = slices.CompactFunc(ips, func(a, b net.IP) bool { return a.Equal(b) })
	return dns, ips, nil
}

func validateDNSName(n string) error {
	if n == "" || len(n) > 253 {
		return errors.New("neither an IP address nor a DNS name of 1 to 253 characters")
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("a DNS label is empty or longer than 63 characters")
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return errors.New("a DNS name has only letters, digits, '-' and '.'")
			}
		}
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func sameIPs(a, b []net.IP) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, x.Equal) {
			return false
		}
	}
	return true
}
