package graph

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func alertModel(a alert.Alert) *model.Alert {
	details := []byte("{}")
	if len(a.Details) > 0 {
		details, _ = json.Marshal(a.Details)
	}
	return &model.Alert{ID: a.ID, Kind: upper[model.AlertKind](string(a.Kind)), Status: upper[model.AlertStatus](string(a.Status)),
		Network: optStr(a.Network), Site: optStr(a.Site), Path: optStr(a.Path), Subject: a.Subject, Summary: a.Summary,
		StartedAt: a.StartedAt, At: a.At, ResolvedAt: a.ResolvedAt, Details: string(details)}
}

func webhookModel(h store.Webhook) *model.Webhook {
	return &model.Webhook{ID: h.ID, URL: h.URL, Slack: h.Slack, CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt}
}

func (r *queryResolver) Alerts(ctx context.Context) ([]*model.Alert, error) {
	list, err := r.m.FiringAlerts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Alert, len(list))
	for i, a := range list {
		out[i] = alertModel(a)
	}
	return out, nil
}

func (r *queryResolver) Webhooks(ctx context.Context) ([]*model.Webhook, error) {
	hooks, err := r.m.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Webhook, len(hooks))
	for i, h := range hooks {
		out[i] = webhookModel(h)
	}
	return out, nil
}

func (r *mutationResolver) AddWebhook(ctx context.Context, in model.AddWebhookInput) (*model.AddWebhookPayload, error) {
	h, secret, err := r.m.AddWebhook(ctx, manage.WebhookInput{URL: in.URL, Secret: str(in.Secret), Slack: in.Slack != nil && *in.Slack})
	if err != nil {
		return nil, err
	}
	return &model.AddWebhookPayload{Webhook: webhookModel(h), Secret: optStr(secret)}, nil
}

func (r *mutationResolver) RemoveWebhook(ctx context.Context, id int64) (*model.DeletePayload, error) {
	if err := r.m.RemoveWebhook(ctx, id); err != nil {
		return nil, err
	}
	return deleted(nodeID("Webhook", strconv.FormatInt(id, 10))), nil
}

func (r *mutationResolver) TestWebhook(ctx context.Context, id int64) (*model.WebhookTestResult, error) {
	res, err := r.m.TestWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &model.WebhookTestResult{Delivered: res.Delivered, Error: optStr(res.Error), DurationMs: float64(res.Duration.Microseconds()) / 1000}
	if res.HTTPStatus != 0 {
		code := int64(res.HTTPStatus)
		out.HTTPStatus = &code
	}
	return out, nil
}

func (r *subscriptionResolver) AlertNotices(ctx context.Context) (<-chan *model.Alert, error) {
	in, err := r.m.AlertNotices(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *model.Alert)
	go func() {
		defer close(out)
		for a := range in {
			select {
			case out <- alertModel(a):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
