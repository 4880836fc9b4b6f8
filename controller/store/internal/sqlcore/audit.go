package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// AddAudit implements store.AuthStore.
func (s *Store) AddAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if e.Action == "" {
		return e, &store.Error{Kind: store.ErrInvalid, Entity: "audit", Field: "action", Msg: "empty"}
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	if !json.Valid(e.Detail) {
		return e, &store.Error{Kind: store.ErrInvalid, Entity: "audit", Field: "detail", Msg: "not JSON"}
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = fromUS(us(e.At))
	err := s.write(ctx, "add audit", func(t *tx) error {
		return t.QueryRow(ctx, `INSERT INTO audit_log (ts, actor, role, method, source_ip, user_agent, action, target, outcome, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			us(e.At), e.Actor, e.Role, e.Method, e.SourceIP, e.UserAgent, e.Action, e.Target, e.Outcome, string(e.Detail)).Scan(&e.ID)
	})
	return e, err
}

// auditWhere builds the WHERE clause of q; every value is a parameter.
func auditWhere(q store.AuditQuery) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if q.Action != "" && strings.HasSuffix(q.Action, ".") {
		// A prefix: compared with substr, so '%' and '_' mean themselves.
		add("substr(action, 1, ?)", int64(utf8.RuneCountInString(q.Action)))
		conds[len(conds)-1] += " = " + fmt.Sprintf("$%d", len(args)+1)
		args = append(args, q.Action)
	} else if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.Outcome != "" {
		add("outcome = ?", q.Outcome)
	}
	if !q.Since.IsZero() {
		add("ts >= ?", us(q.Since))
	}
	if !q.Until.IsZero() {
		add("ts < ?", us(q.Until))
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// AuditLog implements store.AuthStore.
func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = store.DefaultAuditLimit
	}
	where, args := auditWhere(q)
	query := `SELECT id, ts, actor, role, method, source_ip, user_agent, action, target, outcome, detail FROM audit_log` +
		where + fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	var out []store.AuditEntry
	err := s.view(ctx, "audit log", func(qr Querier) error {
		return each(ctx, qr, query, func(r Row) error {
			var e store.AuditEntry
			var ts int64
			var detail string
			if err := r.Scan(&e.ID, &ts, &e.Actor, &e.Role, &e.Method, &e.SourceIP, &e.UserAgent, &e.Action, &e.Target, &e.Outcome, &detail); err != nil {
				return err
			}
			e.At, e.Detail = fromUS(ts), json.RawMessage(detail)
			out = append(out, e)
			return nil
		}, args...)
	})
	return out, err
}

// How long sign-in leftovers are kept (Maintain).
const (
	// usedTOTPKeep: a used TOTP step matters only while its code is
	// accepted (a few 30 s steps).
	usedTOTPKeep = time24h
	// endedSessionKeep: revoked sessions are kept a day for inspection.
	endedSessionKeep = time24h
	time24h          = int64(24 * 3600 * 1e6)
)

// pruneAuth deletes used TOTP steps older than a day, sessions expired
// or revoked more than a day ago and expired setup tokens.
func pruneAuth(ctx context.Context, t *tx, now int64) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{"DELETE FROM totp_used WHERE used_at < $1", now - usedTOTPKeep},
		{"DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1", now - endedSessionKeep},
		{"DELETE FROM setup_tokens WHERE expires_at < $1", now},
	} {
		n, err := t.Exec(ctx, q.sql, q.arg)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
