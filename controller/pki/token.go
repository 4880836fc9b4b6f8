package pki

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"
)

// Join token format:
//
//	ptj_ BASE64URL( version (1 byte, 1)
//	              || secret (32 random bytes)
//	              || CA pin (32 bytes: SHA-256 of the CA certificate's SubjectPublicKeyInfo)
//	              || CRC-32 (IEEE) of the 65 bytes before it (4 bytes, big endian) )
//	     └───────────────────── 92 characters, no padding ─────────────────────┘
//
// The pin lets an edge that has nothing but the token authenticate the
// controller before it sends the token. The CRC catches typos before any
// lookup; it is not a security feature. The stored form is the hex
// SHA-256 of the whole token string, which is what controller/store's
// HashToken computes too.
const (
	TokenPrefix    = "ptj_"
	tokenVersion   = 1
	tokenSecretLen = 32
	tokenPinOff    = 1 + tokenSecretLen
	tokenSumOff    = tokenPinOff + sha256.Size
	tokenRawLen    = tokenSumOff + 4     // 69
	tokenBodyLen   = tokenRawLen / 3 * 4 // 92
	TokenLen       = len(TokenPrefix) + tokenBodyLen
)

// Token errors; match them with errors.Is. Each TokenError message says
// what to do, and none contains the token.
var (
	ErrTokenMalformed = errors.New("join token malformed")
	ErrTokenUnknown   = errors.New("join token unknown")
	ErrTokenExpired   = errors.New("join token expired")
	ErrTokenUsed      = errors.New("join token already used")
	ErrTokenRevoked   = errors.New("join token revoked")
	ErrTokenWrongSite = errors.New("join token is for another site")
)

// TokenError is a refused join token: its kind (one of the sentinels
// above), the token's public ID when known, and what happened.
type TokenError struct {
	Kind error
	ID   string // TokenRecord.ID; empty for a malformed token
	Msg  string
}

