package sqlcore

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// CreateWebhook implements store.Store.
func (s *Store) CreateWebhook(ctx context.Context, spec store.WebhookSpec) (store.Webhook, error) {
	w := store.Webhook{WebhookSpec: spec, CreatedAt: fromUS(us(s.now()))}
	if spec.URL == "" {
		return w, &store.Error{Kind: store.ErrInvalid, Entity: "webhook", Field: "url", Msg: "required"}
	}
	if spec.Secret == "" {
		return w, &store.Error{Kind: store.ErrInvalid, Entity: "webhook", Field: "secret", Msg: "required"}
	}
	err := s.write(ctx, "create webhook", func(t *tx) error {
		return t.QueryRow(ctx, `INSERT INTO alert_webhooks (url, secret, slack, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, spec.URL, spec.Secret, boolInt(spec.Slack), spec.CreatedBy, us(w.CreatedAt)).Scan(&w.ID)
	})
	return w, err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Webhooks implements store.Store.
func (s *Store) Webhooks(ctx context.Context) ([]store.Webhook, error) {
	if err := s.read("webhooks"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT id, url, secret, slack, created_by, created_at FROM alert_webhooks ORDER BY id`)
	if err != nil {
		return nil, s.wrap("webhooks", err)
	}
	defer rows.Close()
	var out []store.Webhook
	for rows.Next() {
		var w store.Webhook
		var slack, created int64
		if err := rows.Scan(&w.ID, &w.URL, &w.Secret, &slack, &w.CreatedBy, &created); err != nil {
			return nil, s.wrap("webhooks", err)
		}
		w.Slack, w.CreatedAt = slack != 0, fromUS(created)
		out = append(out, w)
	}
	return out, s.wrap("webhooks", rows.Err())
}

// DeleteWebhook implements store.Store.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.write(ctx, "delete webhook", func(t *tx) error {
		// Deliveries first: the cascade needs SQLite's foreign keys on,
		// and this does not.
		if _, err := t.Exec(ctx, "DELETE FROM alert_deliveries WHERE webhook_id = $1", id); err != nil {
			return err
		}
		n, err := t.Exec(ctx, "DELETE FROM alert_webhooks WHERE id = $1", id)
		return deleted(n, err, "webhook", "webhook %d does not exist", id)
	})
}

// EnqueueDelivery implements store.Store.
func (s *Store) EnqueueDelivery(ctx context.Context, webhookID int64, payload []byte, max int) (store.Delivery, int, error) {
	now := fromUS(us(s.now()))
	d := store.Delivery{WebhookID: webhookID, Payload: payload, NextAt: now, CreatedAt: now}
	dropped := 0
	err := s.write(ctx, "enqueue delivery", func(t *tx) error {
		dropped = 0
		var n int64
		if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM alert_webhooks WHERE id = $1", webhookID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.NotFound("webhook", "webhook %d does not exist", webhookID)
		}
		if max > 0 {
			var err error
			if dropped, err = s.trimDeliveries(ctx, t, webhookID, max-1); err != nil {
				return err
			}
		}
		return t.QueryRow(ctx, `INSERT INTO alert_deliveries (webhook_id, payload, attempts, next_at, last_error, created_at)
			VALUES ($1, $2, 0, $3, '', $4) RETURNING id`, webhookID, payload, us(now), us(now)).Scan(&d.ID)
	})
	return d, dropped, err
}

// trimDeliveries deletes a webhook's oldest deliveries until keep are
// left, and returns how many it deleted.
func (s *Store) trimDeliveries(ctx context.Context, t *tx, webhookID int64, keep int) (int, error) {
	var n int64
	if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM alert_deliveries WHERE webhook_id = $1", webhookID).Scan(&n); err != nil {
		return 0, err
	}
	excess := n - int64(keep)
	if excess <= 0 {
		return 0, nil
	}
	got, err := t.Exec(ctx, `DELETE FROM alert_deliveries WHERE id IN
		(SELECT id FROM alert_deliveries WHERE webhook_id = $1 ORDER BY id LIMIT $2)`, webhookID, excess)
	return int(got), err
}

// NextDelivery implements store.Store.
func (s *Store) NextDelivery(ctx context.Context, webhookID int64) (store.Delivery, bool, error) {
	var d store.Delivery
	if err := s.read("next delivery"); err != nil {
		return d, false, err
	}
	var attempts, next, created int64
	err := s.eng.QueryRow(ctx, `SELECT id, webhook_id, payload, attempts, next_at, last_error, created_at
		FROM alert_deliveries WHERE webhook_id = $1 ORDER BY id LIMIT 1`, webhookID).
		Scan(&d.ID, &d.WebhookID, &d.Payload, &attempts, &next, &d.LastError, &created)
	switch {
	case s.eng.Classify(err) == NoRows:
		return d, false, nil
	case err != nil:
		return d, false, s.wrap("next delivery", err)
	}
	d.Attempts, d.NextAt, d.CreatedAt = int(attempts), fromUS(next), fromUS(created)
	return d, true, nil
}

// RetryDelivery implements store.Store.
func (s *Store) RetryDelivery(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error {
	return s.write(ctx, "retry delivery", func(t *tx) error {
		n, err := t.Exec(ctx, "UPDATE alert_deliveries SET attempts = $2, next_at = $3, last_error = $4 WHERE id = $1",
			id, int64(attempts), us(next), lastError)
		return deleted(n, err, "delivery", "delivery %d does not exist", id)
	})
}

// DeleteDelivery implements store.Store.
func (s *Store) DeleteDelivery(ctx context.Context, id int64) error {
	return s.write(ctx, "delete delivery", func(t *tx) error {
		n, err := t.Exec(ctx, "DELETE FROM alert_deliveries WHERE id = $1", id)
		return deleted(n, err, "delivery", "delivery %d does not exist", id)
	})
}

// PutFiringAlert implements store.Store.
func (s *Store) PutFiringAlert(ctx context.Context, a store.FiringAlert) error {
	return s.write(ctx, "put firing alert", func(t *tx) error {
		_, err := t.Exec(ctx, `INSERT INTO alert_firing (kind, network, subject, body, fired_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (kind, network, subject) DO UPDATE SET body = excluded.body, fired_at = excluded.fired_at`,
			a.Kind, a.Network, a.Subject, a.Body, us(a.FiredAt))
		return err
	})
}

// DeleteFiringAlert implements store.Store.
func (s *Store) DeleteFiringAlert(ctx context.Context, kind, network, subject string) error {
	return s.write(ctx, "delete firing alert", func(t *tx) error {
		_, err := t.Exec(ctx, "DELETE FROM alert_firing WHERE kind = $1 AND network = $2 AND subject = $3", kind, network, subject)
		return err
	})
}

// FiringAlerts implements store.Store.
func (s *Store) FiringAlerts(ctx context.Context) ([]store.FiringAlert, error) {
	if err := s.read("firing alerts"); err != nil {
		return nil, err
	}
	rows, err := s.eng.Query(ctx, `SELECT kind, network, subject, body, fired_at FROM alert_firing ORDER BY fired_at, kind, network, subject`)
	if err != nil {
		return nil, s.wrap("firing alerts", err)
	}
	defer rows.Close()
	var out []store.FiringAlert
	for rows.Next() {
		var a store.FiringAlert
		var fired int64
		if err := rows.Scan(&a.Kind, &a.Network, &a.Subject, &a.Body, &fired); err != nil {
			return nil, s.wrap("firing alerts", err)
		}
		a.FiredAt = fromUS(fired)
		out = append(out, a)
	}
	return out, s.wrap("firing alerts", rows.Err())
}
