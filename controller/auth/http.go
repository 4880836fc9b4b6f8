package auth

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// Handler serves /api/v1/auth/ (see docs/API.md, "Users and sign-in").
// Request bodies are JSON, at most apierr.MaxBody bytes, unknown fields
// refused; errors are apierr's shape.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	const p = "/api/v1/auth/"
	mux.HandleFunc("POST "+p+"login", s.handleLogin)
	mux.HandleFunc("POST "+p+"refresh", s.handleRefresh)
	mux.HandleFunc("POST "+p+"setup", s.handleSetup)
	mux.HandleFunc("GET "+p+"methods", s.handleMethods)
	mux.HandleFunc("GET "+p+"oidc/login", s.handleOIDCLogin)
	mux.HandleFunc("GET "+p+"oidc/callback", s.handleOIDCCallback)
	mux.HandleFunc("POST "+p+"oidc/exchange", s.handleOIDCExchange)
	mux.Handle("POST "+p+"logout", s.Middleware(http.HandlerFunc(s.handleLogout)))
	mux.Handle("POST "+p+"logout-all", s.Middleware(http.HandlerFunc(s.handleLogoutAll)))
	mux.Handle("GET "+p+"me", s.Middleware(http.HandlerFunc(s.handleMe)))
	mux.Handle("POST "+p+"mfa/totp", s.Middleware(http.HandlerFunc(s.handleTOTPEnrol)))
	mux.Handle("POST "+p+"mfa/totp/confirm", s.Middleware(http.HandlerFunc(s.handleTOTPConfirm)))
	mux.Handle("DELETE "+p+"mfa/totp", s.Middleware(http.HandlerFunc(s.handleTOTPDisable)))
	mux.Handle("POST "+p+"mfa/recovery-codes", s.Middleware(http.HandlerFunc(s.handleRecoveryCodes)))
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		apierr.Write(w, apierr.New(http.StatusNotFound, apierr.CodeNotFound, "no such endpoint"))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r = r.WithContext(WithRequestMeta(r.Context(), RequestMeta{SourceIP: SourceIP(r), UserAgent: truncate(r.UserAgent(), 256)}))
		mux.ServeHTTP(w, r)
	})
}

// BearerToken returns the credential of an "Authorization: Bearer …"
// header, or "".
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// SourceIP is the address of the peer (X-Forwarded-For is not trusted).
func SourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Middleware authenticates the request's bearer credential (access token
// or API key) and puts the principal (NewContext) and RequestMeta in its
// context; without valid credentials it answers 401 with
// WWW-Authenticate: Bearer. Roles are checked by the handlers.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Authenticate(r.Context(), BearerToken(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patronus"`)
			apierr.Write(w, err)
			return
		}
		ctx := NewContext(r.Context(), p)
		if _, ok := RequestMetaFrom(ctx); !ok {
			ctx = WithRequestMeta(ctx, RequestMeta{SourceIP: SourceIP(r), UserAgent: truncate(r.UserAgent(), 256)})
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if err := apierr.Decode(w, r, &b); err != nil {
		apierr.Write(w, err)
		return
	}
	if b.Username == "" || b.Password == "" {
		apierr.Write(w, apierr.Invalid(map[bool]string{true: "username", false: "password"}[b.Username == ""], "required"))
		return
	}
	m, _ := RequestMetaFrom(r.Context())
	t, err := s.Login(r.Context(), LoginRequest{Username: b.Username, Password: b.Password, OTP: b.OTP, SourceIP: m.SourceIP, UserAgent: m.UserAgent})
	s.reply(w, http.StatusOK, t, err)
}

// reply writes v, or err (logging internal errors).
func (s *Service) reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		if e := apierr.From(err); e.Status >= 500 {
			s.log.Error("auth request failed", "err", err)
		}
		apierr.Write(w, err)
		return
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	apierr.WriteJSON(w, status, v)
}

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var b struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := apierr.Decode(w, r, &b); err != nil {
		apierr.Write(w, err)
		return
	}
	m, _ := RequestMetaFrom(r.Context())
	t, err := s.Refresh(r.Context(), b.RefreshToken, m.SourceIP, m.UserAgent)
	s.reply(w, http.StatusOK, t, err)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	s.reply(w, 0, nil, s.Logout(r.Context(), p.SessionID))
}

func (s *Service) handleLogoutAll(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	if p.UserID == 0 || p.Method == MethodAPIKey {
		apierr.Write(w, apierr.New(http.StatusForbidden, apierr.CodeForbidden, "only a signed-in user can do this"))
		return
	}
	s.reply(w, 0, nil, s.LogoutAll(r.Context(), p.UserID))
}

