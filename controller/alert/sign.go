package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a delivery's signature:
//
//	X-Patronus-Signature: t=1764763200,v1=5f0c…(64 hex digits)
//
// t is the Unix time (seconds) the attempt was signed at; v1 is the
// lower-case hex HMAC-SHA256, keyed with the webhook's secret, of
//
//	<t> "." <the request body, byte for byte>
//
// A receiver recomputes it over the body it got, compares in constant
// time, and refuses a t further than its replay window (DefaultReplayWindow)
// from its own clock. Every attempt is signed afresh.
const SignatureHeader = "X-Patronus-Signature"

// DeliveryHeader carries the delivery's ID: a retried delivery keeps it,
// so a receiver can drop the second copy of one it took.
const DeliveryHeader = "X-Patronus-Delivery"

// DefaultReplayWindow is the clock difference Verify accepts.
const DefaultReplayWindow = 5 * time.Minute

// Sign returns the SignatureHeader value for body signed at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrSignatureFormat = errors.New("alert: signature header is not t=UNIX,v1=HEX")
	ErrSignatureStale  = errors.New("alert: signature time is outside the replay window")
	ErrSignatureBad    = errors.New("alert: signature does not match")
)

// Verify checks a SignatureHeader value against body, as a receiver
// does: the time must be within window of now, and one v1 must match.
func Verify(secret []byte, header string, body []byte, now time.Time, window time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureFormat
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return ErrSignatureStale
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignatureBad
}
