package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// TrustDomain is the host part of every identity URI.
const TrustDomain = "patronus"

// Kind is what a certificate's holder is.
type Kind int

const (
	KindSite  Kind = iota + 1 // an edge: spiffe://patronus/site/<id>/<name>
	KindAdmin                 // an operator: spiffe://patronus/admin/<user>
)

func (k Kind) String() string {
	switch k {
	case KindSite:
		return "site"
	case KindAdmin:
		return "admin"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Identity is who a client certificate speaks for. The controller decides
// it when it signs; it is carried as the certificate's only URI SAN.
type Identity struct {
	Kind     Kind
	SiteID   int64  // KindSite: the store's site ID, > 0
	SiteName string // KindSite
	User     string // KindAdmin
}

// SiteIdentity is the identity of site id called name.
func SiteIdentity(id int64, name string) Identity {
	return Identity{Kind: KindSite, SiteID: id, SiteName: name}
}

// AdminIdentity is the identity of operator user.
func AdminIdentity(user string) Identity {
	return Identity{Kind: KindAdmin, User: user}
}

// Validate checks the identity's fields; errors name the field.
func (id Identity) Validate() error {
	switch id.Kind {
	case KindSite:
		if id.SiteID <= 0 {
			return fmt.Errorf("pki: identity: site_id %d: must be positive", id.SiteID)
		}
		return validateName("site_name", id.SiteName)
	case KindAdmin:
		return validateName("user", id.User)
	}
	return fmt.Errorf("pki: identity: kind %v: neither site nor admin", id.Kind)
}

// URI is the identity's SPIFFE ID.
func (id Identity) URI() *url.URL {
	u := &url.URL{Scheme: "spiffe", Host: TrustDomain}
	switch id.Kind {
	case KindSite:
		u.Path = "/site/" + strconv.FormatInt(id.SiteID, 10) + "/" + id.SiteName
	case KindAdmin:
		u.Path = "/admin/" + id.User
	}
	return u
}

// String is the SPIFFE ID, or a description of an invalid identity.
func (id Identity) String() string {
	if id.Kind != KindSite && id.Kind != KindAdmin {
		return "invalid identity"
	}
	return id.URI().String()
}

// ParseIdentity parses a SPIFFE ID made by Identity.URI.
func ParseIdentity(u *url.URL) (Identity, error) {
	if u.Scheme != "spiffe" || u.Host != TrustDomain || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return Identity{}, fmt.Errorf("pki: identity %q: not a spiffe://%s/ ID", u.Redacted(), TrustDomain)
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	var id Identity
	switch {
	case len(parts) == 3 && parts[0] == "site":
		n, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != parts[1] {
			return Identity{}, fmt.Errorf("pki: identity %q: site ID %q is not a decimal number", u.String(), parts[1])
		}
		id = SiteIdentity(n, parts[2])
	case len(parts) == 2 && parts[0] == "admin":
		id = AdminIdentity(parts[1])
	default:
		return Identity{}, fmt.Errorf("pki: identity %q: path is neither /site/<id>/<name> nor /admin/<user>", u.String())
	}
	if err := id.Validate(); err != nil {
		return Identity{}, fmt.Errorf("pki: identity %q: %w", u.String(), err)
	}
	return id, nil
}

// IdentityFromCert reads the identity of a certificate signed by SignEdge
// or SignAdmin: exactly one URI SAN, a Patronus SPIFFE ID. It does not
// verify the certificate; Verifier does.
func IdentityFromCert(cert *x509.Certificate) (Identity, error) {
	if cert == nil {
		return Identity{}, errors.New("pki: identity: no certificate")
	}
	if len(cert.URIs) != 1 {
		return Identity{}, fmt.Errorf("pki: certificate serial %s: has %d URI SANs, want exactly one identity", cert.SerialNumber, len(cert.URIs))
	}
	return ParseIdentity(cert.URIs[0])
}

// maxNameLen bounds site and user names, as the store does.
const maxNameLen = 63

// validateName applies the store's name rule: 1 to 63 characters of a-z,
// 0-9, '-' and '_', the first a letter or a digit.
func validateName(field, name string) error {
	if name == "" {
		return fmt.Errorf("pki: %s: empty", field)
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("pki: %s %q: longer than %d characters", field, name, maxNameLen)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '-' || c == '_')
		if !ok {
			return fmt.Errorf("pki: %s %q: only a-z, 0-9, '-' and '_' (not first) allowed", field, name)
		}
	}
	return nil
}
