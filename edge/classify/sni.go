package classify

import "encoding/binary"

// SNIError is why ParseSNI found no name. Reason is its counter label.
type SNIError uint8

// SNI errors.
const (
	ErrSNINotTLS      SNIError = iota + 1 // not a TLS handshake record holding a ClientHello
	ErrSNINeedMore                        // the ClientHello continues past these bytes and the name was not in them
	ErrSNIMalformed                       // lengths that contradict each other, or a bad name
	ErrSNIAbsent                          // a whole ClientHello without server_name
	ErrQUICNotInitial                     // UDP payload that is not a QUIC v1/v2 Initial packet
	ErrQUICDecrypt                        // a QUIC Initial that does not decrypt or holds no CRYPTO data at offset 0
	NumSNIErrors
)

var sniErrText = [...]struct{ reason, msg string }{
	{},
	{"sni_not_tls", "classify: not a TLS ClientHello"},
	{"sni_need_more", "classify: ClientHello continues in the next segment"},
	{"sni_malformed", "classify: malformed ClientHello"},
	{"sni_absent", "classify: ClientHello without server_name"},
	{"quic_not_initial", "classify: not a QUIC Initial packet"},
	{"quic_decrypt", "classify: QUIC Initial does not decrypt or lacks the start of the ClientHello"},
}

func (e SNIError) Error() string  { return sniErrText[e].msg }
func (e SNIError) Reason() string { return sniErrText[e].reason }

// Limits of ParseSNI.
const (
	tlsRecordHandshake  = 22
	tlsClientHello      = 1
	tlsMaxRecord        = 1<<14 + 2048 // RFC 8446 §5.2: TLSCiphertext limit
	extServerName       = 0
	sniHostName         = 0
	maxHostName         = 253
	tlsRecordHeaderLen  = 5
	tlsHandshakeHdrLen  = 4
	clientHelloFixedLen = 2 + 32 // legacy_version, random
)

// ParseSNI returns the server_name (RFC 6066 §3) of the TLS ClientHello
// at the start of b, the payload of a flow's first TCP segment(s). The
// name is a slice of b.
//
//	TLSPlaintext: type(1)=22 legacy_version(2) length(2) fragment
//	Handshake:    msg_type(1)=1 length(3) ClientHello
//	ClientHello:  legacy_version(2) random(32) legacy_session_id<0..32>
//	              cipher_suites<2..2^16-2> legacy_compression_methods<1..2^8-1>
//	              extensions<8..2^16-1>: { type(2) length(2) data }
//	server_name:  server_name_list<1..2^16-1>: { name_type(1)=0 host_name<1..2^16-1> }
//
// b may hold only part of the ClientHello (a large hello with post-quantum
// key shares spans two segments): the name is returned when it lies in b,
// and ErrSNINeedMore when b ends before it. It never allocates or panics.
func ParseSNI(b []byte) ([]byte, error) {
	if len(b) < tlsRecordHeaderLen+tlsHandshakeHdrLen {
		if len(b) > 0 && b[0] != tlsRecordHandshake || len(b) > 1 && b[1] != 3 {
			return nil, ErrSNINotTLS
		}
		return nil, ErrSNINeedMore
	}
	if b[0] != tlsRecordHandshake || b[1] != 3 || b[5] != tlsClientHello {
		return nil, ErrSNINotTLS
	}
	recLen := int(binary.BigEndian.Uint16(b[3:5]))
	if recLen > tlsMaxRecord || recLen < tlsHandshakeHdrLen {
		return nil, ErrSNIMalformed
	}
	// The hello may continue in further records; its own length bounds it.
	return clientHelloSNI(b[tlsRecordHeaderLen:])
}

// clientHelloSNI reads the server name of a ClientHello handshake message
// (type, 3-byte length, body), of which hs may be the first part.
func clientHelloSNI(hs []byte) ([]byte, error) {
	if len(hs) < tlsHandshakeHdrLen {
		if len(hs) > 0 && hs[0] != tlsClientHello {
			return nil, ErrSNINotTLS
		}
		return nil, ErrSNINeedMore
	}
	if hs[0] != tlsClientHello {
		return nil, ErrSNINotTLS
	}
	helloLen := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	r := reader{b: hs[tlsHandshakeHdrLen:], end: helloLen}
	return r.clientHello()
}

// reader walks a ClientHello of declared length end, of which b is the
// part at hand. Reading past end is malformed; past b only, need more.
type reader struct {
	b   []byte
	off int
	end int
}

func (r *reader) need(n int) error {
	switch {
	case r.off+n > r.end:
		return ErrSNIMalformed
	case r.off+n > len(r.b):
		return ErrSNINeedMore
	}
	return nil
}

func (r *reader) skip(n int) error {
	if err := r.need(n); err != nil {
		return err
	}
	r.off += n
	return nil
}

// vector reads a length of lenBytes (1 or 2) and returns it.
func (r *reader) length(lenBytes int) (int, error) {
	if err := r.need(lenBytes); err != nil {
		return 0, err
	}
	n := int(r.b[r.off])
	if lenBytes == 2 {
		n = n<<8 | int(r.b[r.off+1])
	}
	r.off += lenBytes
	return n, nil
}

func (r *reader) skipVector(lenBytes int) error {
	n, err := r.length(lenBytes)
	if err != nil {
		return err
	}
	return r.skip(n)
}

func (r *reader) clientHello() ([]byte, error) {
	if err := r.skip(clientHelloFixedLen); err != nil {
		return nil, err
	}
	for _, lb := range [...]int{1, 2, 1} { // session ID, cipher suites, compression methods
		if err := r.skipVector(lb); err != nil {
			return nil, err
		}
	}
	if r.off == r.end {
		return nil, ErrSNIAbsent // no extensions at all
	}
	extLen, err := r.length(2)
	if err != nil {
		return nil, err
	}
	if r.off+extLen > r.end {
		return nil, ErrSNIMalformed
	}
	r.end = r.off + extLen
	for r.off < r.end {
		typ, err := r.length(2)
		if err != nil {
			return nil, err
		}
		n, err := r.length(2)
		if err != nil {
			return nil, err
		}
		if typ != extServerName {
			if err := r.skip(n); err != nil {
				return nil, err
			}
			continue
		}
		if err := r.need(n); err != nil {
			return nil, err
		}
		return serverName(r.b[r.off : r.off+n])
	}
	return nil, ErrSNIAbsent
}

// serverName reads the host_name of a server_name extension body.
func serverName(b []byte) ([]byte, error) {
	r := reader{b: b, end: len(b)}
	listLen, err := r.length(2)
	if err != nil || listLen != len(b)-2 {
		return nil, ErrSNIMalformed
	}
	for r.off < r.end {
		if err := r.need(1); err != nil {
			return nil, ErrSNIMalformed
		}
		typ := r.b[r.off]
		r.off++
		n, err := r.length(2)
		if err != nil || r.need(n) != nil {
			return nil, ErrSNIMalformed
		}
		name := r.b[r.off : r.off+n]
		r.off += n
		if typ == sniHostName {
			if !validHostName(name) {
				return nil, ErrSNIMalformed
			}
			return name, nil
		}
	}
	return nil, ErrSNIAbsent
}

// validHostName accepts the bytes of a DNS host name: letters, digits,
// '-', '_' and '.', 1–253 bytes (RFC 6066: no trailing dot, no IP literal
// is enforced by clients, not here).
func validHostName(b []byte) bool {
	if len(b) == 0 || len(b) > maxHostName {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
