package classify

import "github.com/patronus-sdwan/patronus/internal/fielderr"

// Config is the applications part of an edge configuration. Its written
// form (YAML, JSON, proto) is package policy's Application, which
// policy.Set.Compile turns into this; NewRules validates and compiles it.
//
//	applications:
//	  - name: crm
//	    class: interactive
//	    match: {cidrs: [203.0.113.0/24], protocols: [tcp], ports: ["443"]}
//	  - name: voip
//	    class: voice
//	    match: {protocols: [udp], ports: ["5060", "10000-20000"]}
//	    match_any:
//	      - {dscp: [ef]}
//	  - name: web          # same name as a built-in: replaces it
//	    class: default
//	    match: {domains: [intranet.example.com, "*.example.com"]}
type Config struct {
	// Applications are tried in order before the built-in catalogue; the
	// first that matches a flow wins. One named like a built-in
	// application replaces it.
	Applications []AppConfig
	// DisableBuiltin leaves the built-in catalogue out.
	DisableBuiltin bool
}

// AppConfig is one application: a name, the SLA class its flows get, and
// its rules. The application matches a flow when Match or any of
// MatchAny matches.
type AppConfig struct {
	Name     string
	Class    string
	Match    MatchConfig
	MatchAny []MatchConfig
	// Source documents where a built-in entry's ports and domains come
	// from; it is not read from configuration.
	Source string
}

// MatchConfig is one rule. Every criterion given must hold; within one
// criterion any value will do; an empty criterion matches everything.
//
// A rule describes a flow from its client: CIDRs, ports and domains are
// the server's side, SourceCIDRs the client's. A packet matches when it
// goes from client to server or from server to client, so both edges of
// a flow (each of which forwards one direction) agree on its application.
type MatchConfig struct {
	// CIDRs are server prefixes ("192.0.2.0/24", "2001:db8::/32") or
	// addresses.
	CIDRs []string
	// SourceCIDRs are client prefixes or addresses.
	SourceCIDRs []string
	// Protocols are names (tcp, udp, sctp, icmp, icmpv6) or numbers 0–255.
	Protocols []string
	// Ports are server ports or ranges ("443", "16384-32767") of TCP, UDP
	// or SCTP.
	Ports []string
	// DSCP are code points: 0–63 or names (ef, va, le, af11…af43, cs0…cs7).
	DSCP []string
	// Domains are server names: exact ("zoom.us") or every name below a
	// suffix ("*.zoom.us", which does not match zoom.us itself). Names come
	// from the TLS SNI of the flow or from DNS answers for its server
	// address.
	Domains []string
}

func (m *MatchConfig) empty() bool {
	return len(m.CIDRs)+len(m.SourceCIDRs)+len(m.Protocols)+len(m.Ports)+len(m.DSCP)+len(m.Domains) == 0
}

// errs collects the problems of a Config by field path.
type errs struct{ list fielderr.List }

func (e *errs) add(path, format string, args ...any) { e.list.Add(path, format, args...) }

func (e *errs) err() error { return e.list.Err() }
