// Package session is the BFD session state machine of RFC 5880 without I/O.
//
// A Session is fed decoded Control packets and clock readings and answers
// with what to do: transmit now, or which state transition happened. It
// never reads a clock, starts a timer or touches a socket, so every RFC rule
// is testable as a table driven by an injected time. A Session is not safe
// for concurrent use; its owner (the bfd.Manager) serialises access.
//
// Implemented: asynchronous mode (§6.1), the states and transitions of §6.2
// and §6.8.6, timer negotiation (§6.8.2–§6.8.4) with the one-second slow
// rate while not Up, transmit jitter (§6.8.7), Poll/Final sequences for
// parameter changes (§6.5, §6.8.3), the passive role (§6.1), every
// authentication type (§6.7) and AdminDown (§6.8.16). Not implemented: the
// Echo function (we always advertise Required Min Echo RX Interval 0) and
// Demand mode (we never set D; a peer in Demand mode is honoured by ceasing
// periodic transmission as §6.8.7 requires).
package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// SlowTxInterval is the minimum Desired Min TX Interval advertised while the
// session is not Up (RFC 5880 §6.8.3).
const SlowTxInterval = time.Second

// Defaults of the user's reports: 300 ms × 3 = 900 ms detection.
const (
	DefaultTxInterval = 300 * time.Millisecond
	DefaultRxInterval = 300 * time.Millisecond
	DefaultMultiplier = 3
)

// DefaultMaxDetectionTime is the cap of the Detection Time when the
// configuration sets none: no remote system can make a failure take longer
// than this to detect.
const DefaultMaxDetectionTime = 30 * time.Second

// maxInterval is the largest interval a 32-bit microsecond field carries.
const maxInterval = time.Duration(1<<32-1) * time.Microsecond

// Auth is the authentication configuration of a session (RFC 5880 §6.7).
type Auth struct {
	Type   packet.AuthType
	KeyID  uint8
	Secret []byte // 1..16 bytes (simple, MD5), 1..20 bytes (SHA1)
}

// Config holds the parameters of a session that an operator sets.
type Config struct {
	DesiredMinTx  time.Duration // bfd.DesiredMinTxInterval once Up
	RequiredMinRx time.Duration // bfd.RequiredMinRxInterval
	DetectMult    uint8         // bfd.DetectMult
	// MaxDetectionTime caps the Detection Time the remote system can ask
	// for with a long DesiredMinTxInterval and a large multiplier (up to
	// 71 minutes × 255 on the wire): 0 means DefaultMaxDetectionTime. It
	// is never below DetectMult × RequiredMinRx, what this system itself
	// asks for.
	MaxDetectionTime time.Duration
	Passive          bool  // take the Passive role (§6.1)
	Auth             *Auth // nil: no authentication
}

// Validate reports the first invalid field of c, naming it.
func (c *Config) Validate() error {
	switch {
	case c.DesiredMinTx <= 0 || c.DesiredMinTx > maxInterval:
		return fmt.Errorf("tx interval %v: must be between 1µs and %v", c.DesiredMinTx, maxInterval)
	case c.RequiredMinRx <= 0 || c.RequiredMinRx > maxInterval:
		return fmt.Errorf("rx interval %v: must be between 1µs and %v", c.RequiredMinRx, maxInterval)
	case c.DetectMult == 0:
		return errors.New("multiplier: must be between 1 and 255")
	case c.MaxDetectionTime < 0:
		return fmt.Errorf("max detection time %v: must not be negative", c.MaxDetectionTime)
	}
	return c.validateAuth()
}

func (c *Config) validateAuth() error {
	a := c.Auth
	if a == nil {
		return nil
	}
	max := 16
	switch a.Type {
	case packet.AuthSimplePassword, packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5:
	case packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1:
		max = 20
	default:
		return fmt.Errorf("auth type %d: unknown", a.Type)
	}
	if len(a.Secret) == 0 || len(a.Secret) > max {
		return fmt.Errorf("auth secret: %s needs 1 to %d bytes, got %d", a.Type, max, len(a.Secret))
	}
	return nil
}

// Transition describes a change of bfd.SessionState.
type Transition struct {
	From, To packet.State
	Diag     packet.Diag // bfd.LocalDiag after the change
}

// Result tells the owner what a call caused.
type Result struct {
	// Changed is true when Transition holds a state change.
	Changed    bool
	Transition Transition
	// SendFinal asks the owner to transmit a packet with the Final bit now
	// (§6.8.7: a Poll is answered at once, regardless of timers).
	SendFinal bool
	// Drop is non-zero when the packet was discarded.
	Drop DropReason
	// PollDone is true when a Poll Sequence of ours completed.
	PollDone bool
}

// DropReason says why the session discarded a packet.
type DropReason uint8

// Reasons for discarding a packet at session level (RFC 5880 §6.8.6, §6.7).
const (
	DropNone           DropReason = iota
	DropAuthMissing               // A bit clear but authentication configured
	DropAuthUnexpected            // A bit set but no authentication configured
	DropAuthType                  // Auth Type differs from bfd.AuthType
	DropAuthKeyID                 // Auth Key ID not configured
	DropAuthDigest                // password or digest does not verify
	DropAuthSequence              // sequence number outside the window
	DropAdminDown                 // bfd.SessionState is AdminDown
	NumDropReasons
)

var dropNames = [...]string{"none", "auth_missing", "auth_unexpected", "auth_type_mismatch",
	"auth_key_id_mismatch", "auth_digest_mismatch", "auth_sequence_out_of_window", "session_admin_down"}

// String returns a snake_case counter label.
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return "unknown"
}

// IsAuth reports whether r is an authentication failure.
func (r DropReason) IsAuth() bool { return r >= DropAuthMissing && r <= DropAuthSequence }
