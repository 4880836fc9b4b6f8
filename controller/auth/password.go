package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// Argon2Params are the Argon2id parameters of new password hashes. A hash
// carries its own parameters (PHC string format), so changing them keeps
// old hashes valid.
type Argon2Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 is 64 MiB, 2 passes, 2 lanes, a 16-byte salt and a 32-byte
// key: stronger than OWASP's minimum (19 MiB, 2 passes, 1 lane); about
// 100 ms on one core of the test machines.
var DefaultArgon2 = Argon2Params{Time: 2, Memory: 64 * 1024, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// maxArgon2Memory bounds the memory a stored hash may ask for (1 GiB),
	// so a tampered row cannot exhaust the controller.
	maxArgon2Memory = 1 << 20
	maxArgon2Time   = 16
)

// Password policy.
const (
	MinPasswordLen = 12   // characters
	MaxPasswordLen = 1024 // bytes: bounds the hashing work
)

// CheckPassword applies the password policy: 12 to 1024 characters, not
// the user's name.
func CheckPassword(user, pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return apierr.Invalid("password", "shorter than %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return apierr.Invalid("password", "longer than %d bytes", MaxPasswordLen)
	case strings.EqualFold(strings.TrimSpace(pw), strings.TrimSpace(user)):
		return apierr.Invalid("password", "the password is the user name")
	}
	return nil
}

// HashPassword returns the Argon2id PHC string of pw:
// $argon2id$v=19$m=65536,t=2,p=2$<salt>$<key> (base64 without padding).
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

var errBadHash = errors.New("auth: not an Argon2id hash of this format")

// VerifyPassword reports whether pw matches the PHC string, comparing in
// constant time.
func VerifyPassword(pw, phc string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func parsePHC(phc string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 ||
		p.Time < 1 || p.Time > maxArgon2Time || p.Memory < 8 || p.Memory > maxArgon2Memory || p.Threads < 1 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
