package daemon

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
)

// openAlerts makes the alert service (run by Serve) and the management
// operations, which the API and Admin's alert RPCs share.
func (d *Daemon) openAlerts() error {
	rules, err := d.cfg.Alerts.Compile()
	if err != nil {
		return err
	}
	cfg := alert.ServiceConfig{Rules: rules, Store: d.st, Bus: d.bus, Fleet: d.live, Log: d.log,
		Certs: d.watchedCerts, Probe: d.probeStore, Sites: d.siteNames}
	if d.cfg.Store != "sqlite" {
		// Replicas on one PostgreSQL database: the one holding the
		// alerts' advisory lock evaluates and delivers.
		l, err := postgres.NewLeader(d.cfg.Store, postgres.AlertsLockKey)
		if err != nil {
			return fmt.Errorf("alerts: --store %s: %w", StoreLabel(d.cfg.Store), redactErr(err, d.cfg.Store))
		}
		cfg.Leader = l
	}
	d.alerts, err = alert.NewService(cfg)
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	d.mgr, err = manage.New(manage.Config{Store: d.st, Audit: d.st, Users: d.auth, Alerts: d.alerts,
		Live: d.live, Retention: d.cfg.retention(), Log: d.log})
	return err
}

// watchedCerts are the certificates the cert_expiring rule watches: the
// CA's, the TLS server certificate as it is on disk (renewals replace
// it), the operator certificates in force, and each site's newest edge
// certificate recorded in the store (edgeCerts).
func (d *Daemon) watchedCerts(ctx context.Context) ([]alert.Cert, error) {
	out := []alert.Cert{{Subject: "cert/ca", Name: "the controller's CA certificate", NotAfter: d.ca.Certificate().NotAfter}}
	srv, err := readCert(filepath.Join(d.ca.Dir(), pki.ServerCertFile))
	if err != nil {
		return nil, err
	}
	out = append(out, alert.Cert{Subject: "cert/server", Name: "the controller's TLS server certificate", NotAfter: srv.NotAfter})
	ops, err := d.st.OperatorCerts(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, o := range ops {
		if o.RevokedAt.IsZero() && o.NotAfter.After(now) {
			out = append(out, alert.Cert{Subject: "cert/operator/" + o.Name + "/" + o.Serial,
				Name: "the operator certificate of " + o.Name + " (serial " + o.Serial + ")", NotAfter: o.NotAfter})
		}
	}
	edges, err := d.edgeCerts(ctx)
	return append(out, edges...), err
}

// edgeCerts lists every network's site certificates for alert.EdgeCerts.
func (d *Daemon) edgeCerts(ctx context.Context) ([]alert.Cert, error) {
	nets, err := d.st.Networks(ctx)
	if err != nil {
		return nil, err
	}
	var out []alert.Cert
	for _, n := range nets {
		certs, err := d.st.SiteCerts(ctx, n.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, alert.EdgeCerts(n.Name, certs)...)
	}
	return out, nil
}

func readCert(file string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, errors.New(file + ": no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// probeStore is the store_errors rule's check: one read.
func (d *Daemon) probeStore(ctx context.Context) error {
	_, err := d.st.Networks(ctx)
	return err
}

// siteNames lists a network's sites that are not revoked.
func (d *Daemon) siteNames(ctx context.Context, network string) ([]string, error) {
	sites, err := d.st.Sites(ctx, network)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range sites {
		if s.State != store.Revoked {
			out = append(out, s.Name)
		}
	}
	return out, nil
}