func (e *TokenError) Error() string {
	s := "pki: " + e.Kind.Error()
	if e.ID != "" {
		s += " (id " + e.ID + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Is matches the error's Kind.
func (e *TokenError) Is(target error) bool { return target == e.Kind }

// TokenRecord is what the controller stores about a join token: never the
// token itself.
type TokenRecord struct {
	ID        string    // public: the first 16 hex digits of Hash, shown in listings
	SiteName  string    // the only site the token may enrol
	Hash      string    // hex SHA-256 of the token string
	ExpiresAt time.Time // refused from this instant on
	UsedAt    time.Time // zero: unused
	RevokedAt time.Time // zero: not revoked
}

// NewToken makes a join token for siteName, pinned to the CA certificate
// ca, that expires at expiry. The token is shown once to the operator;
// only the record is stored.
func NewToken(siteName string, ca *x509.Certificate, expiry time.Time) (token string, rec TokenRecord, err error) {
	if err := validateName("site_name", siteName); err != nil {
		return "", TokenRecord{}, err
	}
	if ca == nil || !ca.IsCA {
		return "", TokenRecord{}, errors.New("pki: token: ca: not a CA certificate")
	}
	if expiry.IsZero() {
		return "", TokenRecord{}, errors.New("pki: token: expiry: not set")
	}
	var raw [tokenRawLen]byte
	raw[0] = tokenVersion
	if _, err := rand.Read(raw[1:tokenPinOff]); err != nil {
		return "", TokenRecord{}, fmt.Errorf("pki: token: %w", err)
	}
	pin := CAPin(ca)
	copy(raw[tokenPinOff:], pin[:])
	binary.BigEndian.PutUint32(raw[tokenSumOff:], crc32.ChecksumIEEE(raw[:tokenSumOff]))
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	hash := HashToken(token)
	return token, TokenRecord{ID: hash[:16], SiteName: siteName, Hash: hash, ExpiresAt: expiry}, nil
}

// CAPin is the SHA-256 of a CA certificate's SubjectPublicKeyInfo, the
// pin a join token carries.
func CAPin(ca *x509.Certificate) [sha256.Size]byte {
	return sha256.Sum256(ca.RawSubjectPublicKeyInfo)
}

// HashToken is the stored form of a token: hex SHA-256 of the string.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TokenID is the public ID of a token (its record's ID), after checking
// its form; for finding the record of a token an edge presents.
func TokenID(token string) (string, error) {
	if _, err := ParseToken(token); err != nil {
		return "", err
	}
	return HashToken(token)[:16], nil
}

// ParseToken checks a token's form, version and checksum, so a mistyped
// or truncated token is refused with a clear error before any lookup, and
// returns the CA pin it carries. Leading and trailing white space is not
// trimmed: callers trim what they read.
func ParseToken(token string) (caPin [sha256.Size]byte, err error) {
	malformed := func(format string, args ...any) error {
		return &TokenError{Kind: ErrTokenMalformed, Msg: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(token, TokenPrefix) {
		return caPin, malformed("does not start with %q", TokenPrefix)
	}
	body := token[len(TokenPrefix):]
	if len(body) != tokenBodyLen {
		return caPin, malformed("%d characters after %q, want %d: truncated or padded?", len(body), TokenPrefix, tokenBodyLen)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	// The decoder skips CR and LF, so a body with line breaks decodes short.
	if err != nil || len(raw) != tokenRawLen {
		return caPin, malformed("characters other than A-Z, a-z, 0-9, '-' and '_' after %q", TokenPrefix)
	}
	if crc32.ChecksumIEEE(raw[:tokenSumOff]) != binary.BigEndian.Uint32(raw[tokenSumOff:]) {
		return caPin, malformed("checksum mismatch: the token was mistyped or damaged; copy it again")
	}
	if raw[0] != tokenVersion {
		return caPin, malformed("format version %d, this program knows %d", raw[0], tokenVersion)
	}
	copy(caPin[:], raw[tokenPinOff:tokenSumOff])
	return caPin, nil
}

// constantTimeCompare compares hashes; a variable so a test can see it is
// the one used.
var constantTimeCompare = subtle.ConstantTimeCompare

// CheckToken decides whether token may enrol site (empty: the token's
// own site) at now, given its stored record. In order: malformed, not
// this record's token (compared in constant time), revoked, used,
// expired, another site.
//
// It does not make the token single-use: the store must mark the record
// used atomically with the enrolment, accepting only if it was unused
// (see docs/PKI.md).
func CheckToken(token, site string, rec TokenRecord, now time.Time) error {
	if _, err := ParseToken(token); err != nil {
		return err
	}
	want, err := hex.DecodeString(rec.Hash)
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("pki: token record %s: hash is not hex SHA-256", rec.ID)
	}
	got := sha256.Sum256([]byte(token))
	if constantTimeCompare(got[:], want) != 1 {
		return &TokenError{Kind: ErrTokenUnknown, Msg: "no such token was issued by this controller"}
	}
	switch {
	case !rec.RevokedAt.IsZero():
		return &TokenError{Kind: ErrTokenRevoked, ID: rec.ID, Msg: "revoked at " + stamp(rec.RevokedAt) + "; ask the operator for a new token"}
	case !rec.UsedAt.IsZero():
		return &TokenError{Kind: ErrTokenUsed, ID: rec.ID, Msg: "used at " + stamp(rec.UsedAt) + "; a token enrols one edge once, ask the operator for a new one"}
	case !now.Before(rec.ExpiresAt):
		return &TokenError{Kind: ErrTokenExpired, ID: rec.ID, Msg: "expired at " + stamp(rec.ExpiresAt) + "; ask the operator for a new token"}
	case site != "" && site != rec.SiteName:
		return &TokenError{Kind: ErrTokenWrongSite, ID: rec.ID, Msg: fmt.Sprintf("the token enrols site %q, not %q", rec.SiteName, site)}
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
