package packet

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	downHex = `20 40 03 18  00000001  00000000  000f4240  000f4240  00000000`
	upHex   = `20 c0 03 18  00000001  00000002  000f4240  000f4240  00000000`
	// authHdr is the mandatory section of an Up packet with the A bit set and
	// Length LL, which patch fills in.
	authHdr = `20 c4 03 LL  00000001  00000002  000f4240  000f4240  00000000`
)

// pkt builds a packet from hex, replacing LL in it with length.
func pkt(length byte, s string) []byte {
	return unhex(strings.Replace(s, "LL", hex2(length), 1))
}

func hex2(b byte) string { return string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15]) }

// with returns a copy of b with b[i] = v.
func with(b []byte, i int, v byte) []byte {
	b = bytes.Clone(b)
	b[i] = v
	return b
}

var md5Section = `02 18 01 00  00000010  00000000000000000000000000000000`

var decodeErrors = []struct {
	name string
	b    []byte
	want Error
}{
	{"empty", nil, ErrTooShort},
	{"23 bytes", unhex(downHex)[:23], ErrTooShort},
	{"version 0", with(unhex(downHex), 0, 0x00), ErrVersion},
	{"version 2", with(unhex(downHex), 0, 0x40), ErrVersion},
	{"version 7", with(unhex(downHex), 0, 0xe0), ErrVersion},
	{"length 0", with(unhex(downHex), 3, 0), ErrLength},
	{"length 23", with(unhex(downHex), 3, 23), ErrLength},
	{"A bit, length 25", pkt(25, authHdr+`01 04 01 61`), ErrLength},
	{"length 25, 24 bytes", with(unhex(downHex), 3, 25), ErrTruncated},
	{"length 255", with(unhex(downHex), 3, 255), ErrTruncated},
	{"md5 cut to 40 bytes", pkt(48, authHdr+md5Section)[:40], ErrTruncated},
	{"detect mult 0", with(unhex(downHex), 2, 0), ErrDetectMult},
	{"multipoint", with(unhex(downHex), 1, 0x41), ErrMultipoint},
	{"my discriminator 0", with(unhex(upHex), 7, 0), ErrMyDiscriminator},
	{"up, your discriminator 0", with(unhex(upHex), 11, 0), ErrYourDiscriminator},
	{"init, your discriminator 0", with(with(unhex(upHex), 11, 0), 1, 0x80), ErrYourDiscriminator},
	{"auth type 0", pkt(33, authHdr+`00 09 05 736563726574`), ErrAuthType},
	{"auth type 6", pkt(52, authHdr+`06 1c 01 00 00000001 0000000000000000000000000000000000000000`), ErrAuthType},
	{"auth type 255", pkt(26, authHdr+`ff 02`), ErrAuthType},
	{"simple, auth len 3", pkt(27, authHdr+`01 03 05`), ErrAuthLength},
	{"simple, auth len 20", pkt(44, authHdr+`01 14 05 3031323334353637383930313233343536`), ErrAuthLength},
	{"md5, auth len 23", pkt(47, authHdr+`02 17 01 00  00000010  000000000000000000000000000000`), ErrAuthLength},
	{"md5, auth len 28", pkt(52, authHdr+`02 1c 01 00  00000010  0000000000000000000000000000000000000000`), ErrAuthLength},
	{"sha1, auth len 24", pkt(48, authHdr+`04 18 01 00  00000010  00000000000000000000000000000000`), ErrAuthLength},
	{"auth len 0xff", pkt(26, authHdr+`01 ff`), ErrAuthLength},
	{"auth len 0", pkt(26, authHdr+`02 00`), ErrAuthLength},
	{"simple, length short of auth len", pkt(32, authHdr+`01 09 05 736563726574`), ErrAuthSection},
	{"simple, length beyond auth len", pkt(34, authHdr+`01 09 05 736563726574 00`), ErrAuthSection},
	{"md5, section cut by length", pkt(47, authHdr+md5Section), ErrAuthSection},
	{"md5, header only", pkt(26, authHdr+`02 18`), ErrAuthSection},
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range decodeErrors {
		t.Run(tt.name, func(t *testing.T) {
			c := Control{DetectMult: 9, Auth: Auth{Type: AuthKeyedMD5}}
			err := c.Decode(tt.b)
			if err != tt.want {
				t.Fatalf("Decode = %v, want %v", err, tt.want)
			}
			if !equalControl(&c, &Control{}) {
				t.Errorf("Control not zero after error: %+v", c)
			}
		})
	}
}

