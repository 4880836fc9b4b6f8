package auth

import (
	"context"
	"encoding/json"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// auditRec is what an audit entry of a sign-in or an administration call
// knows before its outcome.
type auditRec struct {
	Action, Actor, Role, Target string
	Method                      Method
	SourceIP, UserAgent         string
}

// audit writes an entry; detail must hold no secret.
func (s *Service) audit(ctx context.Context, r auditRec, outcome string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = s.st.AddAudit(ctx, store.AuditEntry{Actor: r.Actor, Role: r.Role, Method: string(r.Method), SourceIP: r.SourceIP,
		UserAgent: r.UserAgent, Action: r.Action, Target: r.Target, Outcome: outcome, Detail: d})
	if err != nil {
		s.log.Error("audit log write failed", "action", r.Action, "err", err)
	}
	return err
}

// auditFailure records a refused attempt with its reason; a failure to
// write is logged only.
func (s *Service) auditFailure(ctx context.Context, r auditRec, reason string) {
	s.audit(ctx, r, "failure", map[string]any{"reason": reason})
}

// auditBy records an administration call by the principal in ctx (the
// API's or ctl's caller), with what changed.
func (s *Service) auditBy(ctx context.Context, action, target string, err error, detail map[string]any) {
	p, _ := FromContext(ctx)
	outcome := "success"
	if err != nil {
		outcome = "failure"
		if detail == nil {
			detail = map[string]any{}
		}
		detail["error"] = err.Error()
	}
	r := auditRec{Action: action, Actor: p.Subject, Role: string(p.Role), Method: p.Method, Target: target}
	if m, ok := RequestMetaFrom(ctx); ok {
		r.SourceIP, r.UserAgent = m.SourceIP, m.UserAgent
	}
	s.audit(ctx, r, outcome, detail)
}
