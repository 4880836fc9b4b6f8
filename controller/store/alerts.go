package store

import (
	"context"
	"time"
)

// AlertStore keeps the alert webhooks and their pending deliveries
// (controller/alert), so that a delivery waiting for its receiver
// survives a controller restart. A webhook's secret is stored as given
// (the controller needs it to sign); only Webhooks returns it, and the
// management layer never shows it again.
type AlertStore interface {
	// CreateWebhook adds a webhook; the store assigns its ID.
	CreateWebhook(ctx context.Context, spec WebhookSpec) (Webhook, error)
	// Webhooks lists every webhook, by ID, with its secret.
	Webhooks(ctx context.Context) ([]Webhook, error)
	// DeleteWebhook removes a webhook and its pending deliveries;
	// ErrNotFound when there is none of that ID.
	DeleteWebhook(ctx context.Context, id int64) error

	// EnqueueDelivery queues a payload for a webhook. When the webhook
	// already has max pending deliveries (max > 0), the oldest are
	// dropped to make room and counted in dropped. ErrNotFound: no such
	// webhook.
	EnqueueDelivery(ctx context.Context, webhookID int64, payload []byte, max int) (d Delivery, dropped int, err error)
	// NextDelivery returns a webhook's oldest pending delivery; ok is
	// false when it has none.
	NextDelivery(ctx context.Context, webhookID int64) (d Delivery, ok bool, err error)
	// RetryDelivery records a failed attempt: the attempts made, when to
	// try again, and the error (for people). ErrNotFound: it is gone.
	RetryDelivery(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error
	// DeleteDelivery removes a delivery (delivered or given up).
	// ErrNotFound: it is gone.
	DeleteDelivery(ctx context.Context, id int64) error

	// PutFiringAlert records an alert that fired, replacing the one of
	// its kind, network and subject: the alert engine's state across
	// restarts and replicas (controller/alert).
	PutFiringAlert(ctx context.Context, a FiringAlert) error
	// DeleteFiringAlert forgets the alert of a kind, network and subject
	// (it resolved); none recorded is not an error.
	DeleteFiringAlert(ctx context.Context, kind, network, subject string) error
	// FiringAlerts lists the alerts recorded as firing, oldest first.
	FiringAlerts(ctx context.Context) ([]FiringAlert, error)
}

// FiringAlert is an alert that fired and has not resolved.
type FiringAlert struct {
	Kind, Network, Subject string
	Body                   []byte // the alert, JSON (controller/alert.Alert)
	FiredAt                time.Time
}

// WebhookSpec describes a webhook.
type WebhookSpec struct {
	URL    string // http:// or https://
	Secret string // signs every delivery (HMAC-SHA256)
	Slack  bool   // add a Slack-compatible "text" field
	// CreatedBy names who added it.
	CreatedBy string
}

// Webhook is a stored webhook.
type Webhook struct {
	ID int64
	WebhookSpec
	CreatedAt time.Time
}

// Delivery is a payload waiting to be delivered to a webhook.
type Delivery struct {
	ID        int64
	WebhookID int64
	Payload   []byte
	Attempts  int
	NextAt    time.Time // not before
	LastError string
	CreatedAt time.Time
}