// TestDecodeOrder checks that, of several faults, Decode reports the first
// in the order of RFC 5880 §6.8.6.
func TestDecodeOrder(t *testing.T) {
	all := unhex(`40 41 00 10  00000000  00000000  00000000  00000000  00000000`) // every fault
	steps := []struct {
		want Error
		i    int
		fix  byte
	}{
		{ErrVersion, 0, 0x20},
		{ErrLength, 3, 0x18},
		{ErrDetectMult, 2, 3},
		{ErrMultipoint, 1, 0xc0},
		{ErrMyDiscriminator, 7, 1},
		{ErrYourDiscriminator, 11, 2},
	}
	b := bytes.Clone(all)
	for _, s := range steps {
		var c Control
		if err := c.Decode(b); err != s.want {
			t.Fatalf("Decode(%x) = %v, want %v", b, err, s.want)
		}
		b[s.i] = s.fix
	}
	var c Control
	if err := c.Decode(b); err != nil {
		t.Fatalf("Decode(%x) = %v", b, err)
	}
	if err := c.Decode(with(all[:10], 0, 0x20)); err != ErrTooShort {
		t.Errorf("short payload: %v, want %v", err, ErrTooShort)
	}
}

// TestDecodeAccepts covers packets at the edges that Decode must accept.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"admin down, your discriminator 0", with(unhex(downHex), 1, 0x00)},
		{"reserved diag 31", with(unhex(downHex), 0, 0x3f)},
		{"bytes after length", append(unhex(downHex), 1, 2, 3)},
		{"A clear, length 30", append(with(unhex(downHex), 3, 30), 0, 0, 0, 0, 0, 0)},
		{"simple, 1-byte password", pkt(28, authHdr+`01 04 05 61`)},
		{"simple, 16-byte password", pkt(43, authHdr+`01 13 05 30313233343536373839303132333435`)},
		{"md5, reserved byte set", pkt(48, authHdr+`02 18 01 ff 00000010 00000000000000000000000000000000`)},
		{"sha1 then garbage", append(vectors[7].bytes(), 0xff)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Control
			if err := c.Decode(tt.b); err != nil {
				t.Fatalf("Decode = %v", err)
			}
		})
	}
}

func TestDecodeAliasesInput(t *testing.T) {
	b := vectors[4].bytes() // simple password
	var c Control
	if err := c.Decode(b); err != nil {
		t.Fatal(err)
	}
	if &c.Auth.Password[0] != &b[27] || cap(c.Auth.Password) != 6 {
		t.Errorf("Password does not alias the packet with capped capacity")
	}
	b = vectors[7].bytes() // keyed SHA1
	if err := c.Decode(b); err != nil {
		t.Fatal(err)
	}
	if &c.Auth.Digest[0] != &b[32] || cap(c.Auth.Digest) != 20 {
		t.Errorf("Digest does not alias the packet with capped capacity")
	}
	if c.Auth.Password != nil {
		t.Errorf("Decode did not reset Password")
	}
}

func valid() Control {
	return Control{State: StateUp, DetectMult: 3, MyDiscriminator: 1, YourDiscriminator: 2}
}

