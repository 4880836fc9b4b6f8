package rest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Alert is an alert firing (the webhook payload's fields, docs/ALERTS.md).
type Alert struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Status    string         `json:"status"`
	Network   string         `json:"network,omitempty"`
	Site      string         `json:"site,omitempty"`
	Path      string         `json:"path,omitempty"`
	Subject   string         `json:"subject"`
	Summary   string         `json:"summary"`
	StartedAt time.Time      `json:"started_at"`
	At        time.Time      `json:"at"`
	Details   map[string]any `json:"details,omitempty"`
}

func alertOf(a alert.Alert) Alert {
	return Alert{ID: a.ID, Kind: string(a.Kind), Status: string(a.Status), Network: a.Network, Site: a.Site, Path: a.Path,
		Subject: a.Subject, Summary: a.Summary, StartedAt: a.StartedAt.UTC(), At: a.At.UTC(), Details: a.Details}
}

func (h *Handler) listAlerts(w http.ResponseWriter, r *http.Request) error {
	list, err := h.m.FiringAlerts(r.Context())
	if err != nil {
		return err
	}
	return writePage(w, r, list, alertOf)
}

// Webhook is an alert webhook; Secret only in the answer to adding one
// without a secret.
type Webhook struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Slack     bool      `json:"slack"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"`
}

func webhookOf(w store.Webhook) Webhook {
	return Webhook{ID: w.ID, URL: w.URL, Slack: w.Slack, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt.UTC()}
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := h.m.Webhooks(r.Context())
	if err != nil {
		return err
	}
	return writePage(w, r, hooks, webhookOf)
}

// webhookRequest is the body of adding a webhook.
type webhookRequest struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	Slack  bool   `json:"slack"`
}

func (h *Handler) addWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	hook, secret, err := h.m.AddWebhook(r.Context(), manage.WebhookInput{URL: req.URL, Secret: req.Secret, Slack: req.Slack})
	if err != nil {
		return err
	}
	out := webhookOf(hook)
	out.Secret = secret
	return writeJSON(w, http.StatusCreated, out)
}

func webhookIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.Invalid("id", "%q is not a webhook id", r.PathValue("id"))
	}
	return id, nil
}

func (h *Handler) removeWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookIDOf(r)
	if err != nil {
		return err
	}
	if err := h.m.RemoveWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// WebhookTest is how a receiver answered a test notice.
type WebhookTest struct {
	Delivered  bool    `json:"delivered"`
	HTTPStatus int     `json:"http_status,omitempty"`
	Error      string  `json:"error,omitempty"`
	DurationMs float64 `json:"duration_ms"`
}

func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookIDOf(r)
	if err != nil {
		return err
	}
	res, err := h.m.TestWebhook(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, WebhookTest{Delivered: res.Delivered, HTTPStatus: res.HTTPStatus, Error: res.Error,
		DurationMs: float64(res.Duration.Microseconds()) / 1000})
}