// Me is GET /api/v1/auth/me.
type Me struct {
	Subject    string    `json:"subject"`
	Role       Role      `json:"role"`
	Method     Method    `json:"method"`
	UserID     int64     `json:"user_id,omitempty"`
	SessionID  string    `json:"session_id,omitempty"`
	KeyID      string    `json:"key_id,omitempty"`
	Source     string    `json:"source,omitempty"`
	MFAEnabled bool      `json:"mfa_enabled"`
	LastLogin  time.Time `json:"last_login,omitzero"`
}

// Methods says how people may sign in, for a sign-in page to offer: a
// password always, single sign-on when OIDC is configured.
type Methods struct {
	Password bool `json:"password"`
	OIDC     bool `json:"oidc"`
}

func (s *Service) handleMethods(w http.ResponseWriter, _ *http.Request) {
	s.reply(w, http.StatusOK, Methods{Password: true, OIDC: s.oidc != nil}, nil)
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	me := Me{Subject: p.Subject, Role: p.Role, Method: p.Method, UserID: p.UserID, SessionID: p.SessionID, KeyID: p.KeyID}
	if p.UserID != 0 {
		u, err := s.st.UserByID(r.Context(), p.UserID)
		if err != nil {
			s.reply(w, 0, nil, err)
			return
		}
		me.Source, me.MFAEnabled, me.LastLogin = u.Source, u.MFAEnabled, u.LastLogin
	}
	apierr.WriteJSON(w, http.StatusOK, me)
}

type otpBody struct {
	OTP string `json:"otp"`
}

// recoveryCodes is the answer that shows recovery codes (once).
type recoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func (s *Service) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	e, err := s.EnrolTOTP(r.Context(), p)
	s.reply(w, http.StatusOK, e, err)
}

func (s *Service) withOTP(w http.ResponseWriter, r *http.Request, fn func(Principal, string) (any, error)) {
	var b otpBody
	if err := apierr.Decode(w, r, &b); err != nil {
		apierr.Write(w, err)
		return
	}
	if b.OTP == "" {
		apierr.Write(w, apierr.Invalid("otp", "required"))
		return
	}
	p, _ := FromContext(r.Context())
	v, err := fn(p, b.OTP)
	s.reply(w, http.StatusOK, v, err)
}

func (s *Service) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	s.withOTP(w, r, func(p Principal, otp string) (any, error) {
		codes, err := s.ConfirmTOTP(r.Context(), p, otp)
		return recoveryCodes{codes}, err
	})
}

func (s *Service) handleTOTPDisable(w http.ResponseWriter, r *http.Request) {
	s.withOTP(w, r, func(p Principal, otp string) (any, error) {
		return nil, s.DisableTOTP(r.Context(), p, otp)
	})
}

func (s *Service) handleRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	s.withOTP(w, r, func(p Principal, otp string) (any, error) {
		codes, err := s.NewRecoveryCodes(r.Context(), p, otp)
		return recoveryCodes{codes}, err
	})
}

func (s *Service) handleSetup(w http.ResponseWriter, r *http.Request) {
	var b struct {
		SetupToken string `json:"setup_token"`
		Username   string `json:"username"`
		Password   string `json:"password"`
	}
	if err := apierr.Decode(w, r, &b); err != nil {
		apierr.Write(w, err)
		return
	}
	if b.SetupToken == "" {
		apierr.Write(w, apierr.Invalid("setup_token", "required"))
		return
	}
	u, err := s.Setup(r.Context(), b.SetupToken, NewUser{Name: b.Username, Password: b.Password})
	s.reply(w, http.StatusCreated, map[string]any{"name": u.Name, "role": u.Role}, err)
}

func (s *Service) handleOIDCLogin(w http.ResponseWriter, r *http.Request) {
	to, state, err := s.OIDCStart(r.Context())
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: OIDCCookie, Value: state, Path: "/api/v1/auth/oidc/", MaxAge: int(oidcStateTTL / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Service) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	var state string
	if c, err := r.Cookie(OIDCCookie); err == nil {
		state = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: OIDCCookie, Value: "", Path: "/api/v1/auth/oidc/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
	to, err := s.OIDCCallback(r.Context(), state, r.URL.Query())
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Service) handleOIDCExchange(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Code string `json:"code"`
	}
	if err := apierr.Decode(w, r, &b); err != nil {
		apierr.Write(w, err)
		return
	}
	m, _ := RequestMetaFrom(r.Context())
	t, err := s.Refresh(r.Context(), b.Code, m.SourceIP, m.UserAgent)
	s.reply(w, http.StatusOK, t, err)
}
