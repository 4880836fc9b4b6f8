package sqlcore

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// PutSLAClass implements store.Store.
func (s *Store) PutSLAClass(ctx context.Context, network string, c store.SLAClass) (store.SLAClass, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.write(ctx, "put sla class", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		err = t.QueryRow(ctx, `INSERT INTO sla_classes (network_id, name, max_latency_us, max_jitter_us, max_loss_pct)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (network_id, name) DO UPDATE SET max_latency_us = excluded.max_latency_us,
				max_jitter_us = excluded.max_jitter_us, max_loss_pct = excluded.max_loss_pct
			RETURNING id`, netID, c.Name, c.MaxLatency.Microseconds(), c.MaxJitter.Microseconds(), c.MaxLossPct).Scan(&c.ID)
		if err != nil {
			return s.classify(err, "sla_class", "", "SLA class %q", c.Name)
		}
		return t.bump(ctx, netID)
	})
	return c, err
}

// SLAClasses implements store.Store.
func (s *Store) SLAClasses(ctx context.Context, network string) ([]store.SLAClass, error) {
	var out []store.SLAClass
	err := s.list(ctx, "sla classes", network, `SELECT id, name, max_latency_us, max_jitter_us, max_loss_pct
		FROM sla_classes WHERE network_id = $1 ORDER BY name`, func(r Row) error {
		var c store.SLAClass
		var lat, jit int64
		if err := r.Scan(&c.ID, &c.Name, &lat, &jit, &c.MaxLossPct); err != nil {
			return err
		}
		c.MaxLatency, c.MaxJitter = time.Duration(lat)*time.Microsecond, time.Duration(jit)*time.Microsecond
		out = append(out, c)
		return nil
	})
	return out, err
}

