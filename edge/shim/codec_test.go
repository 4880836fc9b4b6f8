package shim

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	site1, site2 = ControlAddr(1), ControlAddr(0x0203)
)

// Byte-exact vectors, written out by hand from the diagram.
var vectors = []struct {
	name string
	h    Header
	body []byte
	wire string
}{
	{"data", Header{Type: TypeData}, []byte{0x45, 0, 0, 4},
		`6000 0000 0008 fd40
		 fd70 6174 726f 0000 0000 0000 0000 0001
		 fd70 6174 726f 0000 0000 0000 0000 0203
		 1100 0004  4500 0004`},
	{"data compressed with sequence", Header{Type: TypeData, Compressed: true, HasSeq: true, Seq: 0x01020304, InnerLength: 1400}, []byte{0xaa, 0xbb},
		`6000 0000 000a fd40
		 fd70 6174 726f 0000 0000 0000 0000 0001
		 fd70 6174 726f 0000 0000 0000 0000 0203
		 110c 0578  0102 0304  aabb`},
	{"bfd", Header{Type: TypeBFD}, []byte{0x20, 0xc0, 0x03, 0x18},
		`6000 0000 0008 fd40
		 fd70 6174 726f 0000 0000 0000 0000 0001
		 fd70 6174 726f 0000 0000 0000 0000 0203
		 1200 0004  20c0 0318`},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			want := unhex(v.wire)
			b := make([]byte, 128)
			n, err := Encode(b, site1, site2, v.h, len(v.body))
			if err != nil {
				t.Fatal(err)
			}
			got := append(b[:n:n], v.body...)
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode:\n got %x\nwant %x", got, want)
			}
			src, dst, h, body, err := Decode(want)
			if err != nil || src != site1 || dst != site2 || !bytes.Equal(body, v.body) {
				t.Fatalf("Decode: %v %v %v %x", err, src, dst, body)
			}
			wantH := v.h
			if !wantH.Compressed {
				wantH.InnerLength = len(v.body)
			}
			if h != wantH {
				t.Errorf("header %+v, want %+v", h, wantH)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := unhex(vectors[0].wire)
	mut := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	for _, tc := range []struct {
		name string
		pkt  []byte
		want Error
	}{
		{"empty", nil, ErrShort},
		{"headers cut", good[:43], ErrShort},
		{"ipv4", mut(0, 0x45), ErrNotIPv6},
		{"tcp", mut(6, 6), ErrNotShim},
		{"payload length long", mut(5, 9), ErrLength},
		{"trailing bytes", append(bytes.Clone(good), 0), ErrLength},
		{"version 2", mut(40, 0x21), ErrVersion},
		{"type 0", mut(40, 0x10), ErrType},
		{"type 9", mut(40, 0x19), ErrType},
		{"compressed bfd", mut(41, 0x08), ErrFlags},
		{"seq cut", func() []byte { b := mut(41, 0x04); return b }(), ErrInnerLength},
		{"inner length", mut(43, 5), ErrInnerLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "compressed bfd" {
				tc.pkt[40] = 0x12
			}
			_, _, _, _, err := Decode(tc.pkt)
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
	for e := Error(1); e < NumErrors; e++ {
		if e.Reason() == "" || e.Error() == "" {
			t.Errorf("error %d has no text", e)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	b := make([]byte, 128)
	if _, err := Encode(b[:43], site1, site2, Header{Type: TypeData}, 1); err != ErrBuffer {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := Encode(b, site1, site2, Header{Type: TypeBFD, Compressed: true, InnerLength: 9}, 1); err != ErrFlags {
		t.Errorf("compressed bfd: %v", err)
	}
	if _, err := Encode(b, site1, site2, Header{Type: TypeData, Compressed: true, InnerLength: 1}, 9); err != ErrInnerLength {
		t.Errorf("compressed longer than inner: %v", err)
	}
	if _, err := Encode(b, site1, site2, Header{Type: TypeData}, 70000); err != ErrBuffer {
		t.Errorf("body over 64 KiB: %v", err)
	}
}

func TestControlAddr(t *testing.T) {
	if a := ControlAddr(0x0b0c); a != netip.MustParseAddr("fd70:6174:726f::b0c") {
		t.Errorf("ControlAddr = %v", a)
	}
	if s, ok := SiteOf(ControlAddr(4242)); !ok || s != 4242 {
		t.Errorf("SiteOf round trip: %d %v", s, ok)
	}
	for _, a := range []string{"fd70:6174:726f:1::5", "fd00::5", "10.0.0.5"} {
		if _, ok := SiteOf(netip.MustParseAddr(a)); ok {
			t.Errorf("SiteOf(%s) accepted", a)
		}
	}
	if !IsShim(unhex(vectors[0].wire)) || IsShim([]byte{0x45, 0, 0, 20}) {
		t.Error("IsShim")
	}
}

func TestNoAllocs(t *testing.T) {
	pkt := unhex(vectors[1].wire)
	b := make([]byte, 128)
	if a := testing.AllocsPerRun(1000, func() {
		_, _, _, _, _ = Decode(pkt)
		_, _ = Encode(b, site1, site2, vectors[1].h, 2)
	}); a != 0 {
		t.Errorf("Decode+Encode allocate %v times", a)
	}
}

// FuzzDecode: Decode never panics, and what it accepts re-encodes to the
// same bytes (reserved bits aside, which are sent as zero).
func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(v.wire))
	}
	for _, v := range helloVectors {
		f.Add(unhex(v.wire))
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		src, dst, h, body, err := Decode(pkt)
		if err != nil {
			return
		}
		if h.Type == TypeHello {
			checkHello(t, body)
		}
		b := make([]byte, MaxOverhead)
		n, err := Encode(b, src, dst, h, len(body))
		if err != nil {
			t.Fatalf("accepted packet does not re-encode: %v", err)
		}
		again := append(b[:n:n], body...)
		want := bytes.Clone(pkt)
		want[1], want[2], want[3], want[7], want[41] = 0, 0, 0, hopLimit, want[41]&(flagCompressed|flagSeq)
		want[0] = 0x60
		if !bytes.Equal(again, want) {
			t.Fatalf("re-encoded\n%x\nwant\n%x", again, want)
		}
	})
}
