package server

import (
	"errors"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Observer is told what the server does, for the controller's metrics
// (controller/metrics implements it). Its methods must not block: they
// run on the streams' and the ingest writer's goroutines.
type Observer interface {
	// StreamOpened: a gRPC stream of method (its short name,
	// "WatchConfig", "Report") passed authorization; closed is called
	// when it ends.
	StreamOpened(method string) (closed func())
	// EdgeCertificate: a site's control stream presented a certificate
	// valid until notAfter.
	EdgeCertificate(network, site string, notAfter time.Time)
	// IngestPending: delta telemetry batches were handed to the writers
	// (+1) or answered (-1).
	IngestPending(delta int)
	// IngestGroup: a group commit of n batches took d.
	IngestGroup(n int, d time.Duration)
	// StoreCall: the store call op (one of the Op… names) took d and
	// returned err.
	StoreCall(op string, d time.Duration, err error)
	// Enrolment: an enrolment was accepted (reason "") or refused for
	// reason (one of the Refused… names).
	Enrolment(reason string)
}

// Store calls the server reports to its Observer.
const (
	OpRecordTelemetry = "record_telemetry" // an ingest group commit, or a batch alone after the group failed
	OpLoadSnapshot    = "load_snapshot"    // a network's configuration, once per revision
	OpLoadSites       = "load_sites"       // a network's sites, at each revision
	OpEnrolSite       = "enrol_site"       // consuming a join token
)

// Reasons an enrolment is refused.
const (
	RefusedRateLimited = "rate_limited"  // too many attempts from the source address
	RefusedBadToken    = "bad_token"     // not a join token
	RefusedOtherCA     = "other_ca"      // a token of another controller
	RefusedBadCSR      = "bad_csr"       // the CSR does not parse, verify, or is not P-256
	RefusedBadKey      = "bad_key"       // the WireGuard public key
	RefusedSiteName    = "bad_site_name" // an invalid name, or not the token's
	RefusedToken       = "token_refused" // unknown, used, expired or revoked
	RefusedStore       = "store_error"   // the store failed
	RefusedSignError   = "sign_error"    // the CA failed to sign
)

// enrolRefusal names an error of EnrolSite.
func enrolRefusal(err error) string {
	for _, e := range []error{store.ErrTokenUnknown, store.ErrTokenUsed, store.ErrTokenExpired, store.ErrTokenRevoked} {
		if errors.Is(err, e) {
			return RefusedToken
		}
	}
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
		return RefusedSiteName
	}
	return RefusedStore
}

// nopObserver is the Observer when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) StreamOpened(string) func()                { return func() {} }
func (nopObserver) EdgeCertificate(string, string, time.Time) {}
func (nopObserver) IngestPending(int)                         {}
func (nopObserver) IngestGroup(int, time.Duration)            {}
func (nopObserver) StoreCall(string, time.Duration, error)    {}
func (nopObserver) Enrolment(string)                          {}

// timed reports the store call op, begun at start, to o.
func timed(o Observer, op string, start time.Time, err error) {
	o.StoreCall(op, time.Since(start), err)
}
