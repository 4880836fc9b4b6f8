// Package agent is the edge's side of the control channel: it enrols the
// edge with a controller once, with a join token, and from then on holds
// a mutual-TLS channel to it, over which it watches the edge's
// configuration (EdgeControl.WatchConfig) and streams telemetry
// (EdgeControl.Report), and renews its certificate at two thirds of its
// lifetime (EdgeControl.RenewCertificate, renew.go).
//
// Everything the agent keeps lives in one state directory (mode 0700,
// every file 0600, every write atomic):
//
//	identity.key, identity.crt, ca.crt  the TLS identity (controller/pki SaveIdentity)
//	wireguard.key                       the site's WireGuard private key; only its public key leaves the edge
//	                                    (made before enrolment; an enrolled edge without it refuses to start:
//	                                    ErrWireGuardKeyLost, recovered with patronus ctl sites reset)
//	enrolment.json                      site id, name, network and controller endpoints from the enrolment
//	config.json                         the last configuration applied (EdgeConfig, protobuf JSON)
//
// A pushed configuration is turned into the edge's own config.Config and
// checked by its Validate, the same validator a YAML file goes through,
// so both describe the same edge and are refused the same way. A valid
// one is handed to the caller's Apply; only once Apply accepted it is it
// written to disk and reported as the revision the edge runs. On start
// the saved configuration is applied before the controller is called,
// so an edge comes up without its controller (headless operation).
//
// The channel's connections are bound to a WAN link of the configuration
// in force (Options.Links), the cheapest that reaches the controller; the
// Report stream's acknowledgements tell a dead link within seconds, and
// the channel moves to the next link, then back to the cheaper one once
// it answers probes (ctlink.go, linkchoice.go).
package agent
