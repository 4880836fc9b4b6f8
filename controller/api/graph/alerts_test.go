package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/api/graph"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// newAlertEnv is newEnv with a running alert service behind manage.
func newAlertEnv(t *testing.T) (*env, *alert.Service) {
	t.Helper()
	var svc *alert.Service
	e := newEnvWith(t, func(e *env, cfg *graph.Config) {
		rules, err := alert.Config{SiteUnreachable: alert.Rule{Disabled: true}}.Compile()
		must(t, err)
		svc, err = alert.NewService(alert.ServiceConfig{Rules: rules, Store: e.st, Bus: e.bus, Fleet: manage.NewLive()})
		must(t, err)
		cfg.Manage, err = manage.New(manage.Config{Store: e.st, Users: e.users, Alerts: svc})
		must(t, err)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for e.bus.Stats().Subscribers != baseSubscribers+1 {
		time.Sleep(time.Millisecond)
	}
	return e, svc
}

// TestAlertsAndWebhooks: webhooks are managed by administrators only,
// with field errors for bad URLs and the drawn secret shown once; a path
// going down reaches an alertNotices subscriber and the alerts query.
func TestAlertsAndWebhooks(t *testing.T) {
	e, svc := newAlertEnv(t)
	recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer recv.Close()
	const add = `mutation($in: AddWebhookInput!) { addWebhook(input: $in) { secret webhook { id url slack createdBy } } }`
	e.fails("viewer", `{ webhooks { id } }`, nil, "FORBIDDEN", "")
	e.fails("operator", add, map[string]any{"in": map[string]any{"url": recv.URL}}, "FORBIDDEN", "")
	e.fails("admin", add, map[string]any{"in": map[string]any{"url": "file:///etc/passwd"}}, "INVALID_ARGUMENT", "url")
	e.fails("admin", add, map[string]any{"in": map[string]any{"url": recv.URL, "secret": "short"}}, "INVALID_ARGUMENT", "secret")
	var added struct {
		AddWebhook struct {
			Secret  *string
			Webhook struct {
				ID             int64
				URL, CreatedBy string
				Slack          bool
			}
		}
	}
	e.ok("admin", add, map[string]any{"in": map[string]any{"url": recv.URL, "slack": true}}, &added)
	w := added.AddWebhook
	if w.Secret == nil || len(*w.Secret) < alert.MinSecretLength || w.Webhook.URL != recv.URL || !w.Webhook.Slack || w.Webhook.CreatedBy != "admin-user" {
		t.Fatalf("added %+v", w)
	}
	var test struct {
		TestWebhook struct {
			Delivered  bool
			HTTPStatus *int `json:"httpStatus"`
		}
	}
	e.ok("admin", `mutation($id: Int!) { testWebhook(id: $id) { delivered httpStatus error durationMs } }`, map[string]any{"id": w.Webhook.ID}, &test)
	if !test.TestWebhook.Delivered || test.TestWebhook.HTTPStatus == nil || *test.TestWebhook.HTTPStatus != 200 {
		t.Fatalf("test %+v", test)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.dialWS(ctx, map[string]any{"authorization": "Bearer viewer"})
	if m := next(ctx, t, c); m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v", m)
	}
	must(t, wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": `subscription { alertNotices { id kind status site path subject at details } }`}}))
	for svc.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	e.bus.Publish(pathEvent("a", "b/inet->a/inet", events.PathDown))
	m := next(ctx, t, c)
	var got struct {
		Data struct {
			AlertNotices struct{ ID, Kind, Status, Site, Path, Subject, Details string }
		}
	}
	if err := json.Unmarshal(m.Payload, &got); err != nil || m.Type != "next" {
		t.Fatalf("message %+v: %v", m, err)
	}
	n := got.Data.AlertNotices
	if n.Kind != "PATH_DOWN" || n.Status != "FIRING" || n.Site != "a" || n.Path != "a/inet->b/inet" || n.Details == "" {
		t.Fatalf("notice %+v", n)
	}
	var q struct {
		Alerts []struct{ ID, Kind, Subject string }
	}
	e.ok("viewer", `{ alerts { id kind subject startedAt } }`, nil, &q)
	if len(q.Alerts) != 1 || q.Alerts[0].ID != n.ID || q.Alerts[0].Subject != "path/a/inet->b/inet" {
		t.Fatalf("alerts %+v", q)
	}
	var rm struct {
		RemoveWebhook struct{ DeletedNodeID string }
	}
	e.ok("admin", `mutation($id: Int!) { removeWebhook(id: $id) { deletedNodeId } }`, map[string]any{"id": w.Webhook.ID}, &rm)
	e.fails("admin", `mutation { removeWebhook(id: 999) { deletedNodeId } }`, nil, "NOT_FOUND", "")
	var list struct{ Webhooks []struct{ ID int64 } }
	e.ok("admin", `{ webhooks { id url slack createdAt } }`, nil, &list)
	if len(list.Webhooks) != 0 {
		t.Fatalf("after remove %+v", list)
	}
}
