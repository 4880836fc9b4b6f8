package alert

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Kind names a rule; it is the "kind" of every notice the rule sends.
type Kind string

// The rules (docs/ALERTS.md).
const (
	KindSiteOffline     Kind = "site_offline"
	KindPathDown        Kind = "path_down"
	KindSiteUnreachable Kind = "site_unreachable" // every path to the site is down
	KindSLAViolated     Kind = "sla_violated"
	KindFailoverStorm   Kind = "failover_storm"
	KindCertExpiring    Kind = "cert_expiring"
	KindStoreErrors     Kind = "store_errors"
	// KindTest is the notice `patronus ctl alerts webhook test` sends.
	KindTest Kind = "test"
)

// Kinds lists the rules' kinds.
var Kinds = []Kind{KindSiteOffline, KindPathDown, KindSiteUnreachable, KindSLAViolated, KindFailoverStorm, KindCertExpiring, KindStoreErrors}

// Status is an alert's state in a notice.
type Status string

// The statuses.
const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// Alert is one alert: a rule's condition on one subject, from the moment
// it fires to the moment it resolves. A notice (a webhook delivery) is an
// Alert as it was when it fired or resolved; it is also the JSON body of
// a delivery (docs/ALERTS.md, "Payload").
type Alert struct {
	// ID is the alert's: the firing and the resolved notice of one alert
	// carry the same ID; a later alert on the same subject gets another.
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Status Status `json:"status"`
	// At is when this notice's status began (fired or resolved).
	At      time.Time `json:"at"`
	Network string    `json:"network,omitempty"`
	// Site is the site the alert is about; for a path, the first end of
	// Path; "" for controller-wide alerts (certificates, the store).
	Site string `json:"site"`
	// Path is the path ("site1/inet->site2/lte", ends in name order) of
	// the path rules.
	Path string `json:"path,omitempty"`
	// Subject identifies what the alert is about within its rule and
	// network: "site/NAME", "path/ID", "cert/server", "store".
	Subject string `json:"subject"`
	Summary string `json:"summary"`
	// StartedAt is when the condition began (before For elapsed).
	StartedAt  time.Time      `json:"started_at"`
	ResolvedAt *time.Time     `json:"resolved_at,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
	// Test is true in the notices of `webhook test`.
	Test bool `json:"test,omitempty"`
	// Text is the Slack-compatible summary, for webhooks added with
	// --slack.
	Text string `json:"text,omitempty"`
}

// newID draws an alert ID.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SlackText is a's one-line summary for chat ("text").
func (a *Alert) SlackText() string {
	mark := ":red_circle: FIRING"
	if a.Status == StatusResolved {
		mark = ":large_green_circle: RESOLVED"
	}
	if a.Test {
		mark = ":large_blue_circle: TEST"
	}
	var b strings.Builder
	b.WriteString(mark + " " + string(a.Kind) + ": " + a.Summary)
	if a.Network != "" {
		b.WriteString(" (network " + a.Network + ")")
	}
	b.WriteString(" at " + a.At.UTC().Format(time.RFC3339))
	return b.String()
}

// canonicalPath orders a path ID's ends by name ("b/x->a/y" becomes
// "a/y->b/x"), so that both ends' reports name one path; ok is false for
// an ID that is not END->END with END = SITE/LINK.
func canonicalPath(id string) (path, siteA, siteB string, ok bool) {
	from, to, found := strings.Cut(id, "->")
	if !found {
		return "", "", "", false
	}
	sa, _, okA := strings.Cut(from, "/")
	sb, _, okB := strings.Cut(to, "/")
	if !okA || !okB || sa == "" || sb == "" {
		return "", "", "", false
	}
	if from > to {
		return to + "->" + from, sb, sa, true
	}
	return id, sa, sb, true // already in order: no new string
}
