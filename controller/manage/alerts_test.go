package manage_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// withAlerts gives e's service an alert service over its store.
func withAlerts(t *testing.T, e *env) *alert.Service {
	t.Helper()
	rules, err := alert.Config{}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	a, err := alert.NewService(alert.ServiceConfig{Rules: rules, Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = manage.New(manage.Config{Store: e.st, Audit: e.audit, Alerts: a, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestWebhookOperations: administrators manage webhooks, others are
// refused (and audited); viewers read the alerts; a secret is shown
// once when drawn and never listed; bad URLs name the field.
func TestWebhookOperations(t *testing.T) {
	e := newEnv(t)
	withAlerts(t, e)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleOperator} {
		_, _, err := e.svc.AddWebhook(as(role), manage.WebhookInput{URL: srv.URL})
		wantCode(t, err, manage.CodeForbidden, "")
		_, err = e.svc.Webhooks(as(role))
		wantCode(t, err, manage.CodeForbidden, "")
	}
	if got, err := e.svc.FiringAlerts(as(auth.RoleViewer)); err != nil || len(got) != 0 {
		t.Fatalf("viewer reads alerts: %v %v", got, err)
	}
	_, err := e.svc.FiringAlerts(context.Background())
	wantCode(t, err, manage.CodeUnauthenticated, "")
	_, _, err = e.svc.AddWebhook(as(auth.RoleAdmin), manage.WebhookInput{URL: "gopher://x"})
	wantCode(t, err, manage.CodeInvalidArgument, "url")
	_, _, err = e.svc.AddWebhook(as(auth.RoleAdmin), manage.WebhookInput{URL: srv.URL, Secret: "short"})
	wantCode(t, err, manage.CodeInvalidArgument, "secret")

	h, secret, err := e.svc.AddWebhook(as(auth.RoleAdmin), manage.WebhookInput{URL: srv.URL + "/p/SECRETPATH", Slack: true})
	if err != nil || len(secret) < alert.MinSecretLength || h.Secret != "" || !h.Slack || h.CreatedBy != "u-admin" {
		t.Fatalf("add: %+v %q %v", h, secret, err)
	}
	_, given, err := e.svc.AddWebhook(as(auth.RoleAdmin), manage.WebhookInput{URL: srv.URL, Secret: "a-secret-of-my-own-choosing"})
	if err != nil || given != "" {
		t.Fatalf("add with secret: %q %v", given, err)
	}
	list, err := e.svc.Webhooks(as(auth.RoleAdmin))
	if err != nil || len(list) != 2 || list[0].Secret != "" || list[1].Secret != "" {
		t.Fatalf("list %+v %v", list, err)
	}
	res, err := e.svc.TestWebhook(as(auth.RoleAdmin), h.ID)
	if err != nil || !res.Delivered || res.HTTPStatus != 200 {
		t.Fatalf("test %+v %v", res, err)
	}
	_, err = e.svc.TestWebhook(as(auth.RoleAdmin), 99)
	wantCode(t, err, manage.CodeNotFound, "")
	if err := e.svc.RemoveWebhook(as(auth.RoleAdmin), h.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.RemoveWebhook(as(auth.RoleAdmin), h.ID), manage.CodeNotFound, "")

	entries, _ := e.audit.AuditLog(context.Background(), store.AuditQuery{Action: "alert.webhook."})
	var seen []string
	for _, a := range entries {
		seen = append(seen, a.Action+" "+a.Outcome)
		if strings.Contains(string(a.Detail), secret) || strings.Contains(string(a.Detail), "SECRETPATH") || strings.Contains(string(a.Detail), "my-own") {
			t.Fatalf("audit detail holds a secret: %s", a.Detail)
		}
	}
	want := "alert.webhook.remove failure,alert.webhook.remove success,alert.webhook.test failure,alert.webhook.test success," +
		"alert.webhook.add success,alert.webhook.add success,alert.webhook.add failure,alert.webhook.add failure,alert.webhook.add failure,alert.webhook.add failure"
	if strings.Join(seen, ",") != want {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(seen, ","), want)
	}
}
