package server

import (
	"context"
	"encoding/json"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// AlertAdmin is what Admin's alert RPCs call (*manage.Service): the
// operations check the caller's role and audit, as for the other APIs.
type AlertAdmin interface {
	FiringAlerts(ctx context.Context) ([]alert.Alert, error)
	Webhooks(ctx context.Context) ([]store.Webhook, error)
	AddWebhook(ctx context.Context, in manage.WebhookInput) (store.Webhook, string, error)
	RemoveWebhook(ctx context.Context, id int64) error
	TestWebhook(ctx context.Context, id int64) (alert.TestResult, error)
}

var _ AlertAdmin = (*manage.Service)(nil)

func (a *admin) alerts() (AlertAdmin, error) {
	if a.s.cfg.Alerts == nil {
		return nil, status.Error(codes.Unimplemented, "alerts are not configured in this controller")
	}
	return a.s.cfg.Alerts, nil
}

// manageStatus maps manage's errors to gRPC statuses; the message names
// the field.
func manageStatus(err error) error {
	e := manage.ErrorOf(err)
	if e == nil {
		return nil
	}
	msg := e.Msg
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	code := codes.Internal
	switch e.Code {
	case manage.CodeInvalidArgument:
		code = codes.InvalidArgument
	case manage.CodeNotFound:
		code = codes.NotFound
	case manage.CodeForbidden:
		code = codes.PermissionDenied
	case manage.CodeUnauthenticated:
		code = codes.Unauthenticated
	case manage.CodeConflict:
		code = codes.AlreadyExists
	case manage.CodeStale:
		code = codes.Aborted
	}
	if code == codes.Internal && errors.Is(err, store.ErrClosed) {
		code = codes.Unavailable
	}
	return status.Error(code, msg)
}

func webhookInfo(h store.Webhook) *pb.WebhookInfo {
	return &pb.WebhookInfo{Id: h.ID, Url: h.URL, Slack: h.Slack, CreatedBy: h.CreatedBy, CreatedAt: ts(h.CreatedAt)}
}

func (a *admin) ListAlerts(ctx context.Context, _ *pb.ListAlertsRequest) (*pb.ListAlertsResponse, error) {
	al, err := a.alerts()
	if err != nil {
		return nil, err
	}
	list, err := al.FiringAlerts(operatorContext(ctx))
	if err != nil {
		return nil, manageStatus(err)
	}
	out := &pb.ListAlertsResponse{}
	for _, x := range list {
		details, _ := json.Marshal(x.Details)
		out.Alerts = append(out.Alerts, &pb.AlertInfo{Id: x.ID, Kind: string(x.Kind), Network: x.Network, Site: x.Site, Path: x.Path,
			Subject: x.Subject, Summary: x.Summary, StartedAt: ts(x.StartedAt), FiredAt: ts(x.At), DetailsJson: string(details)})
	}
	return out, nil
}

func (a *admin) AddWebhook(ctx context.Context, req *pb.AddWebhookRequest) (*pb.AddWebhookResponse, error) {
	al, err := a.alerts()
	if err != nil {
		return nil, err
	}
	h, secret, err := al.AddWebhook(operatorContext(ctx), manage.WebhookInput{URL: req.Url, Secret: req.Secret, Slack: req.Slack})
	if err != nil {
		return nil, manageStatus(err)
	}
	return &pb.AddWebhookResponse{Webhook: webhookInfo(h), Secret: secret}, nil
}

func (a *admin) ListWebhooks(ctx context.Context, _ *pb.ListWebhooksRequest) (*pb.ListWebhooksResponse, error) {
	al, err := a.alerts()
	if err != nil {
		return nil, err
	}
	hooks, err := al.Webhooks(operatorContext(ctx))
	if err != nil {
		return nil, manageStatus(err)
	}
	out := &pb.ListWebhooksResponse{}
	for _, h := range hooks {
		out.Webhooks = append(out.Webhooks, webhookInfo(h))
	}
	return out, nil
}

func (a *admin) RemoveWebhook(ctx context.Context, req *pb.RemoveWebhookRequest) (*pb.RemoveWebhookResponse, error) {
	al, err := a.alerts()
	if err != nil {
		return nil, err
	}
	if err := al.RemoveWebhook(operatorContext(ctx), req.Id); err != nil {
		return nil, manageStatus(err)
	}
	return &pb.RemoveWebhookResponse{}, nil
}

func (a *admin) TestWebhook(ctx context.Context, req *pb.TestWebhookRequest) (*pb.TestWebhookResponse, error) {
	al, err := a.alerts()
	if err != nil {
		return nil, err
	}
	res, err := al.TestWebhook(operatorContext(ctx), req.Id)
	if err != nil {
		return nil, manageStatus(err)
	}
	return &pb.TestWebhookResponse{Delivered: res.Delivered, HttpStatus: uint32(res.HTTPStatus), Error: res.Error,
		Duration: durationpb.New(res.Duration)}, nil
}
