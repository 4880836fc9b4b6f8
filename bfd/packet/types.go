// Package packet is the wire codec for BFD Control packets (RFC 5880 §4).
//
// It is a leaf: it imports nothing from the rest of Patronus, performs no I/O
// and never allocates while decoding. Decoded variable-length fields (the
// simple password and the digests) are slices into the caller's buffer.
package packet

// State is the session state carried in the Sta field (RFC 5880 §4.1).
type State uint8

// Session states.
const (
	StateAdminDown State = 0
	StateDown      State = 1
	StateInit      State = 2
	StateUp        State = 3
)

var stateNames = [...]string{"admin_down", "down", "init", "up"}

// String returns the snake_case name used in Patronus output ("admin_down",
// "down", "init", "up").
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Diag is the diagnostic code (RFC 5880 §4.1).
type Diag uint8

// Diagnostic codes.
const (
	DiagNone                        Diag = 0
	DiagControlDetectionTimeExpired Diag = 1
	DiagEchoFunctionFailed          Diag = 2
	DiagNeighborSignaledSessionDown Diag = 3
	DiagForwardingPlaneReset        Diag = 4
	DiagPathDown                    Diag = 5
	DiagConcatenatedPathDown        Diag = 6
	DiagAdministrativelyDown        Diag = 7
	DiagReverseConcatenatedPathDown Diag = 8
)

var diagNames = [...]string{
	"none",
	"control_detection_time_expired",
	"echo_function_failed",
	"neighbor_signaled_session_down",
	"forwarding_plane_reset",
	"path_down",
	"concatenated_path_down",
	"administratively_down",
	"reverse_concatenated_path_down",
}

// String returns the snake_case RFC 5880 name of the code, for example
// "control_detection_time_expired".
func (d Diag) String() string {
	if int(d) < len(diagNames) {
		return diagNames[d]
	}
	return "reserved"
}

// AuthType is the Auth Type field of the authentication section (RFC 5880 §4.1).
type AuthType uint8

// Authentication types. AuthNone (0) is reserved on the wire; here it means
// "no authentication section".
const (
	AuthNone                AuthType = 0
	AuthSimplePassword      AuthType = 1
	AuthKeyedMD5            AuthType = 2
	AuthMeticulousKeyedMD5  AuthType = 3
	AuthKeyedSHA1           AuthType = 4
	AuthMeticulousKeyedSHA1 AuthType = 5
)

var authNames = [...]string{"none", "simple", "keyed-md5", "meticulous-keyed-md5", "keyed-sha1", "meticulous-keyed-sha1"}

// String returns the name used on the Patronus command line ("simple",
// "keyed-md5", "meticulous-keyed-md5", "keyed-sha1", "meticulous-keyed-sha1").
func (a AuthType) String() string {
	if int(a) < len(authNames) {
		return authNames[a]
	}
	return "reserved"
}

// ParseAuthType is the inverse of AuthType.String for the five real types.
func ParseAuthType(s string) (AuthType, bool) {
	for i := 1; i < len(authNames); i++ {
		if authNames[i] == s {
			return AuthType(i), true
		}
	}
	return AuthNone, false
}

// Meticulous reports whether the sequence number must increase on every packet.
func (a AuthType) Meticulous() bool {
	return a == AuthMeticulousKeyedMD5 || a == AuthMeticulousKeyedSHA1
}

// Sequenced reports whether the type carries a sequence number (MD5 and SHA1 types).
func (a AuthType) Sequenced() bool { return a >= AuthKeyedMD5 && a <= AuthMeticulousKeyedSHA1 }
