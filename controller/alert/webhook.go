package alert

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"unicode"
)

// Bounds of a webhook's fields.
const (
	MaxURLLength    = 2048
	MinSecretLength = 16
	MaxSecretLength = 256
)

// FieldError is invalid webhook input, naming the field ("url", "secret").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ValidateURL accepts an absolute http:// or https:// URL with a host
// and without user information (which list would show: use the secret)
// or a fragment.
func ValidateURL(raw string) error {
	bad := func(msg string) error { return &FieldError{Field: "url", Msg: msg} }
	switch {
	case raw == "":
		return bad("required")
	case len(raw) > MaxURLLength:
		return bad("longer than 2048 bytes")
	case strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return bad("has spaces or control characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme must be http or https, not " + strconvQuote(u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		return bad("has no host")
	case u.User != nil:
		return bad("user information in the URL is refused (the list shows URLs): the receiver verifies the signature instead")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("has a fragment")
	}
	return nil
}

func strconvQuote(s string) string {
	if s == "" {
		return `""`
	}
	return `"` + s + `"`
}

// ValidateSecret accepts 16 to 256 printable characters without spaces.
func ValidateSecret(s string) error {
	switch {
	case len(s) < MinSecretLength:
		return &FieldError{Field: "secret", Msg: "shorter than 16 characters"}
	case len(s) > MaxSecretLength:
		return &FieldError{Field: "secret", Msg: "longer than 256 characters"}
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0:
		return &FieldError{Field: "secret", Msg: "has spaces or unprintable characters"}
	}
	return nil
}

// NewSecret draws a webhook secret: 32 random bytes, base64url.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
