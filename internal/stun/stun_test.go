package stun

import (
	"net/netip"
	"testing"

	pion "github.com/pion/stun/v3"
)

func TestLooks(t *testing.T) {
	req, err := pion.Build(pion.TransactionID, pion.BindingRequest, pion.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	wg := func(typ byte, n int) []byte { b := make([]byte, n); b[0] = typ; return b }
	cookieInit := wg(1, 148) // an initiation whose sender index is the magic cookie
	copy(cookieInit[4:], []byte{0x21, 0x12, 0xa4, 0x42})
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"binding request", req.Raw, true},
		{"wireguard initiation", wg(1, 148), false},
		{"initiation with the cookie as sender index", cookieInit, false},
		{"wireguard response", wg(2, 92), false},
		{"wireguard cookie reply", wg(3, 64), false},
		{"wireguard keepalive", wg(4, 32), false},
		{"truncated stun", req.Raw[:19], false},
		{"stun with a wrong length", append(append([]byte{}, req.Raw...), 0, 0, 0, 0), false},
		{"empty", nil, false},
	} {
		if got := Looks(c.b); got != c.want {
			t.Errorf("%s: Looks = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, c := range []struct {
		cfg   Config
		field string
	}{
		{Config{Listen: ap("0.0.0.0:3478"), Alternate: ap("192.0.2.1:3479")}, "stun.listen"},
		{Config{Listen: ap("192.0.2.1:3478")}, "stun.alternate"},
		{Config{Listen: ap("192.0.2.1:3478"), Alternate: ap("192.0.2.2:3478")}, "stun.alternate"},
		{Config{Listen: ap("192.0.2.1:3478"), Alternate: ap("[2001:db8::1]:3479")}, "stun.alternate"},
	} {
		err := c.cfg.Validate()
		if err == nil || err.Error()[:len(c.field)] != c.field {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.field)
		}
	}
	if err := (Config{Listen: ap("192.0.2.1:3478"), Alternate: ap("192.0.2.1:3479")}).Validate(); err != nil {
		t.Error(err)
	}
}

// FuzzAnswer: no datagram makes the responder panic, and it answers
// nothing but Binding requests.
func FuzzAnswer(f *testing.F) {
	req, _ := pion.Build(pion.TransactionID, pion.BindingRequest, pion.Fingerprint)
	f.Add(req.Raw)
	ch, _ := pion.Build(pion.TransactionID, pion.BindingRequest, changeReq(ChangeIP|ChangePort))
	f.Add(ch.Raw)
	f.Add([]byte{1, 0, 0, 0})
	s := &Server{cfg: Config{Listen: netip.MustParseAddrPort("192.0.2.1:3478"), Alternate: netip.MustParseAddrPort("192.0.2.1:3479")}}
	src := netip.MustParseAddrPort("198.51.100.7:40000")
	f.Fuzz(func(t *testing.T, b []byte) {
		if !Looks(b) {
			return
		}
		reqM, resp := new(pion.Message), new(pion.Message)
		from, err := s.answer(s.cfg.Listen, src, b, reqM, resp)
		if err != nil {
			return
		}
		if reqM.Type != pion.BindingRequest {
			t.Fatalf("answered a %v", reqM.Type)
		}
		if from != s.cfg.Listen && from.Addr() != s.cfg.Listen.Addr() {
			t.Fatalf("answered from %v, not one of ours", from)
		}
	})
}

type changeReq byte

func (f changeReq) AddTo(m *pion.Message) error {
	m.Add(pion.AttrChangeRequest, []byte{0, 0, 0, byte(f)})
	return nil
}
