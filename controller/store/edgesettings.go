package store

import (
	"fmt"
	"time"
)

// EdgeSettings are a site's edge settings as the controller keeps and
// pushes them (edge/config's defaults and overlay.mtu). Zero fields take
// the edge's defaults. The edge validates them whole (edge/config); the
// store checks what it relies on.
type EdgeSettings struct {
	// Compression: nil is the edge's default (off).
	Compression *bool      `json:"compression,omitempty"`
	BFD         *BFDTimers `json:"bfd,omitempty"`
	// BFDByColor overrides BFD for the paths over the site's links of a
	// colour; colours no link of the site has are not sent to its edge.
	BFDByColor  map[string]BFDTimers `json:"bfd_by_color,omitempty"`
	BFDAdaptive *BFDAdaptive         `json:"bfd_adaptive,omitempty"`
	// OverlayMTU: 0 is the edge's default (1420).
	OverlayMTU int `json:"overlay_mtu,omitempty"`
}

// BFDTimers are BFD session parameters; zero fields take the edge's
// defaults.
type BFDTimers struct {
	TxInterval time.Duration `json:"tx_interval,omitempty"`
	RxInterval time.Duration `json:"rx_interval,omitempty"`
	Multiplier int           `json:"multiplier,omitempty"`
}

// BFDAdaptive is adaptive BFD; Enabled nil is on.
type BFDAdaptive struct {
	Enabled          *bool         `json:"enabled,omitempty"`
	IdleRxInterval   time.Duration `json:"idle_rx_interval,omitempty"`
	RealtimeInterval time.Duration `json:"realtime_interval,omitempty"`
}

// Validate checks what the store relies on: numbers in range.
func (e EdgeSettings) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &Error{Kind: ErrInvalid, Entity: "edge settings", Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if e.OverlayMTU != 0 && (e.OverlayMTU < 1280 || e.OverlayMTU > 9000) {
		return bad("overlay_mtu", "%d: must be 1280..9000 (0: the edge's default)", e.OverlayMTU)
	}
	check := func(at string, b BFDTimers) error {
		if b.TxInterval < 0 || b.RxInterval < 0 {
			return bad(at, "intervals must not be negative")
		}
		if b.Multiplier < 0 || b.Multiplier > 255 {
			return bad(at+".multiplier", "%d: must be 1..255 (0: the edge's default)", b.Multiplier)
		}
		return nil
	}
	if e.BFD != nil {
		if err := check("bfd", *e.BFD); err != nil {
			return err
		}
	}
	for col, b := range e.BFDByColor {
		if err := check("bfd_by_color."+col, b); err != nil {
			return err
		}
	}
	if a := e.BFDAdaptive; a != nil && (a.IdleRxInterval < 0 || a.RealtimeInterval < 0) {
		return bad("bfd_adaptive", "intervals must not be negative")
	}
	return nil
}
