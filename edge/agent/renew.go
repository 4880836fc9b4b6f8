package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// Certificate renewal. The edge's certificate is renewed over the control
// channel (EdgeControl.RenewCertificate) at two thirds of its lifetime,
// with a new key whose CSR only leaves the edge. The new identity is
// saved (pki.SaveIdentity replaces the files atomically), then the
// streams end and open again over channels that present the new
// certificate: the configuration watch resumes from the revision in
// force, and every telemetry batch not acknowledged is sent again, so
// nothing is lost. The old certificate stays valid until it expires, so
// a renewal that fails is retried with backoff for a third of the
// lifetime before the controller would refuse the edge.

// renewFraction is the part of a certificate's lifetime after which it is
// renewed.
const renewFraction = 2.0 / 3

// renewCallTimeout bounds one RenewCertificate call.
const renewCallTimeout = 15 * time.Second

// renewAt is when a certificate is due for renewal.
func renewAt(leaf *x509.Certificate) time.Time {
	issued := pki.IssuedAt(leaf)
	return issued.Add(time.Duration(float64(leaf.NotAfter.Sub(issued)) * renewFraction))
}

// credentials returns the edge's current credentials.
func (a *Agent) credentials() *pki.Credentials {
	a.credsMu.Lock()
	defer a.credsMu.Unlock()
	return a.creds
}

// renewLoop waits until the certificate is due and renews it, retrying
// with backoff; true once it is renewed, false when ctx ends first.
func (a *Agent) renewLoop(ctx context.Context, cs *controllers) bool {
	retry := retrier{b: a.opts.Backoff}
	for i := 0; ; {
		if !sleep(ctx, time.Until(renewAt(a.credentials().Chain[0]))) {
			return false
		}
		err := a.renew(ctx, cs.clients[i])
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d := retry.next()
		a.log.Warn("certificate renewal failed", "controller", cs.addrs[i], "err", err, "not_after", a.credentials().NotAfter(), "retry_in", d)
		i = cs.next(i, err)
		if !sleep(ctx, d) {
			return false
		}
	}
}

// renew asks for a certificate of a new key and saves it.
func (a *Agent) renew(ctx context.Context, client pb.EdgeControlClient) error {
	key, err := pki.NewEdgeKey()
	if err != nil {
		return err
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, renewCallTimeout)
	defer cancel()
	resp, err := client.RenewCertificate(cctx, &pb.RenewCertificateRequest{CsrDer: csr})
	if err != nil {
		return err
	}
	old := a.credentials()
	chain, err := renewedChain(old, resp)
	if err != nil {
		return err
	}
	if err := pki.SaveIdentity(a.opts.StateDir, key, chain, old.CA); err != nil {
		return fmt.Errorf("agent: renewal: %w", err)
	}
	creds, err := pki.LoadIdentity(a.opts.StateDir)
	if err != nil {
		return fmt.Errorf("agent: renewal: %w", err)
	}
	a.credsMu.Lock()
	a.creds = creds
	a.credsMu.Unlock()
	a.log.Info("certificate renewed", "identity", creds.Identity, "serial", chain[0].SerialNumber.String(), "not_after", creds.NotAfter())
	return nil
}

// renewedChain checks the controller's answer: the CA the edge trusts, a
// certificate of the same identity.
func renewedChain(old *pki.Credentials, resp *pb.RenewCertificateResponse) ([]*x509.Certificate, error) {
	if got, err := x509.ParseCertificate(resp.GetCaCertDer()); err != nil || !got.Equal(old.CA) {
		return nil, errors.New("agent: renewal: the controller returned a CA certificate other than the edge's")
	}
	var chain []*x509.Certificate
	for i, der := range resp.GetClientCertChainDer() {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("agent: renewal: client_cert_chain_der[%d]: %w", i, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("agent: renewal: the controller returned no certificate")
	}
	id, err := pki.IdentityFromCert(chain[0])
	if err != nil {
		return nil, fmt.Errorf("agent: renewal: %w", err)
	}
	if id != old.Identity {
		return nil, fmt.Errorf("agent: renewal: the new certificate is for %s, not %s", id, old.Identity)
	}
	return chain, nil
}
