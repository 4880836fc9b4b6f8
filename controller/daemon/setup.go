package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// setupCredentials loads or creates the CA, and makes the first operator
// credentials when there are none. It prints where new files are, never
// their content.
func setupCredentials(out io.Writer, cfg Config) (*pki.CA, error) {
	ca, created, err := pki.LoadOrCreate(filepath.Join(cfg.DataDir, PKIDir))
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(out, "patronus controller: created the CA: certificate %s, private key %s (keep it secret, back it up, and copy the directory to every replica)\n",
			ca.CertPath(), ca.KeyPath())
	}
	adminDir := filepath.Join(cfg.DataDir, AdminDir)
	_, err = pki.LoadIdentity(adminDir)
	switch {
	case errors.Is(err, pki.ErrNoIdentity):
		creds, err := ca.IssueAdmin(cfg.AdminUser, pki.DefaultAdminValidity)
		if err != nil {
			return nil, err
		}
		if err := creds.Save(adminDir); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "patronus controller: created operator credentials for %q in %s (patronus ctl --credentials %s)\n",
			cfg.AdminUser, adminDir, adminDir)
	case err != nil:
		return nil, fmt.Errorf("operator credentials: %w", err)
	}
	return ca, nil
}

// openStore opens the configured store; errors never hold its password.
func openStore(ctx context.Context, cfg Config, ca *pki.CA) (store.Store, error) {
	maker := server.TokenMaker(ca)
	if cfg.Store == "sqlite" {
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, SQLiteFile), sqlite.Options{NewToken: maker})
	}
	st, err := postgres.Open(ctx, cfg.Store, postgres.Options{NewToken: maker})
	if err != nil {
		// pgx errors may quote the URL: say which store without it.
		return nil, fmt.Errorf("--store %s: cannot open the PostgreSQL store: %w", StoreLabel(cfg.Store), redactErr(err, cfg.Store))
	}
	return st, nil
}

// reconcileNetworks creates the configured networks and sets their
// topology and hubs. Replicas starting together may race: a network
// another one created is fine.
func reconcileNetworks(ctx context.Context, st store.Store, nets []Network) error {
	for i, n := range nets {
		if err := reconcileNetwork(ctx, st, n); err != nil {
			return fmt.Errorf("networks[%d]%w", i, err)
		}
	}
	return nil
}

// reconcileNetwork's errors start with the field (".topology: …", ": …").
func reconcileNetwork(ctx context.Context, st store.Store, n Network) error {
	topo := store.Topology(n.Topology)
	got, err := st.Network(ctx, n.Name)
	if errors.Is(err, store.ErrNotFound) {
		got, err = st.CreateNetwork(ctx, n.Name, topo)
		if errors.Is(err, store.ErrConflict) {
			got, err = st.Network(ctx, n.Name)
		}
	}
	if err != nil {
		return fmt.Errorf(": %w", err)
	}
	if got.Topology != topo {
		if _, err := st.SetTopology(ctx, n.Name, topo); err != nil {
			return fmt.Errorf(".topology: %w", err)
		}
	}
	sites, err := st.Sites(ctx, n.Name)
	if err != nil {
		return fmt.Errorf(": %w", err)
	}
	for _, s := range sites {
		want := store.Spoke
		if slices.Contains(n.Hubs, s.Name) {
			want = store.Hub
		}
		if s.Role != want {
			if _, err := st.UpdateSite(ctx, n.Name, store.SiteSpec{Name: s.Name, Role: want, PublicKey: s.PublicKey}); err != nil {
				return fmt.Errorf(".hubs: site %s: %w", s.Name, err)
			}
		}
	}
	return nil
}

// recordFirstOperator records the certificate in DataDir/admin in the
// store's operator certificates, so that it is listed and can be revoked
// like those issued later; recorded already: nothing to do. Not
// exclusive: each replica with its own data directory has its own first
// operator of the same name, and revoking the name revokes them all.
func recordFirstOperator(ctx context.Context, st store.Store, dataDir string) error {
	creds, err := pki.LoadIdentity(filepath.Join(dataDir, AdminDir))
	if err != nil {
		return fmt.Errorf("operator credentials: %w", err)
	}
	leaf := creds.Chain[0]
	err = st.AddOperatorCert(ctx, store.OperatorCert{Serial: leaf.SerialNumber.String(), Name: creds.Identity.User,
		IssuedAt: leaf.NotBefore, NotAfter: leaf.NotAfter}, false)
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("operator credentials: record in the store: %w", err)
	}
	return nil
}
