package classify

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// clientHello captures the first TLS record crypto/tls writes when it
// dials serverName: a real ClientHello.
func clientHello(t testing.TB, serverName string) []byte {
	t.Helper()
	c, s := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conf := &tls.Config{ServerName: serverName, InsecureSkipVerify: serverName == ""}
		_ = tls.Client(c, conf).Handshake() // fails once s is closed
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(s, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
	if _, err := io.ReadFull(s, rec); err != nil {
		t.Fatal(err)
	}
	s.Close()
	c.Close()
	<-done
	return append(hdr, rec...)
}

func TestParseSNI(t *testing.T) {
	hello := clientHello(t, "Meet.Google.com")
	name, err := ParseSNI(hello)
	if err != nil || string(name) != "Meet.Google.com" {
		t.Fatalf("ParseSNI = %q, %v", name, err)
	}
	for _, tt := range []struct {
		name string
		b    []byte
		want SNIError
	}{
		{"no server name", clientHello(t, ""), ErrSNIAbsent},
		{"IP literal sends none", clientHello(t, "192.0.2.1"), ErrSNIAbsent},
		{"http", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), ErrSNINotTLS},
		{"server hello", append([]byte{22, 3, 3, 0, 4, 2}, 0, 0, 0), ErrSNINotTLS},
		{"application data", []byte{23, 3, 3, 0, 1, 0, 0, 0, 0}, ErrSNINotTLS},
		{"one byte", []byte{22}, ErrSNINeedMore},
		{"one wrong byte", []byte{23}, ErrSNINotTLS},
		{"record too long", []byte{22, 3, 1, 0xff, 0xff, 1, 0, 0, 0}, ErrSNIMalformed},
		{"record shorter than a handshake header", []byte{22, 3, 1, 0, 3, 1, 0, 0, 0}, ErrSNIMalformed},
		{"hello shorter than its fixed part", []byte{22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3}, ErrSNIMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSNI(tt.b); err != tt.want {
				t.Fatalf("ParseSNI: %v, want %v", err, tt.want)
			}
		})
	}
}

// mutate returns a copy of the hello with the server_name extension's
// fields overwritten by f (given the offset of the extension data).
func mutate(t *testing.T, hello []byte, f func(b []byte, ext int)) []byte {
	t.Helper()
	b := append([]byte(nil), hello...)
	// record(5) handshake(4) version(2) random(32)
	off := 5 + 4 + 2 + 32
	off += 1 + int(b[off])
	off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	off += 1 + int(b[off])
	off += 2 // extensions length
	for {
		typ, n := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		if typ == 0 {
			f(b, off)
			return b
		}
		off += 4 + n
	}
}

func TestParseSNIMalformed(t *testing.T) {
	hello := clientHello(t, "a.example.com")
	tests := []struct {
		name string
		f    func(b []byte, ext int)
		want SNIError
	}{
		{"bad character", func(b []byte, ext int) { b[ext+4+2+1+2] = '/' }, ErrSNIMalformed},
		{"list length off", func(b []byte, ext int) { b[ext+4+1]++ }, ErrSNIMalformed},
		{"name length past the extension", func(b []byte, ext int) { b[ext+4+2+1+1] = 0xff }, ErrSNIMalformed},
		{"extension length past the hello", func(b []byte, ext int) { b[ext+2] = 0xff }, ErrSNIMalformed},
		{"other name type only", func(b []byte, ext int) { b[ext+4+2] = 1 }, ErrSNIAbsent},
		{"empty name", func(b []byte, ext int) {
			// list of one empty host_name, the rest of the old name as padding
			binary.BigEndian.PutUint16(b[ext+4+2+1:], 0)
		}, ErrSNIMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if name, err := ParseSNI(mutate(t, hello, tt.f)); err != tt.want {
				t.Fatalf("ParseSNI = %q, %v; want %v", name, err, tt.want)
			}
		})
	}
}

// Every prefix of a real ClientHello gives the name (once it is in) or
// asks for more; nothing else.
func TestParseSNITruncated(t *testing.T) {
	hello := clientHello(t, "us02web.zoom.us")
	found := -1
	for n := range len(hello) + 1 {
		name, err := ParseSNI(hello[:n])
		switch {
		case err == nil:
			if string(name) != "us02web.zoom.us" {
				t.Fatalf("%d bytes: %q", n, name)
			}
			if found < 0 {
				found = n
			}
		case err != ErrSNINeedMore:
			t.Fatalf("%d bytes: %v", n, err)
		case found >= 0:
			t.Fatalf("%d bytes: need more after the name was found at %d", n, found)
		}
	}
	t.Logf("ClientHello of %d bytes; the name is readable from the first %d", len(hello), found)
}

func TestParseSNIDoesNotAllocate(t *testing.T) {
	hello := clientHello(t, "teams.microsoft.com")
	if a := testing.AllocsPerRun(1000, func() { _, _ = ParseSNI(hello) }); a != 0 {
		t.Fatalf("ParseSNI allocates %.1f times", a)
	}
}
