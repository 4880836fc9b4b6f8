package manage

import (
	"context"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// MaxAuditPage is the most audit entries one query returns.
const MaxAuditPage = 1000

// AuditLog returns audit entries, newest first (administrators only). q's
// Limit is 1 to MaxAuditPage (0: 100); q.BeforeID pages on.
func (s *Service) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	if _, err := Authorize(ctx, auth.Administer); err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > MaxAuditPage {
		return nil, invalid("limit", "%d not in 0..%d", q.Limit, MaxAuditPage)
	}
	if q.BeforeID < 0 {
		return nil, invalid("before_id", "negative")
	}
	for _, f := range [][2]string{{"actor", q.Actor}, {"action", q.Action}, {"outcome", q.Outcome}} {
		if len(f[1]) > 256 {
			return nil, invalid(f[0], "longer than 256 bytes")
		}
	}
	if q.Outcome != "" && q.Outcome != "success" && q.Outcome != "failure" {
		return nil, invalid("outcome", "%q is neither success nor failure", q.Outcome)
	}
	out, err := s.cfg.Audit.AuditLog(ctx, q)
	return out, s.wrap("audit log", err)
}
