package packet

// Error is a reason a packet was rejected by Decode, or a Control could not be
// encoded or signed. Each value names the RFC rule it enforces. Error is a
// small integer, so returning it as an error does not allocate, and counters
// can be arrays indexed by it: var drops [NumErrors]uint64.
type Error uint8

// Errors returned by Decode, in the order of the checks of RFC 5880 §6.8.6,
// followed by the checks of the authentication section.
const (
	ErrTooShort          Error = iota + 1 // payload shorter than the mandatory section
	ErrVersion                            // Vers is not 1
	ErrLength                             // Length below 24, or below 26 with the A bit
	ErrTruncated                          // Length greater than the payload
	ErrDetectMult                         // Detect Mult is zero
	ErrMultipoint                         // M bit set
	ErrMyDiscriminator                    // My Discriminator is zero
	ErrYourDiscriminator                  // Your Discriminator zero in state Init or Up
	ErrAuthType                           // Auth Type 0 (reserved) or above 5
	ErrAuthLength                         // Auth Len wrong for the Auth Type
	ErrAuthSection                        // Length is not 24 + Auth Len
)

// Errors returned only by Encode and Sign.
const (
	ErrShortBuffer Error = iota + ErrAuthSection + 1 // output buffer shorter than Len()
	ErrDiag                                          // Diag does not fit in 5 bits
	ErrState                                         // State does not fit in 2 bits
	ErrKeyLength                                     // key length invalid for the Auth Type

	lastError = ErrKeyLength
)

// NumErrors is one more than the largest Error, the length of an array indexed
// by Error. Index 0 is not a valid Error.
const NumErrors = int(lastError) + 1

// Errors lists every Error, for registering counters.
var Errors = [...]Error{
	ErrTooShort, ErrVersion, ErrLength, ErrTruncated, ErrDetectMult,
	ErrMultipoint, ErrMyDiscriminator, ErrYourDiscriminator, ErrAuthType,
	ErrAuthLength, ErrAuthSection, ErrShortBuffer, ErrDiag, ErrState,
	ErrKeyLength,
}

type errorText struct{ msg, reason string }

var errorTexts = [NumErrors]errorText{
	ErrTooShort:          {"bfd: packet shorter than the 24-byte mandatory section (RFC 5880 §6.8.6)", "too_short"},
	ErrVersion:           {"bfd: version is not 1 (RFC 5880 §6.8.6)", "bad_version"},
	ErrLength:            {"bfd: length field below 24, or 26 with the A bit set (RFC 5880 §6.8.6)", "length_too_small"},
	ErrTruncated:         {"bfd: length field greater than the payload (RFC 5880 §6.8.6)", "length_exceeds_payload"},
	ErrDetectMult:        {"bfd: detect multiplier is zero (RFC 5880 §6.8.6)", "detect_mult_zero"},
	ErrMultipoint:        {"bfd: multipoint bit is set (RFC 5880 §6.8.6)", "multipoint_set"},
	ErrMyDiscriminator:   {"bfd: my discriminator is zero (RFC 5880 §6.8.6)", "my_discriminator_zero"},
	ErrYourDiscriminator: {"bfd: your discriminator is zero and state is not down or admin down (RFC 5880 §6.8.6)", "your_discriminator_zero"},
	ErrAuthType:          {"bfd: auth type is reserved (RFC 5880 §4.1)", "auth_type_reserved"},
	ErrAuthLength:        {"bfd: auth len is wrong for the auth type (RFC 5880 §4.2-4.4, §6.7)", "auth_len_invalid"},
	ErrAuthSection:       {"bfd: length field is not 24 plus auth len (RFC 5880 §4.1)", "auth_section_mismatch"},
	ErrShortBuffer:       {"bfd: buffer shorter than the encoded packet", "short_buffer"},
	ErrDiag:              {"bfd: diagnostic does not fit in 5 bits (RFC 5880 §4.1)", "diag_out_of_range"},
	ErrState:             {"bfd: state does not fit in 2 bits (RFC 5880 §4.1)", "state_out_of_range"},
	ErrKeyLength:         {"bfd: key length is invalid for the auth type (RFC 5880 §4.2-4.4)", "key_length_invalid"},
}

// Error returns a message naming the rule, for example
// "bfd: detect multiplier is zero (RFC 5880 §6.8.6)".
func (e Error) Error() string {
	if e == 0 || int(e) >= NumErrors {
		return "bfd: unknown packet error"
	}
	return errorTexts[e].msg
}

// Reason returns a stable snake_case label for counters, for example
// "detect_mult_zero".
func (e Error) Reason() string {
	if e == 0 || int(e) >= NumErrors {
		return "unknown"
	}
	return errorTexts[e].reason
}