var encodeErrors = []struct {
	name string
	c    func(*Control)
	want Error
}{
	{"diag 32", func(c *Control) { c.Diag = 32 }, ErrDiag},
	{"state 4", func(c *Control) { c.State = 4 }, ErrState},
	{"detect mult 0", func(c *Control) { c.DetectMult = 0 }, ErrDetectMult},
	{"multipoint", func(c *Control) { c.Multipoint = true }, ErrMultipoint},
	{"my discriminator 0", func(c *Control) { c.MyDiscriminator = 0 }, ErrMyDiscriminator},
	{"up, your discriminator 0", func(c *Control) { c.YourDiscriminator = 0 }, ErrYourDiscriminator},
	{"auth type 6", func(c *Control) { c.Auth.Type = 6 }, ErrAuthType},
	{"empty password", func(c *Control) { c.Auth.Type = AuthSimplePassword }, ErrAuthLength},
	{"17-byte password", func(c *Control) {
		c.Auth = Auth{Type: AuthSimplePassword, Password: make([]byte, 17)}
	}, ErrAuthLength},
	{"short buffer", func(c *Control) { c.Auth.Type = AuthKeyedSHA1 }, ErrShortBuffer},
}

func TestEncodeErrors(t *testing.T) {
	for _, tt := range encodeErrors {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.c(&c)
			b := make([]byte, MaxLen-1)
			n, err := c.Encode(b)
			if err != tt.want || n != 0 {
				t.Fatalf("Encode = %d, %v, want 0, %v", n, err, tt.want)
			}
		})
	}
}

func TestEncodeIgnoresUnusedFields(t *testing.T) {
	c := valid()
	c.Auth = Auth{Type: AuthKeyedMD5, KeyID: 7, Sequence: 9,
		Password: []byte("ignored"), Digest: bytes.Repeat([]byte{0xaa}, 16)}
	b := bytes.Repeat([]byte{0xff}, MaxLen)
	n, err := c.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := pkt(48, `20 c4 03 LL 00000001 00000002 00000000 00000000 00000000
		02 18 07 00 00000009 00000000000000000000000000000000`)
	if !bytes.Equal(b[:n], want) || b[n] != 0xff {
		t.Errorf("Encode:\n got %x\nwant %x", b[:n+1], want)
	}
}

func TestErrors(t *testing.T) {
	if len(Errors) != NumErrors-1 {
		t.Fatalf("len(Errors) = %d, want NumErrors-1 = %d", len(Errors), NumErrors-1)
	}
	covered := map[Error]bool{}
	for _, tt := range decodeErrors {
		covered[tt.want] = true
	}
	for _, tt := range encodeErrors {
		covered[tt.want] = true
	}
	covered[ErrKeyLength] = true // TestSignErrors
	reasons := map[string]bool{}
	for i, e := range Errors {
		if int(e) != i+1 {
			t.Errorf("Errors[%d] = %d", i, e)
		}
		if !covered[e] {
			t.Errorf("%s: no test case", e.Reason())
		}
		if !strings.HasPrefix(e.Error(), "bfd: ") || !strings.Contains(e.Error(), "RFC 5880") && e != ErrShortBuffer {
			t.Errorf("%d: Error() = %q", e, e.Error())
		}
		if r := e.Reason(); r == "unknown" || reasons[r] || strings.ToLower(r) != r || strings.ContainsAny(r, " -") {
			t.Errorf("%d: Reason() = %q: unknown, duplicate or not snake_case", e, r)
		}
		reasons[e.Reason()] = true
	}
	for _, e := range []Error{0, Error(NumErrors)} {
		if e.Reason() != "unknown" || e.Error() == "" {
			t.Errorf("Error(%d): %q, %q", e, e.Reason(), e.Error())
		}
	}
	var err error = ErrDetectMult
	if target := Error(0); !errors.As(err, &target) || target != ErrDetectMult {
		t.Errorf("errors.As: %v", target)
	}
	if ErrDetectMult.Error() != "bfd: detect multiplier is zero (RFC 5880 §6.8.6)" {
		t.Errorf("ErrDetectMult.Error() = %q", ErrDetectMult.Error())
	}
}
