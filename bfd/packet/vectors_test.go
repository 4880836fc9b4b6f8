package packet

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

// vector is a packet written out byte by byte, with the Control it decodes to
// and, for authenticated packets, the key. The MD5 and SHA1 digests are
// literal: they were computed outside Go (Python hashlib) and are checked
// again by TestVectorDigests with crypto/md5 and crypto/sha1.
type vector struct {
	name string
	wire string // hex; spaces and newlines are ignored
	want Control
	key  string
}

var vectors = []vector{
	{
		name: "down",
		wire: `20 40 03 18  00000001  00000000  000f4240  000f4240  00000000`,
		want: Control{State: StateDown, DetectMult: 3, MyDiscriminator: 1,
			DesiredMinTxInterval: 1000000, RequiredMinRxInterval: 1000000},
	},
	{
		name: "admin_down",
		wire: `27 00 01 18  0000abcd  00000000  000f4240  00000000  00000000`,
		want: Control{Diag: DiagAdministrativelyDown, State: StateAdminDown, DetectMult: 1,
			MyDiscriminator: 0xabcd, DesiredMinTxInterval: 1000000},
	},
	{
		name: "up_poll",
		wire: `20 e0 03 18  11223344  55667788  000493e0  000493e0  00000000`,
		want: Control{State: StateUp, Poll: true, DetectMult: 3,
			MyDiscriminator: 0x11223344, YourDiscriminator: 0x55667788,
			DesiredMinTxInterval: 300000, RequiredMinRxInterval: 300000},
	},
	{
		name: "init_final_cpi_demand",
		wire: `21 9a 05 18  deadbeef  00000007  0000c350  0000c350  000186a0`,
		want: Control{Diag: DiagControlDetectionTimeExpired, State: StateInit,
			Final: true, ControlPlaneIndependent: true, Demand: true, DetectMult: 5,
			MyDiscriminator: 0xdeadbeef, YourDiscriminator: 7,
			DesiredMinTxInterval: 50000, RequiredMinRxInterval: 50000,
			RequiredMinEchoRxInterval: 100000},
	},
	{
		name: "simple_password",
		wire: `20 c4 03 21  00000001  00000002  000f4240  000f4240  00000000
		       01 09 05 736563726574`,
		want: authControl(Auth{Type: AuthSimplePassword, KeyID: 5, Password: []byte("secret")}),
		key:  "secret",
	},
	{
		name: "keyed_md5",
		wire: `20 c4 03 30  00000001  00000002  000f4240  000f4240  00000000
		       02 18 01 00  00000010  66af366f4279fb9d9478618ed8cf54ca`,
		want: authControl(Auth{Type: AuthKeyedMD5, KeyID: 1, Sequence: 0x10,
			Digest: unhex("66af366f4279fb9d9478618ed8cf54ca")}),
		key: "patronus",
	},
	{
		name: "meticulous_keyed_md5",
		wire: `20 c4 03 30  00000001  00000002  000f4240  000f4240  00000000
		       03 18 02 00  fffffffe  0d3459c708489d95e3733362619dc43f`,
		want: authControl(Auth{Type: AuthMeticulousKeyedMD5, KeyID: 2, Sequence: 0xfffffffe,
			Digest: unhex("0d3459c708489d95e3733362619dc43f")}),
		key: "patronus-md5-key", // 16 bytes: no padding
	},
	{
		name: "keyed_sha1",
		wire: `20 c4 03 34  00000001  00000002  000f4240  000f4240  00000000
		       04 1c 03 00  0000002a  2adc7df582587c47e17a9c5d1ed78602464648b9`,
		want: authControl(Auth{Type: AuthKeyedSHA1, KeyID: 3, Sequence: 42,
			Digest: unhex("2adc7df582587c47e17a9c5d1ed78602464648b9")}),
		key: "patronus",
	},
	{
		name: "meticulous_keyed_sha1",
		wire: `20 c4 03 34  00000001  00000002  000f4240  000f4240  00000000
		       05 1c 04 00  80000001  3cbf9d3405e6b9145e4a851c53548154dd7b5be3`,
		want: authControl(Auth{Type: AuthMeticulousKeyedSHA1, KeyID: 4, Sequence: 0x80000001,
			Digest: unhex("3cbf9d3405e6b9145e4a851c53548154dd7b5be3")}),
		key: "0123456789abcdefghij", // 20 bytes: no padding
	},
}

// authControl is the Up packet shared by the authenticated vectors.
func authControl(a Auth) Control {
	return Control{State: StateUp, DetectMult: 3, MyDiscriminator: 1, YourDiscriminator: 2,
		DesiredMinTxInterval: 1000000, RequiredMinRxInterval: 1000000, Auth: a}
}

// unhex decodes hex, ignoring white space; it panics on malformed input.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func (v vector) bytes() []byte { return unhex(v.wire) }

// unsigned returns the wire bytes with the digest field zeroed, as Encode
// writes them.
func (v vector) unsigned() []byte {
	b := v.bytes()
	clear(b[len(b)-len(v.want.Auth.Digest):])
	return b
}

// equalControl reports whether a and b have the same fields and the same
// password and digest bytes.
func equalControl(a, b *Control) bool {
	x, y := *a, *b
	x.Auth.Password, x.Auth.Digest, y.Auth.Password, y.Auth.Digest = nil, nil, nil, nil
	return reflect.DeepEqual(x, y) &&
		bytes.Equal(a.Auth.Password, b.Auth.Password) && bytes.Equal(a.Auth.Digest, b.Auth.Digest)
}

func TestDecodeVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			var c Control
			if err := c.Decode(v.bytes()); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !equalControl(&c, &v.want) {
				t.Errorf("Decode:\n got %+v\nwant %+v", c, v.want)
			}
			if c.Len() != len(v.bytes()) {
				t.Errorf("Len() = %d, want %d", c.Len(), len(v.bytes()))
			}
		})
	}
}

func TestEncodeVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			b := make([]byte, MaxLen)
			n, err := v.want.Encode(b)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got, want := b[:n], v.unsigned(); !bytes.Equal(got, want) {
				t.Fatalf("Encode:\n got %x\nwant %x", got, want)
			}
			if err := Sign(b[:n], []byte(v.key)); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got, want := b[:n], v.bytes(); !bytes.Equal(got, want) {
				t.Errorf("Sign:\n got %x\nwant %x", got, want)
			}
		})
	}
}

// TestRoundTrip checks Encode(Decode(x)) == x, the digest restored by Sign.
func TestRoundTrip(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			var c Control
			if err := c.Decode(v.bytes()); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var b [MaxLen]byte
			n, err := c.Encode(b[:])
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if err := Sign(b[:n], []byte(v.key)); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !bytes.Equal(b[:n], v.bytes()) {
				t.Errorf("round trip:\n got %x\nwant %x", b[:n], v.bytes())
			}
		})
	}
}
