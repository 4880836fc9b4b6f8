package packet

import (
	"bytes"
	"testing"
)

// canonical returns what Encode writes for a packet that Decode accepted:
// the first Length bytes, without the bytes between the mandatory section and
// Length when the A bit is clear, and with the Reserved byte and the digest
// of an MD5 or SHA1 section zeroed.
func canonical(b []byte) []byte {
	out := bytes.Clone(b[:b[3]])
	if out[1]&flagAuth == 0 {
		out = out[:MandatoryLen]
		out[3] = MandatoryLen
		return out
	}
	if AuthType(out[MandatoryLen]).Sequenced() {
		out[MandatoryLen+3] = 0
		clear(out[MandatoryLen+digestOffset:])
	}
	return out
}

// withoutDigest returns c with its digest zeroed, as Encode leaves it.
func withoutDigest(c Control) Control {
	if c.Auth.Digest != nil {
		c.Auth.Digest = make([]byte, len(c.Auth.Digest))
	}
	return c
}

func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.bytes())
	}
	for _, tt := range decodeErrors {
		f.Add(tt.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		var c Control
		err := c.Decode(b)
		if !bytes.Equal(b, orig) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			if e, ok := err.(Error); !ok || e.Reason() == "unknown" {
				t.Fatalf("Decode returned %T %v", err, err)
			}
			return
		}
		checkReencode(t, b, &c)
	})
}

// checkReencode encodes c, decoded from b, and checks the bytes against b
// and the decoded result against c.
func checkReencode(t *testing.T, b []byte, c *Control) {
	var out [MaxLen]byte
	n, err := c.Encode(out[:])
	if err != nil {
		t.Fatalf("Encode of decoded %+v: %v", c, err)
	}
	if n != c.Len() {
		t.Fatalf("Encode wrote %d bytes, Len() = %d", n, c.Len())
	}
	if want := canonical(b); !bytes.Equal(out[:n], want) {
		t.Fatalf("Encode:\n got %x\nwant %x", out[:n], want)
	}
	var d Control
	if err := d.Decode(out[:n]); err != nil {
		t.Fatalf("Decode of encoded: %v", err)
	}
	if want := withoutDigest(*c); !equalControl(&d, &want) {
		t.Fatalf("re-decoded:\n got %+v\nwant %+v", d, want)
	}
}

// FuzzVerify checks that Verify and Sign never panic, that Verify never
// modifies its input, and that a packet that Sign signs verifies with the
// same key and not with a different one.
func FuzzVerify(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.bytes(), []byte(v.key))
	}
	f.Fuzz(func(t *testing.T, b, key []byte) {
		orig := bytes.Clone(b)
		ok := Verify(b, key)
		if !bytes.Equal(b, orig) {
			t.Fatal("Verify modified its input")
		}
		var c Control
		if err := c.Decode(b); ok && err != nil {
			t.Fatal("Verify accepted a packet that Decode rejects")
		}
		if Sign(b, key) != nil || !c.Auth.Type.Sequenced() {
			return
		}
		if !Verify(b, key) {
			t.Fatal("Verify after Sign = false")
		}
		if Verify(b, append(bytes.Clone(key), 1)) && len(key) < len(c.Auth.Digest) {
			t.Fatal("Verify with a longer key = true")
		}
	})
}
