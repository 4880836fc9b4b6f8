package dataplane

import "time"

// OpenLinks opens the kernel sockets of cfg's WAN links (edge/wgbind),
// for the tests that run sites over real UDP on the loopback interface.
var OpenLinks = openLinks

// SetRotateTimers sets rotateUpTimeout and keyRetryAfter until the
// returned function puts them back. Only while no data plane runs.
func SetRotateTimers(upTimeout, retryAfter time.Duration) (restore func()) {
	u, r := rotateUpTimeout, keyRetryAfter
	rotateUpTimeout, keyRetryAfter = upTimeout, retryAfter
	return func() { rotateUpTimeout, keyRetryAfter = u, r }
}
