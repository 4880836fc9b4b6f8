package packet

import "fmt"

// MarshalText encodes the state by name, so JSON output reads "up", not 3.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalText encodes the diagnostic by its snake_case RFC 5880 name.
func (d Diag) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalText encodes the authentication type by its command-line name.
func (a AuthType) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText is the inverse of State.MarshalText.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("bfd: unknown state %q", b)
}

// UnmarshalText is the inverse of Diag.MarshalText.
func (d *Diag) UnmarshalText(b []byte) error {
	for i, n := range diagNames {
		if n == string(b) {
			*d = Diag(i)
			return nil
		}
	}
	return fmt.Errorf("bfd: unknown diagnostic %q", b)
}
