package shim

import (
	"bytes"
	"errors"
	"testing"
)

// Hello vectors, written out by hand from the diagram.
var helloVectors = []struct {
	name  string
	hello Hello
	wire  string
}{
	{"lz4 reply requested", Hello{ReplyRequested: true, HoldTime: 20, Caps: CapLZ4},
		`6000 0000 000c fd40
		 fd70 6174 726f 0000 0000 0000 0000 0001
		 fd70 6174 726f 0000 0000 0000 0000 0203
		 1400 0008  8000 0014 0000 0001`},
	{"nothing accepted, answer", Hello{HoldTime: 0x0102},
		`6000 0000 000c fd40
		 fd70 6174 726f 0000 0000 0000 0000 0001
		 fd70 6174 726f 0000 0000 0000 0000 0203
		 1400 0008  0000 0102 0000 0000`},
}

func TestHelloVectors(t *testing.T) {
	for _, v := range helloVectors {
		t.Run(v.name, func(t *testing.T) {
			want := unhex(v.wire)
			b := make([]byte, 128)
			n, err := EncodeHello(b, site1, site2, v.hello)
			if err != nil || !bytes.Equal(b[:n], want) {
				t.Fatalf("EncodeHello: %v\n got %x\nwant %x", err, b[:n], want)
			}
			src, dst, h, body, err := Decode(want)
			if err != nil || src != site1 || dst != site2 || h.Type != TypeHello {
				t.Fatalf("Decode: %v %v %v %+v", err, src, dst, h)
			}
			got, err := ParseHello(body)
			if err != nil || got != v.hello {
				t.Errorf("ParseHello = %+v, %v; want %+v", got, err, v.hello)
			}
		})
	}
}

// TestHelloExtensible: reserved bits, unknown capabilities and trailing
// bytes (a later version's additions) are ignored; a short body is not.
func TestHelloExtensible(t *testing.T) {
	h, err := ParseHello(unhex("ff7f 0005 ffff fffe  0102 0304"))
	if err != nil || h != (Hello{ReplyRequested: true, HoldTime: 5}) {
		t.Errorf("extended Hello = %+v, %v", h, err)
	}
	if _, err := ParseHello(unhex("8000 0014 0000 00")); !errors.Is(err, ErrHello) {
		t.Errorf("7-byte Hello: %v", err)
	}
	if _, err := EncodeHello(make([]byte, 50), site1, site2, Hello{}); !errors.Is(err, ErrBuffer) {
		t.Errorf("EncodeHello into 50 bytes: %v", err)
	}
}

func TestHelloNoAllocs(t *testing.T) {
	b := make([]byte, 64)
	if a := testing.AllocsPerRun(1000, func() {
		n, _ := EncodeHello(b, site1, site2, helloVectors[0].hello)
		_, _, _, body, _ := Decode(b[:n])
		_, _ = ParseHello(body)
	}); a != 0 {
		t.Errorf("EncodeHello+Decode+ParseHello allocate %v times", a)
	}
}

// checkHello is FuzzDecode's property for Hello bodies: ParseHello never
// panics, and what it accepts re-encodes to the body's first 8 bytes with
// reserved and unknown bits cleared.
func checkHello(t *testing.T, body []byte) {
	h, err := ParseHello(body)
	if err != nil {
		return
	}
	b := make([]byte, MaxOverhead+HelloLen)
	n, err := EncodeHello(b, site1, site2, h)
	if err != nil {
		t.Fatalf("accepted Hello does not re-encode: %v", err)
	}
	want := bytes.Clone(body[:HelloLen])
	want[0], want[1], want[4], want[5], want[6], want[7] = want[0]&helloReply, 0, 0, 0, 0, want[7]&byte(knownCaps)
	if got := b[n-HelloLen : n]; !bytes.Equal(got, want) {
		t.Fatalf("Hello re-encoded %x, want %x", got, want)
	}
}
