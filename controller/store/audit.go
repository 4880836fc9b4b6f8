package store

import (
	"encoding/json"
	"time"
)

// AuditEntry is one line of the audit log: a mutation through the API or
// ctl, or a sign-in attempt.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Actor     string // user, API key or certificate name; "" when unknown (failed sign-in of no user)
	Role      string
	Method    string // auth.Method
	SourceIP  string
	UserAgent string
	// Action names the operation: "site.revoke", "policy.set",
	// "auth.login", "user.create", …
	Action string
	// Target names what it acted on: "network/default/site/branch1".
	Target string
	// Outcome is "success" or "failure".
	Outcome string
	// Detail is a JSON object: the request's fields (never a secret), and
	// "before"/"after" for changes of documents such as policy sets.
	Detail json.RawMessage
}

// AuditQuery selects audit entries, newest first; zero fields select all.
type AuditQuery struct {
	Actor    string
	Action   string // exact, or a prefix ending in "." ("site.")
	Outcome  string
	Since    time.Time
	Until    time.Time
	BeforeID int64 // entries with a smaller ID (the next page)
	Limit    int   // 0: 100; at most 1000
}
