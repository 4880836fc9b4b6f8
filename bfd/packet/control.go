package packet

import "encoding/binary"

// Sizes of a BFD Control packet.
const (
	Version      = 1                 // protocol version carried in Vers
	MandatoryLen = 24                // mandatory section
	MaxLen       = MandatoryLen + 28 // largest packet: keyed SHA1 section
)

// Lengths of the authentication section (the Auth Len field) per type.
const (
	authHeaderLen   = 2  // Auth Type, Auth Len
	simpleHeaderLen = 3  // Auth Type, Auth Len, Auth Key ID
	maxPasswordLen  = 16 // RFC 5880 §4.2
	md5AuthLen      = 24 // RFC 5880 §4.3
	sha1AuthLen     = 28 // RFC 5880 §4.4
	digestOffset    = 8  // Auth Type .. Sequence Number
	md5DigestLen    = md5AuthLen - digestOffset
	sha1DigestLen   = sha1AuthLen - digestOffset
)

// Bits of the second byte: |Sta|P|F|C|A|D|M|.
const (
	flagPoll       = 1 << 5
	flagFinal      = 1 << 4
	flagCPI        = 1 << 3
	flagAuth       = 1 << 2
	flagDemand     = 1 << 1
	flagMultipoint = 1 << 0
)

// Control is a BFD Control packet (RFC 5880 §4.1). The mandatory section is:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       My Discriminator                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Your Discriminator                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Desired Min TX Interval                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                   Required Min RX Interval                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Required Min Echo RX Interval                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An authentication section follows when the A bit is set; see Auth.
// Vers, Length and the A bit are not fields of Control: Encode derives them.
type Control struct {
	Diag  Diag
	State State

	Poll                    bool // P
	Final                   bool // F
	ControlPlaneIndependent bool // C
	Demand                  bool // D
	Multipoint              bool // M, must be false (RFC 5880 §4.1)

	DetectMult        uint8
	MyDiscriminator   uint32
	YourDiscriminator uint32

	// Intervals in microseconds, as on the wire.
	DesiredMinTxInterval      uint32
	RequiredMinRxInterval     uint32
	RequiredMinEchoRxInterval uint32

	Auth Auth // Auth.Type == AuthNone if and only if the A bit is clear
}

// Auth is the optional authentication section (RFC 5880 §4.1-4.4). Every
// section starts with:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Auth Len    |    Authentication Data...     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Simple Password (§4.2), Auth Type 1, Auth Len 3 + password length (1..16):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Auth Len    |  Auth Key ID  |  Password...  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                              ...                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Keyed MD5 and Meticulous Keyed MD5 (§4.3), Auth Type 2 and 3, Auth Len 24,
// a 16-byte digest:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Auth Len    |  Auth Key ID  |   Reserved    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Auth Key/Digest...                       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                              ...                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Keyed SHA1 and Meticulous Keyed SHA1 (§4.4), Auth Type 4 and 5, Auth Len 28,
// a 20-byte hash:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Auth Len    |  Auth Key ID  |   Reserved    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Auth Key/Hash...                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                              ...                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Reserved is zero on Encode and ignored on Decode.
type Auth struct {
	Type     AuthType
	KeyID    uint8
	Sequence uint32 // MD5 and SHA1 types only
	// Password is the simple password, 1 to 16 bytes. Decode sets it to a
	// slice of its input.
	Password []byte
	// Digest is the 16-byte (MD5) or 20-byte (SHA1) digest. Decode sets it to
	// a slice of its input; Encode ignores it and zeroes the field, which
	// Sign then fills.
	Digest []byte
}

// authLenRange returns the valid range of Auth Len for t; ok is false for the
// reserved types.
func authLenRange(t AuthType) (lo, hi int, ok bool) {
	switch t {
	case AuthSimplePassword:
		return simpleHeaderLen + 1, simpleHeaderLen + maxPasswordLen, true
	case AuthKeyedMD5, AuthMeticulousKeyedMD5:
		return md5AuthLen, md5AuthLen, true
	case AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		return sha1AuthLen, sha1AuthLen, true
	}
	return 0, 0, false
}

// Decode parses b into c, which it first resets. It applies every check of
// RFC 5880 §6.8.6 that needs only the packet, in the RFC's order, then checks
// that the authentication section is well formed. It does not check the A
// bit against the session's configuration, the key ID, the sequence number or
// the digest: see Verify. Bytes after Length are ignored, as are the bytes
// between the mandatory section and Length when the A bit is clear.
//
// On error c is the zero Control. Decode never allocates; Auth.Password and
// Auth.Digest alias b.
func (c *Control) Decode(b []byte) error {
	*c = Control{}
	n, err := checkMandatory(b)
	if err != nil {
		return err
	}
	c.decodeMandatory(b)
	if b[1]&flagAuth == 0 {
		return nil
	}
	if err := c.Auth.decode(b[MandatoryLen:n]); err != nil {
		*c = Control{}
		return err
	}
	return nil
}

// checkMandatory applies the checks of RFC 5880 §6.8.6 to the mandatory
// section and returns the Length field.
func checkMandatory(b []byte) (int, error) {
	if len(b) < MandatoryLen {
		return 0, ErrTooShort
	}
	if b[0]>>5 != Version {
		return 0, ErrVersion
	}
	n := int(b[3])
	if n < MandatoryLen || b[1]&flagAuth != 0 && n < MandatoryLen+authHeaderLen {
		return 0, ErrLength
	}
	if n > len(b) {
		return 0, ErrTruncated
	}
	return n, checkFields(State(b[1]>>6), b[1], b[2],
		binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:]))
}

