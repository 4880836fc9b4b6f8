package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// errNoCredentials: the request carries neither a bearer token nor a
// client certificate.
var errNoCredentials = errors.New("no credentials")

// authenticated requires a principal: a bearer token, else an operator
// certificate. Without either, or with a bad one: 401.
func (s *server) authenticated(next http.Handler) http.Handler {
	return s.authenticate(next, true)
}

// authenticate puts the request's principal into its context. With
// required false a request without credentials passes as it is; bad
// credentials are refused either way.
func (s *server) authenticate(next http.Handler, required bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principal(r)
		switch {
		case errors.Is(err, errNoCredentials) && !required:
			next.ServeHTTP(w, r)
			return
		case err != nil:
			s.refuseAuth(w, r, err)
			return
		}
		if !s.allowPrincipal(w, p) {
			return
		}
		tracePrincipal(r, p)
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), p)))
	})
}

// principal authenticates the request: the Authorization header when
// present (a bearer token), else the TLS client certificate.
func (s *server) principal(r *http.Request) (auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return auth.Principal{}, errors.Join(auth.ErrUnauthenticated, errors.New("the Authorization header is not \"Bearer TOKEN\""))
		}
		return s.cfg.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && s.cfg.ClientCerts != nil {
		return s.certPrincipal(r)
	}
	return auth.Principal{}, errNoCredentials
}

// certPrincipal: an operator certificate of the controller's CA acts as
// admin. A site's certificate is not a management credential.
func (s *server) certPrincipal(r *http.Request) (auth.Principal, error) {
	id, err := s.cfg.ClientCerts.Verify(r.TLS.PeerCertificates)
	if err != nil {
		return auth.Principal{}, errors.Join(auth.ErrUnauthenticated, err)
	}
	if id.Kind != pki.KindAdmin {
		return auth.Principal{}, errors.Join(auth.ErrUnauthenticated, errors.New("only operator certificates are accepted by the management API"))
	}
	return auth.Principal{Subject: id.User, Role: auth.RoleAdmin, Method: auth.MethodCertificate}, nil
}

// refuseAuth answers 401 for the caller's fault and 503 for the
// server's, logging the latter.
func (s *server) refuseAuth(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errNoCredentials) || errors.Is(err, auth.ErrUnauthenticated) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="patronus"`)
		msg := "credentials are missing, expired or not valid"
		if errors.Is(err, errNoCredentials) {
			msg = "this resource needs credentials: Authorization: Bearer TOKEN, or an operator certificate"
		}
		apierr.Write(w, apierr.New(http.StatusUnauthorized, apierr.CodeUnauthenticated, "%s", msg))
		return
	}
	s.log.Error("api: authentication failed", "url_path", r.URL.Path, "err", err)
	apierr.Write(w, apierr.New(http.StatusServiceUnavailable, apierr.CodeUnavailable, "authentication is unavailable"))
}