// list runs a query of one network (parameter $1) and scans each row.
func (s *Store) list(ctx context.Context, op, network, query string, scan func(Row) error, args ...any) error {
	if err := s.read(op); err != nil {
		return err
	}
	err := s.eng.ReadTx(ctx, func(q Querier) error {
		netID, err := s.netID(ctx, q, network)
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, query, append([]any{netID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return s.wrap(op, err)
}

// deleteNamed deletes a row of table by network and name and bumps the
// revision; a row still referenced is an ErrConstraint naming the referrer.
func (s *Store) deleteNamed(ctx context.Context, op, entity, table, network, name, referrer string) error {
	return s.write(ctx, op, func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM "+table+" WHERE network_id = $1 AND name = $2", netID, name)
		if err != nil {
			return s.classify(err, entity, "", "%s %q is still used by %s", entity, name, referrer)
		}
		if err := deleted(n, nil, entity, "%s %q does not exist in network %q", entity, name, network); err != nil {
			return err
		}
		return t.bump(ctx, netID)
	})
}

// DeleteSLAClass implements store.Store.
func (s *Store) DeleteSLAClass(ctx context.Context, network, name string) error {
	return s.deleteNamed(ctx, "delete sla class", "sla_class", "sla_classes", network, name, "a policy rule")
}

func encodePorts(rs []store.PortRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d-%d", r.From, r.To)
	}
	return strings.Join(parts, ",")
}

func decodePorts(s string) ([]store.PortRange, error) {
	var out []store.PortRange
	for _, part := range splitList(s) {
		a, b, ok := strings.Cut(part, "-")
		from, err1 := strconv.ParseUint(a, 10, 16)
		to, err2 := strconv.ParseUint(b, 10, 16)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("stored port range %q", part)
		}
		out = append(out, store.PortRange{From: uint16(from), To: uint16(to)})
	}
	return out, nil
}

func encodePrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func decodePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range splitList(s) {
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("stored prefix %q: %w", part, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// PutApplication implements store.Store.
func (s *Store) PutApplication(ctx context.Context, network string, a store.Application) (store.Application, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	err := s.write(ctx, "put application", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		err = t.QueryRow(ctx, `INSERT INTO applications (network_id, name, protocol, ports, prefixes, dscp)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (network_id, name) DO UPDATE SET protocol = excluded.protocol, ports = excluded.ports,
				prefixes = excluded.prefixes, dscp = excluded.dscp
			RETURNING id`, netID, a.Name, a.Protocol, encodePorts(a.Ports), encodePrefixes(a.Prefixes), int64(a.DSCP)).Scan(&a.ID)
		if err != nil {
			return s.classify(err, "application", "", "application %q", a.Name)
		}
		return t.bump(ctx, netID)
	})
	return a, err
}

// Applications implements store.Store.
func (s *Store) Applications(ctx context.Context, network string) ([]store.Application, error) {
	var out []store.Application
	err := s.list(ctx, "applications", network, `SELECT id, name, protocol, ports, prefixes, dscp
		FROM applications WHERE network_id = $1 ORDER BY name`, func(r Row) error {
		var a store.Application
		var ports, prefixes string
		var dscp int64
		if err := r.Scan(&a.ID, &a.Name, &a.Protocol, &ports, &prefixes, &dscp); err != nil {
			return err
		}
		var err error
		if a.Ports, err = decodePorts(ports); err != nil {
			return err
		}
		if a.Prefixes, err = decodePrefixes(prefixes); err != nil {
			return err
		}
		a.DSCP = int(dscp)
		out = append(out, a)
		return nil
	})
	return out, err
}

// DeleteApplication implements store.Store.
func (s *Store) DeleteApplication(ctx context.Context, network, name string) error {
	return s.deleteNamed(ctx, "delete application", "application", "applications", network, name, "a policy rule")
}

// PutPolicy implements store.Store.
func (s *Store) PutPolicy(ctx context.Context, network string, p store.Policy) (store.Policy, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := s.write(ctx, "put policy", func(t *tx) error {
		netID, err := s.netID(ctx, t, network)
		if err != nil {
			return err
		}
		err = t.QueryRow(ctx, `INSERT INTO policies (network_id, name) VALUES ($1, $2)
			ON CONFLICT (network_id, name) DO UPDATE SET name = excluded.name RETURNING id`, netID, p.Name).Scan(&p.ID)
		if err != nil {
			return s.classify(err, "policy", "", "policy %q", p.Name)
		}
		if _, err := t.Exec(ctx, "DELETE FROM policy_rules WHERE policy_id = $1", p.ID); err != nil {
			return err
		}
		for i, r := range p.Rules {
			if err := s.insertRule(ctx, t, netID, p.ID, i, r); err != nil {
				return err
			}
		}
		return t.bump(ctx, netID)
	})
	return p, err
}

func (s *Store) insertRule(ctx context.Context, t *tx, netID, policyID int64, i int, r store.Rule) error {
	field := "rules[" + strconv.Itoa(i) + "]"
	var appID int64
	err := t.QueryRow(ctx, "SELECT id FROM applications WHERE network_id = $1 AND name = $2", netID, r.Application).Scan(&appID)
	if s.eng.Classify(err) == NoRows {
		return store.Constraint("policy", field+".application", nil, "application %q does not exist", r.Application)
	} else if err != nil {
		return err
	}
	var classID *int64
	if r.SLAClass != "" {
		var id int64
		err := t.QueryRow(ctx, "SELECT id FROM sla_classes WHERE network_id = $1 AND name = $2", netID, r.SLAClass).Scan(&id)
		if s.eng.Classify(err) == NoRows {
			return store.Constraint("policy", field+".sla_class", nil, "SLA class %q does not exist", r.SLAClass)
		} else if err != nil {
			return err
		}
		classID = &id
	}
	_, err = t.Exec(ctx, `INSERT INTO policy_rules (policy_id, position, application_id, sla_class_id, mode, colours)
		VALUES ($1, $2, $3, $4, $5, $6)`, policyID, int64(i), appID, classID, string(r.Mode), strings.Join(r.Colours, ","))
	if err != nil {
		return s.classify(err, "policy", field, "rule %d", i)
	}
	return nil
}

const policyRulesQuery = `SELECT p.id, p.name, r.position, a.name, COALESCE(c.name, ''), r.mode, r.colours
	FROM policies p
	LEFT JOIN policy_rules r ON r.policy_id = p.id
	LEFT JOIN applications a ON a.id = r.application_id
	LEFT JOIN sla_classes c ON c.id = r.sla_class_id
	WHERE p.network_id = $1`

func (s *Store) policies(ctx context.Context, op, network, extra string, args ...any) ([]store.Policy, error) {
	var out []store.Policy
	err := s.list(ctx, op, network, policyRulesQuery+extra+" ORDER BY p.name, r.position", func(r Row) error {
		var id int64
		var name string
		var pos *int64
		var app, class, mode, colours *string
		if err := r.Scan(&id, &name, &pos, &app, &class, &mode, &colours); err != nil {
			return err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, store.Policy{ID: id, Name: name})
		}
		if pos != nil {
			p := &out[len(out)-1]
			p.Rules = append(p.Rules, store.Rule{Application: *app, SLAClass: *class, Mode: store.SteeringMode(*mode), Colours: splitList(*colours)})
		}
		return nil
	}, args...)
	return out, err
}

// Policies implements store.Store.
func (s *Store) Policies(ctx context.Context, network string) ([]store.Policy, error) {
	return s.policies(ctx, "policies", network, "")
}

// Policy implements store.Store.
func (s *Store) Policy(ctx context.Context, network, name string) (store.Policy, error) {
	ps, err := s.policies(ctx, "policy", network, " AND p.name = $2", name)
	if err != nil {
		return store.Policy{}, err
	}
	if len(ps) == 0 {
		return store.Policy{}, store.NotFound("policy", "policy %q does not exist in network %q", name, network)
	}
	return ps[0], nil
}

// DeletePolicy implements store.Store.
func (s *Store) DeletePolicy(ctx context.Context, network, name string) error {
	return s.deleteNamed(ctx, "delete policy", "policy", "policies", network, name, "nothing")
}
