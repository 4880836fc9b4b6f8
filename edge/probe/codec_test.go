package probe

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Byte-exact vectors, written out by hand from the diagram.
var vectors = []struct {
	name string
	p    Packet
	wire string
}{
	{"request", Packet{Kind: KindRequest, Session: 0x01020304, Seq: 0x0a0b0c0d, SenderTS: 0x1122334455667788},
		`1100 0000  0102 0304  0a0b 0c0d  0000 0000
		 1122 3344 5566 7788
		 0000 0000 0000 0000
		 0000 0000 0000 0000`},
	{"reply", Packet{Kind: KindReply, Session: 0xfffffffe, Seq: 7, SenderTS: 1_700_000_000_000_000_000,
		RecvTS: 0x0000000100000000, SendTS: 0x0000000100000010},
		`1200 0000  ffff fffe  0000 0007  0000 0000
		 1797 9cfe 362a 0000
		 0000 0001 0000 0000
		 0000 0001 0000 0010`},
	{"reply with negative timestamps", Packet{Kind: KindReply, Seq: 0xffffffff, SenderTS: -1, RecvTS: -2, SendTS: -2},
		`1200 0000  0000 0000  ffff ffff  0000 0000
		 ffff ffff ffff ffff
		 ffff ffff ffff fffe
		 ffff ffff ffff fffe`},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			want := unhex(v.wire)
			b := make([]byte, 64)
			n, err := Encode(b, &v.p)
			if err != nil || n != Len {
				t.Fatalf("Encode: %d, %v", n, err)
			}
			if !bytes.Equal(b[:n], want) {
				t.Fatalf("Encode:\n got %x\nwant %x", b[:n], want)
			}
			var p Packet
			if err := Decode(want, &p); err != nil || p != v.p {
				t.Fatalf("Decode: %+v, %v; want %+v", p, err, v.p)
			}
		})
	}
}

func TestDecodeIgnoresReservedAndPadding(t *testing.T) {
	b := unhex(vectors[1].wire)
	b[1], b[2], b[3], b[12], b[15] = 0xff, 0xff, 0xff, 0xff, 0xff
	b = append(b, 0xde, 0xad)
	var p Packet
	if err := Decode(b, &p); err != nil || p != vectors[1].p {
		t.Fatalf("Decode: %+v, %v", p, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := unhex(vectors[1].wire)
	mut := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	for _, tc := range []struct {
		name   string
		b      []byte
		want   Error
		reason string
	}{
		{"empty", nil, ErrShort, "too_short"},
		{"39 bytes", good[:39], ErrShort, "too_short"},
		{"version 0", mut(0, 0x02), ErrVersion, "bad_version"},
		{"version 2", mut(0, 0x22), ErrVersion, "bad_version"},
		{"kind 0", mut(0, 0x10), ErrKind, "bad_kind"},
		{"kind 3", mut(0, 0x13), ErrKind, "bad_kind"},
		{"send before receive", mut(35, 0x00), ErrResidence, "negative_residence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			err := Decode(tc.b, &p)
			var e Error
			if !errors.As(err, &e) || e != tc.want {
				t.Fatalf("Decode: %v, want %v", err, tc.want)
			}
			if e.Reason() != tc.reason || e.Error() == "" {
				t.Errorf("reason %q, want %q", e.Reason(), tc.reason)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode(make([]byte, Len-1), &vectors[0].p); err != ErrBuffer {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := Encode(make([]byte, Len), &Packet{Kind: 3}); err != ErrKind {
		t.Errorf("kind 3: %v", err)
	}
}

func TestErrorLabels(t *testing.T) {
	seen := map[string]bool{}
	for e := Error(1); e < NumErrors; e++ {
		r := e.Reason()
		if r == "" || r == "unknown" || seen[r] || !strings.HasPrefix(e.Error(), "probe: ") {
			t.Errorf("error %d: reason %q, message %q", e, r, e.Error())
		}
		seen[r] = true
	}
	if Error(0).Reason() != "unknown" || NumErrors.Reason() != "unknown" || Error(200).Error() == "" {
		t.Error("out of range errors must be labelled unknown")
	}
	if KindRequest.String() != "request" || KindReply.String() != "reply" || Kind(9).String() != "unknown" {
		t.Error("kind names")
	}
}

func TestCodecDoesNotAllocate(t *testing.T) {
	b := make([]byte, Len)
	p := vectors[1].p
	var q Packet
	var r Reflector
	out := make([]byte, Len)
	req := unhex(vectors[0].wire)
	now := time.Unix(1, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		Encode(b, &p)
		Decode(b, &q)
		Decode(b[:3], &q) // the error path too
		r.Reflect(out, req, now, now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per encode/decode/reflect", allocs)
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(v.wire))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Packet
		if err := Decode(b, &p); err != nil {
			if _, ok := err.(Error); !ok {
				t.Fatalf("error %T is not an Error", err)
			}
			return
		}
		out := make([]byte, Len)
		if _, err := Encode(out, &p); err != nil {
			t.Fatalf("accepted probe does not re-encode: %v", err)
		}
		want := bytes.Clone(b[:Len])
		want[1], want[2], want[3] = 0, 0, 0
		copy(want[12:16], []byte{0, 0, 0, 0})
		if !bytes.Equal(out, want) {
			t.Fatalf("re-encoded\n%x\nwant\n%x", out, want)
		}
		// Whatever the reflector makes of it decodes as a reply.
		var r Reflector
		n, err := r.Reflect(out, b, time.Unix(0, p.SenderTS), time.Unix(0, p.SenderTS))
		if err == nil {
			var q Packet
			if err := Decode(out[:n], &q); err != nil || q.Kind != KindReply || q.Seq != p.Seq {
				t.Fatalf("reflected %+v, %v", q, err)
			}
		}
	})
}

func BenchmarkReflect(b *testing.B) {
	var r Reflector
	req := unhex(vectors[0].wire)
	out := make([]byte, Len)
	b.ReportAllocs()
	for b.Loop() {
		r.Reflect(out, req, t0, t0)
	}
}
