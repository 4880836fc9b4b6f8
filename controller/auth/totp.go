package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TOTP: RFC 6238 codes of 6 digits every 30 s (SHA-1, what authenticator
// apps expect), accepted one step either side. Each (user, step) is
// accepted once, across replicas (store.UseTOTPStep): a code seen once is
// refused after. Recovery codes: 10 per user, 16 base32 characters (80
// bits) shown once as xxxx-xxxx-xxxx-xxxx, stored as SHA-256, single use.
const (
	totpPeriod        = 30
	totpSkew          = 1
	RecoveryCodeCount = 10
	recoveryCodeLen   = 16
)

// TOTPEnrolment is shown once when TOTP is enrolled.
type TOTPEnrolment struct {
	Secret string `json:"secret"` // base32, for typing in
	URL    string `json:"url"`    // otpauth://totp/…, for a QR code
}

// EnrolTOTP starts TOTP enrolment for the user p: a new secret, not in
// force until ConfirmTOTP. Refused while MFA is on.
func (s *Service) EnrolTOTP(ctx context.Context, p Principal) (TOTPEnrolment, error) {
	u, err := s.principalUser(ctx, p)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if u.MFAEnabled {
		return TOTPEnrolment{}, apierr.New(http.StatusConflict, apierr.CodeConflict, "TOTP is on already; disable it first")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.TOTPIssuer, AccountName: u.Name, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if err := s.st.SetTOTP(ctx, u.ID, key.Secret(), false); err != nil {
		return TOTPEnrolment{}, err
	}
	s.auditBy(ctx, "mfa.totp.enrol", "user/"+u.Name, nil, nil)
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns TOTP on with a first code of the enrolled secret and
// returns 10 new recovery codes (shown once).
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string) ([]string, error) {
	u, err := s.principalUser(ctx, p)
	if err != nil {
		return nil, err
	}
	secret, on, err := s.st.TOTPSecret(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if on || secret == "" {
		return nil, apierr.New(http.StatusConflict, apierr.CodeConflict, "no TOTP enrolment to confirm")
	}
	if reason, err := s.checkTOTP(ctx, u.ID, secret, code); err != nil || reason != "" {
		s.auditBy(ctx, "mfa.totp.confirm", "user/"+u.Name, errors.New(reason), nil)
		return nil, firstErr(err, apierr.Invalid("otp", "wrong or used code"))
	}
	codes, err := s.newRecoveryCodes(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	err = s.st.SetTOTP(ctx, u.ID, secret, true)
	s.auditBy(ctx, "mfa.totp.confirm", "user/"+u.Name, err, nil)
	return codes, err
}

// DisableTOTP turns MFA off; it takes a current TOTP or recovery code.
func (s *Service) DisableTOTP(ctx context.Context, p Principal, code string) error {
	u, err := s.requireMFA(ctx, p, code, "mfa.totp.disable")
	if err != nil {
		return err
	}
	err = s.st.SetTOTP(ctx, u.ID, "", false)
	s.auditBy(ctx, "mfa.totp.disable", "user/"+u.Name, err, nil)
	return err
}

// NewRecoveryCodes replaces the user's recovery codes; it takes a current
// TOTP or recovery code.
func (s *Service) NewRecoveryCodes(ctx context.Context, p Principal, code string) ([]string, error) {
	u, err := s.requireMFA(ctx, p, code, "mfa.recovery_codes")
	if err != nil {
		return nil, err
	}
	codes, err := s.newRecoveryCodes(ctx, u.ID)
	s.auditBy(ctx, "mfa.recovery_codes", "user/"+u.Name, err, nil)
	return codes, err
}

func (s *Service) requireMFA(ctx context.Context, p Principal, code, action string) (store.User, error) {
	u, err := s.principalUser(ctx, p)
	if err != nil {
		return u, err
	}
	if !u.MFAEnabled {
		return u, apierr.New(http.StatusConflict, apierr.CodeConflict, "TOTP is not on")
	}
	reason, err := s.checkSecondFactor(ctx, u, code)
	if err != nil {
		return u, err
	}
	if reason != "" {
		s.auditBy(ctx, action, "user/"+u.Name, errors.New(reason), nil)
		return u, apierr.Invalid("otp", "a current TOTP or recovery code is needed")
	}
	return u, nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// principalUser returns p's user; API keys and certificates have none.
func (s *Service) principalUser(ctx context.Context, p Principal) (store.User, error) {
	if p.UserID == 0 || p.Method == MethodAPIKey {
		return store.User{}, apierr.New(http.StatusForbidden, apierr.CodeForbidden, "only a signed-in user can do this")
	}
	u, err := s.st.UserByID(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return u, unauthenticated("the user is deleted")
	}
	return u, err
}

// checkSecondFactor checks a TOTP code or else a recovery code; it
// returns "" or why the code is refused.
func (s *Service) checkSecondFactor(ctx context.Context, u store.User, code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "mfa_required", nil
	}
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		secret, on, err := s.st.TOTPSecret(ctx, u.ID)
		if err != nil || !on {
			return "bad_otp", err
		}
		return s.checkTOTP(ctx, u.ID, secret, code)
	}
	norm := normaliseRecoveryCode(code)
	if len(norm) != recoveryCodeLen {
		return "bad_otp", nil
	}
	err := s.st.UseRecoveryCode(ctx, u.ID, hashSecret(norm))
	if errors.Is(err, store.ErrNotFound) {
		return "bad_recovery_code", nil
	}
	return "", err
}

// checkTOTP accepts a code of the current step or one either side, once.
func (s *Service) checkTOTP(ctx context.Context, userID int64, secret, code string) (string, error) {
	now := s.now()
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0),
			totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return "", err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			err := s.st.UseTOTPStep(ctx, userID, step+d)
			if errors.Is(err, store.ErrConflict) {
				return "otp_replayed", nil
			}
			return "", err
		}
	}
	return "bad_otp", nil
}

const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func normaliseRecoveryCode(c string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(c))
}

// newRecoveryCodes makes and stores 10 codes, returning them formatted.
func (s *Service) newRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, recoveryCodeLen)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		for j := range b {
			b[j] = recoveryAlphabet[int(b[j])%len(recoveryAlphabet)] // 256 is a multiple of 32: unbiased
		}
		raw := string(b)
		hashes[i] = hashSecret(raw)
		codes[i] = raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:]
	}
	return codes, s.st.SetRecoveryCodes(ctx, userID, hashes)
}
