package manage

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// MaxPinTTL bounds PinInput.TTL: a year (as the Admin service's SetPin);
// a pin meant to last longer is set without a TTL.
const MaxPinTTL = 366 * 24 * time.Hour

// PinInput is a path pin to set: the site whose edge applies it, the
// flows it matches (as the APIs take them, checked by ParsePinMatch) and
// the path ("site/link->peer/link", either end first; the site must be
// one of them). TTL 0: until deleted.
type PinInput struct {
	Site  string
	Match PinMatchText
	Path  string
	TTL   time.Duration
}

// Pins lists a network's path pins, of one site or (site "") of all, by
// ID: the order an edge tries them in. Expired pins not yet removed are
// listed (store.Pin.Active tells them apart).
func (s *Service) Pins(ctx context.Context, network, site string) ([]store.Pin, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if site != "" {
		if err := required("site", site); err != nil {
			return nil, err
		}
	}
	pins, err := s.cfg.Store.Pins(ctx, network, site)
	return pins, s.wrap("pins", err)
}

// SetPin stores a path pin; the same site and match again replaces the
// pin (it keeps its ID). Its author is the principal's subject and its
// expiry now + TTL by the service's clock. The site's edge gets it with
// its next configuration.
func (s *Service) SetPin(ctx context.Context, network string, in PinInput) (store.Pin, error) {
	detail := map[string]any{"site": in.Site, "match": in.Match, "path": in.Path}
	if in.TTL != 0 {
		detail["ttl"] = in.TTL.String()
	}
	o, err := s.begin(ctx, auth.Operate, "pin.set", siteTarget(network, in.Site)+"/pin", detail)
	if err != nil {
		return store.Pin{}, err
	}
	p, err := s.setPin(ctx, o, network, in)
	if err == nil {
		o.target += "/" + strconv.FormatInt(p.ID, 10)
		detail["path"], detail["match"] = p.Path, MatchText(p.Match)
		if !p.ExpiresAt.IsZero() {
			detail["expires_at"] = p.ExpiresAt.UTC().Format(time.RFC3339Nano)
		}
	}
	return p, o.done(ctx, err)
}

func (s *Service) setPin(ctx context.Context, o *op, network string, in PinInput) (store.Pin, error) {
	if err := firstErr(required("network", network), required("site", in.Site), requiredText("path", in.Path)); err != nil {
		return store.Pin{}, err
	}
	if in.TTL < 0 || in.TTL > MaxPinTTL {
		return store.Pin{}, invalid("ttl", "%v is not between 0 and %v (0: until deleted)", in.TTL, MaxPinTTL)
	}
	match, err := ParsePinMatch(in.Match)
	if err != nil {
		return store.Pin{}, err
	}
	now := s.cfg.Now()
	spec := store.PinSpec{Site: in.Site, Match: match, Path: in.Path, CreatedBy: o.p.Subject}
	if in.TTL > 0 {
		spec.ExpiresAt = now.Add(in.TTL)
	}
	if _, err := spec.Validate(now); err != nil {
		return store.Pin{}, pinError(err)
	}
	p, err := s.cfg.Store.PutPin(ctx, network, spec)
	if err != nil {
		return store.Pin{}, pinError(err)
	}
	s.event(ctx, network, p.Site, "pin_set", fmt.Sprintf("pin %d: %s over %s, by %s", p.ID, p.Match, p.Path, o.p.Subject))
	return p, nil
}

// DeletePin deletes a pin by ID; the edge that applied it drops it with
// its next configuration.
func (s *Service) DeletePin(ctx context.Context, network string, id int64) error {
	o, err := s.begin(ctx, auth.Operate, "pin.delete", networkTarget(network)+"/pin/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return err
	}
	err = required("network", network)
	if err == nil && id <= 0 {
		err = invalid("id", "%d is not a pin id", id)
	}
	if err == nil {
		err = s.cfg.Store.DeletePin(ctx, network, id)
	}
	if err == nil {
		s.event(ctx, network, "", "pin_deleted", fmt.Sprintf("pin %d, by %s", id, o.p.Subject))
	}
	return o.done(ctx, err)
}

// pinError names a store error's field as the store does, under its
// entity: "pin.path", "pin.match.protocol".
func pinError(err error) error {
	var se *store.Error
	if !errors.As(err, &se) {
		return err
	}
	field := se.Field
	if field != "" && se.Entity != "" {
		field = se.Entity + "." + field
	}
	e := ErrorOf(err)
	if e.Code == CodeInternal {
		return e
	}
	return &Error{Code: e.Code, Field: field, Msg: e.Msg, Err: err}
}

// requiredText checks that a free-form input is given and not huge.
func requiredText(field, v string) error {
	if v == "" {
		return invalid(field, "required")
	}
	if len(v) > 512 {
		return invalid(field, "longer than 512 bytes")
	}
	return nil
}

// event records an event in the network's event log (as the Admin
// service does for the same changes); a failure is logged only.
func (s *Service) event(ctx context.Context, network, site, kind, reason string) {
	if err := s.cfg.Store.AddEvents(ctx, network, []store.Event{{TS: s.cfg.Now(), Site: site, Kind: kind, Reason: reason}}); err != nil {
		s.log.Warn("record event", "network", network, "site", site, "kind", kind, "err", err)
	}
}

// PinMatchText is a pin's match as the APIs take it: a protocol number,
// prefixes as text ("" any) and ports; zero fields match anything.
type PinMatchText struct {
	Protocol int64  `json:"protocol,omitempty"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	SrcPort  int64  `json:"src_port,omitempty"`
	DstPort  int64  `json:"dst_port,omitempty"`
}

// MatchText is m in the APIs' form.
func MatchText(m store.PinMatch) PinMatchText {
	out := PinMatchText{Protocol: int64(m.Protocol), SrcPort: int64(m.SrcPort), DstPort: int64(m.DstPort)}
	if m.Src.IsValid() {
		out.Src = m.Src.String()
	}
	if m.Dst.IsValid() {
		out.Dst = m.Dst.String()
	}
	return out
}

// ParsePinMatch checks and converts m; errors name the field as the
// store's do ("pin.match.protocol", "pin.match.src", …).
func ParsePinMatch(m PinMatchText) (store.PinMatch, error) {
	var out store.PinMatch
	if m.Protocol < 0 || m.Protocol > 255 {
		return out, invalid("pin.match.protocol", "%d is not 0..255", m.Protocol)
	}
	for _, f := range []struct {
		name string
		v    int64
		dst  *uint16
	}{{"pin.match.src_port", m.SrcPort, &out.SrcPort}, {"pin.match.dst_port", m.DstPort, &out.DstPort}} {
		if f.v < 0 || f.v > 65535 {
			return out, invalid(f.name, "%d is not 0..65535", f.v)
		}
		*f.dst = uint16(f.v)
	}
	out.Protocol = uint8(m.Protocol)
	for _, f := range []struct {
		name, text string
		dst        *netip.Prefix
	}{{"pin.match.src", m.Src, &out.Src}, {"pin.match.dst", m.Dst, &out.Dst}} {
		if f.text == "" {
			continue
		}
		p, err := netip.ParsePrefix(f.text)
		if err != nil {
			return out, invalid(f.name, "%q is not a CIDR prefix", f.text)
		}
		*f.dst = p
	}
	return out, pinError(out.Validate())
}
