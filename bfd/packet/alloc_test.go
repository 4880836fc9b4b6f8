package packet

import "testing"

// TestAllocs asserts that the hot path does not allocate.
func TestAllocs(t *testing.T) {
	simple, md5v, sha1v := vectors[4], vectors[5], vectors[7]
	simpleB, md5B, sha1B := simple.bytes(), md5v.bytes(), sha1v.bytes()
	bad := with(sha1B, 2, 0)
	key := []byte(sha1v.key)
	var c Control
	var out [MaxLen]byte
	if _, err := sha1v.want.Encode(out[:]); err != nil {
		t.Fatal(err)
	}
	var sink error
	tests := []struct {
		name string
		f    func()
	}{
		{"Decode", func() { sink = c.Decode(sha1B) }},
		{"Decode error", func() { sink = c.Decode(bad) }},
		{"Encode", func() { _, sink = sha1v.want.Encode(out[:]) }},
		{"Encode error", func() { _, sink = (&Control{}).Encode(out[:]) }},
		{"Sign", func() { sink = Sign(out[:52], key) }},
		{"Verify simple", func() { Verify(simpleB, []byte(simple.key)) }},
		{"Verify MD5", func() { Verify(md5B, []byte(md5v.key)) }},
		{"Verify SHA1", func() { Verify(sha1B, key) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, n)
		}
	}
	_ = sink
}