// checkFields applies the field checks of RFC 5880 §6.8.6 shared by Decode
// and Encode.
func checkFields(s State, flags, mult uint8, my, your uint32) error {
	switch {
	case mult == 0:
		return ErrDetectMult
	case flags&flagMultipoint != 0:
		return ErrMultipoint
	case my == 0:
		return ErrMyDiscriminator
	case your == 0 && s != StateDown && s != StateAdminDown:
		return ErrYourDiscriminator
	}
	return nil
}

func (c *Control) decodeMandatory(b []byte) {
	c.Diag = Diag(b[0] & 0x1f)
	c.State = State(b[1] >> 6)
	c.Poll = b[1]&flagPoll != 0
	c.Final = b[1]&flagFinal != 0
	c.ControlPlaneIndependent = b[1]&flagCPI != 0
	c.Demand = b[1]&flagDemand != 0
	c.DetectMult = b[2]
	c.MyDiscriminator = binary.BigEndian.Uint32(b[4:])
	c.YourDiscriminator = binary.BigEndian.Uint32(b[8:])
	c.DesiredMinTxInterval = binary.BigEndian.Uint32(b[12:])
	c.RequiredMinRxInterval = binary.BigEndian.Uint32(b[16:])
	c.RequiredMinEchoRxInterval = binary.BigEndian.Uint32(b[20:])
}

// decode parses the authentication section s, which runs from the end of the
// mandatory section to Length and holds at least the Auth Type and Auth Len.
func (a *Auth) decode(s []byte) error {
	t, n := AuthType(s[0]), int(s[1])
	lo, hi, ok := authLenRange(t)
	if !ok {
		return ErrAuthType
	}
	if n < lo || n > hi {
		return ErrAuthLength
	}
	if n != len(s) {
		return ErrAuthSection
	}
	a.Type, a.KeyID = t, s[2]
	if t == AuthSimplePassword {
		a.Password = s[simpleHeaderLen:n:n]
		return nil
	}
	a.Sequence = binary.BigEndian.Uint32(s[4:])
	a.Digest = s[digestOffset:n:n]
	return nil
}

// Len returns the length of the encoded packet, including the authentication
// section. It is meaningful only for a Control that Encode accepts.
func (c *Control) Len() int {
	switch c.Auth.Type {
	case AuthSimplePassword:
		return MandatoryLen + simpleHeaderLen + len(c.Auth.Password)
	case AuthKeyedMD5, AuthMeticulousKeyedMD5:
		return MandatoryLen + md5AuthLen
	case AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		return MandatoryLen + sha1AuthLen
	}
	return MandatoryLen
}

// Encode writes the packet into b and returns its length, Len(). The digest
// field of an MD5 or SHA1 section is zeroed; Sign fills it. Encode refuses,
// with the Error that Decode would return, a Control that Decode would reject,
// and returns ErrDiag, ErrState or ErrShortBuffer for fields that do not fit.
func (c *Control) Encode(b []byte) (int, error) {
	if err := c.validate(); err != nil {
		return 0, err
	}
	n := c.Len()
	if len(b) < n {
		return 0, ErrShortBuffer
	}
	b[0] = Version<<5 | uint8(c.Diag)
	b[1] = uint8(c.State)<<6 | c.flags()
	b[2] = c.DetectMult
	b[3] = uint8(n)
	binary.BigEndian.PutUint32(b[4:], c.MyDiscriminator)
	binary.BigEndian.PutUint32(b[8:], c.YourDiscriminator)
	binary.BigEndian.PutUint32(b[12:], c.DesiredMinTxInterval)
	binary.BigEndian.PutUint32(b[16:], c.RequiredMinRxInterval)
	binary.BigEndian.PutUint32(b[20:], c.RequiredMinEchoRxInterval)
	c.Auth.encode(b[MandatoryLen:n])
	return n, nil
}

// validate returns the Error for a Control that cannot be encoded.
func (c *Control) validate() error {
	if c.Diag > 0x1f {
		return ErrDiag
	}
	if c.State > StateUp {
		return ErrState
	}
	err := checkFields(c.State, c.flags(), c.DetectMult, c.MyDiscriminator, c.YourDiscriminator)
	if err != nil {
		return err
	}
	return c.Auth.validate()
}

// flags returns the P, F, C, A, D and M bits.
func (c *Control) flags() uint8 {
	return bit(c.Poll, flagPoll) | bit(c.Final, flagFinal) |
		bit(c.ControlPlaneIndependent, flagCPI) | bit(c.Auth.Type != AuthNone, flagAuth) |
		bit(c.Demand, flagDemand) | bit(c.Multipoint, flagMultipoint)
}

func bit(set bool, b uint8) uint8 {
	if set {
		return b
	}
	return 0
}

func (a *Auth) validate() error {
	if a.Type == AuthNone {
		return nil
	}
	if _, _, ok := authLenRange(a.Type); !ok {
		return ErrAuthType
	}
	if a.Type == AuthSimplePassword && (len(a.Password) < 1 || len(a.Password) > maxPasswordLen) {
		return ErrAuthLength
	}
	return nil
}

// encode writes the section into s, which is exactly its length.
func (a *Auth) encode(s []byte) {
	if a.Type == AuthNone {
		return
	}
	s[0], s[1], s[2] = uint8(a.Type), uint8(len(s)), a.KeyID
	if a.Type == AuthSimplePassword {
		copy(s[simpleHeaderLen:], a.Password)
		return
	}
	s[3] = 0
	binary.BigEndian.PutUint32(s[4:], a.Sequence)
	clear(s[digestOffset:])
}
