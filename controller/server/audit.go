package server

import (
	"context"
	"encoding/json"
	"net"
	"strings"

	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// adminAudited are the Admin calls that change something, with the
// audit log's action for each: the names the management API records
// (controller/manage), so that a change made with patronus ctl reads like
// one made through GraphQL or REST. The user calls are left out: the
// sign-in service they call records them itself.
var adminAudited = map[string]string{
	"RevokeSite": "site.revoke", "CreateJoinToken": "join_token.create", "RevokeJoinToken": "join_token.revoke",
	"PutLink": "link.put", "DeleteLink": "link.delete", "AddPrefix": "prefix.add", "DeletePrefix": "prefix.delete",
	"SetPolicies": "policy.set", "SetPin": "pin.set", "DeletePin": "pin.delete",
	"IssueOperator": "operator.issue", "RevokeOperator": "operator.revoke", "RenewOperator": "operator.renew", "RevokeCertificate": "certificate.revoke",
	"SetBgp": "bgp.set", "AddBgpNeighbor": "bgp.neighbor.add", "RemoveBgpNeighbor": "bgp.neighbor.remove",
	"SetBgpOptions": "bgp.options.set", "SetBgpPolicy": "bgp.policy.set", "SetEdgeSettings": "edge_settings.set",
}

// auditOmit are the request fields never recorded: secrets and bulk.
var auditOmit = map[string]bool{"csr_der": true, "password": true}

// auditAdmin records an Admin call that changes something, after it ran,
// with its outcome. The caller is the operator certificate's identity.
func (s *Server) auditAdmin(ctx context.Context, method string, req any, err error) {
	name := method[strings.LastIndexByte(method, '/')+1:]
	action, ok := adminAudited[name]
	if !ok || !strings.HasPrefix(method, "/"+pb.Admin_ServiceDesc.ServiceName+"/") {
		return
	}
	e := store.AuditEntry{Actor: callerOf(ctx).ID.String(), Role: string(auth.RoleAdmin), Method: string(auth.MethodCertificate),
		UserAgent: "patronus ctl (gRPC Admin)", Action: action, Outcome: "success", Detail: auditRequest(req, err)}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		e.SourceIP, _, _ = net.SplitHostPort(p.Addr.String())
	}
	if network, ok := req.(interface{ GetNetwork() string }); ok {
		e.Target = "network/" + network.GetNetwork()
	}
	if err != nil {
		e.Outcome = "failure"
	}
	if _, aerr := s.cfg.Store.AddAudit(context.WithoutCancel(ctx), e); aerr != nil {
		s.log.Warn("audit log", "action", action, "err", aerr)
	}
}

// auditRequest is the request as JSON without secrets, and the error.
func auditRequest(req any, err error) json.RawMessage {
	d := map[string]any{}
	if m, ok := req.(proto.Message); ok {
		opts := protojson.MarshalOptions{UseProtoNames: true}
		if raw, merr := opts.Marshal(m); merr == nil {
			var fields map[string]any
			if json.Unmarshal(raw, &fields) == nil {
				for k, v := range fields {
					if !auditOmit[k] {
						d[k] = scrub(v)
					}
				}
			}
		}
	}
	if err != nil {
		d["error"] = status.Convert(err).Message()
	}
	raw, _ := json.Marshal(map[string]any{"request": d})
	return raw
}

// scrub leaves out the omitted fields at any depth (a BGP neighbour's
// password sits inside the request).
func scrub(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		if auditOmit[k] {
			delete(m, k)
			continue
		}
		m[k] = scrub(x)
	}
	return m
}
