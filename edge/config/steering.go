package config

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/session"
)

// The steering part of a configuration (SLA classes, applications,
// policies, steering timers, quality model) is a policy.Set, embedded in
// Config and compiled by policy.Set.Compile; this file holds the BFD
// timers of the paths.

// Defaults of BFD inside a path tunnel: the 100 ms × 3 (a path
// dead for 300 ms loses its flows). The link socket is the only thing
// between the sessions, so these are cheap: 10 packets/s each way.
const (
	DefaultPathBFDInterval   = 100 * time.Millisecond
	DefaultPathBFDMultiplier = 3
)

// checkPathBFD validates the BFD timers of the paths: defaults.bfd, with
// defaults.bfd_by_color overriding them for paths whose local link has
// that colour.
func checkPathBFD(e *errs, c *Config, links []ValidLink) (session.Config, map[string]session.Config) {
	def := checkBFDTimers(e, "defaults.bfd", c.Defaults.BFD, session.Config{
		DesiredMinTx: DefaultPathBFDInterval, RequiredMinRx: DefaultPathBFDInterval, DetectMult: DefaultPathBFDMultiplier})
	colors := map[string]bool{}
	for _, l := range links {
		colors[l.Color] = true
	}
	var by map[string]session.Config
	for col, b := range c.Defaults.BFDByColor {
		at := "defaults.bfd_by_color." + col
		if !colors[col] {
			e.add(at, "no link of this site has colour %q", col)
			continue
		}
		if by == nil {
			by = map[string]session.Config{}
		}
		by[col] = checkBFDTimers(e, at, b, def)
	}
	return def, by
}

// PathBFD returns the BFD timers of paths over a local link of colour.
func (v *Valid) PathBFD(color string) session.Config {
	if c, ok := v.BFDByColor[color]; ok {
		return c
	}
	return v.BFD
}
