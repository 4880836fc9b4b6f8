package manage

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Alerts is the controller's alert service (*alert.Service): the alerts
// firing and the webhooks their notices go to.
type Alerts interface {
	Alerts() []alert.Alert
	Subscribe(ctx context.Context, buffer int) <-chan alert.Alert
	AddWebhook(ctx context.Context, spec store.WebhookSpec) (store.Webhook, error)
	Webhooks(ctx context.Context) ([]store.Webhook, error)
	RemoveWebhook(ctx context.Context, id int64) error
	TestWebhook(ctx context.Context, id int64) (alert.TestResult, error)
}

var _ Alerts = (*alert.Service)(nil)

// WebhookInput is a webhook to add.
type WebhookInput struct {
	URL string
	// Secret signs the deliveries; "": one is drawn and returned once.
	Secret string
	Slack  bool
}

func (s *Service) alerts() (Alerts, error) {
	if s.cfg.Alerts == nil {
		return nil, &Error{Code: CodeInternal, Msg: "alerts are not configured"}
	}
	return s.cfg.Alerts, nil
}

// FiringAlerts returns the alerts firing now, oldest first (any role).
func (s *Service) FiringAlerts(ctx context.Context) ([]alert.Alert, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	a, err := s.alerts()
	if err != nil {
		return nil, err
	}
	return a.Alerts(), nil
}

// AlertNotices returns the notices (fired, resolved) from now on until
// ctx ends (any role); the channel closes early for a reader that falls
// behind.
func (s *Service) AlertNotices(ctx context.Context) (<-chan alert.Alert, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	a, err := s.alerts()
	if err != nil {
		return nil, err
	}
	return a.Subscribe(ctx, 64), nil
}

// Webhooks lists the alert webhooks, without their secrets
// (administrators only).
func (s *Service) Webhooks(ctx context.Context) ([]store.Webhook, error) {
	if _, err := Authorize(ctx, auth.Administer); err != nil {
		return nil, err
	}
	a, err := s.alerts()
	if err != nil {
		return nil, err
	}
	hooks, err := a.Webhooks(ctx)
	for i := range hooks {
		hooks[i].Secret = ""
	}
	return hooks, s.wrap("webhooks", err)
}

// AddWebhook adds an alert webhook (administrators only). secret is the
// one drawn when in.Secret is empty, to be shown once; "" otherwise. The
// audit entry names the URL's host only (a URL's path may be a secret).
func (s *Service) AddWebhook(ctx context.Context, in WebhookInput) (hook store.Webhook, secret string, err error) {
	detail := map[string]any{"host": urlHost(in.URL), "slack": in.Slack, "secret_given": in.Secret != ""}
	o, err := s.begin(ctx, auth.Administer, "alert.webhook.add", "webhooks", detail)
	if err != nil {
		return hook, "", err
	}
	a, err := s.alerts()
	if err != nil {
		return hook, "", o.done(ctx, err)
	}
	hook, err = a.AddWebhook(ctx, store.WebhookSpec{URL: in.URL, Secret: in.Secret, Slack: in.Slack, CreatedBy: o.p.Subject})
	if err != nil {
		return store.Webhook{}, "", o.done(ctx, fieldErr(err))
	}
	o.target = webhookTarget(hook.ID)
	if in.Secret == "" {
		secret = hook.Secret
	}
	hook.Secret = ""
	return hook, secret, o.done(ctx, nil)
}

// RemoveWebhook deletes an alert webhook and its pending deliveries
// (administrators only).
func (s *Service) RemoveWebhook(ctx context.Context, id int64) error {
	o, err := s.begin(ctx, auth.Administer, "alert.webhook.remove", webhookTarget(id), nil)
	if err != nil {
		return err
	}
	a, err := s.alerts()
	if err == nil {
		err = a.RemoveWebhook(ctx, id)
	}
	return o.done(ctx, err)
}

// TestWebhook sends a test notice to a webhook now and reports the
// receiver's answer (administrators only). A receiver that refuses is
// not an error of the operation: the result says so.
func (s *Service) TestWebhook(ctx context.Context, id int64) (alert.TestResult, error) {
	o, err := s.begin(ctx, auth.Administer, "alert.webhook.test", webhookTarget(id), nil)
	if err != nil {
		return alert.TestResult{}, err
	}
	a, err := s.alerts()
	if err != nil {
		return alert.TestResult{}, o.done(ctx, err)
	}
	res, err := a.TestWebhook(ctx, id)
	if err == nil {
		o.detail = map[string]any{"delivered": res.Delivered, "http_status": res.HTTPStatus}
	}
	return res, o.done(ctx, err)
}

func webhookTarget(id int64) string { return "webhook/" + strconv.FormatInt(id, 10) }

// urlHost is a URL's host, or "" when it has none.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// fieldErr turns the alert service's field errors into invalid input.
func fieldErr(err error) error {
	var fe *alert.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Msg)
	}
	return err
}
