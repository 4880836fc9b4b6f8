package manage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/policy"
)

// PolicySet is a network's steering configuration: the JSON form of
// patronus.v1.PolicySet (proto field names: sla_classes, applications,
// disable_builtin_applications, policies, steering), without its revision.
type PolicySet struct {
	Network   string
	Revision  int64 // the network's configuration revision it was read at
	Document  json.RawMessage
	UpdatedAt time.Time // zero: never set
}

// maxPolicyDocument bounds a policy set document.
const maxPolicyDocument = 1 << 20

// PolicySet returns a network's policy set ("{}" when none is set).
func (s *Service) PolicySet(ctx context.Context, network string) (PolicySet, error) {
	if err := s.read(ctx); err != nil {
		return PolicySet{}, err
	}
	if err := required("network", network); err != nil {
		return PolicySet{}, err
	}
	ps, err := s.cfg.Store.PolicySet(ctx, network)
	if err != nil {
		return PolicySet{}, s.wrap("policy set", err)
	}
	return policySet(ps.Network, ps.Revision, ps.Document, ps.UpdatedAt), nil
}

func policySet(network string, rev int64, doc []byte, at time.Time) PolicySet {
	if len(doc) == 0 {
		doc = []byte("{}")
	}
	return PolicySet{Network: network, Revision: rev, Document: doc, UpdatedAt: at}
}

// SetPolicySet validates a policy set document as an edge would and
// replaces the network's whole; every edge of the network gets it. With
// expectedRevision > 0 the network must still be at that revision, or
// nothing changes and the error is STALE. The audit entry holds the
// documents before and after.
func (s *Service) SetPolicySet(ctx context.Context, network string, doc json.RawMessage, expectedRevision int64) (PolicySet, error) {
	detail := map[string]any{"expected_revision": expectedRevision}
	o, err := s.begin(ctx, auth.Operate, "policy.set", networkTarget(network)+"/policy_set", detail)
	if err != nil {
		return PolicySet{}, err
	}
	ps, err := s.setPolicySet(ctx, network, func() ([]byte, error) {
		if len(doc) > maxPolicyDocument {
			return nil, invalid("policy_set", "document larger than %d bytes", maxPolicyDocument)
		}
		return policy.CanonicalDocument(doc)
	}, expectedRevision, detail)
	return ps, o.done(ctx, err)
}

// SetPolicy is SetPolicySet with the set given in package policy's form
// (as the GraphQL API builds it): validated as an edge would, stored as
// its document.
func (s *Service) SetPolicy(ctx context.Context, network string, set *policy.Set, expectedRevision int64) (PolicySet, error) {
	detail := map[string]any{"expected_revision": expectedRevision}
	o, err := s.begin(ctx, auth.Operate, "policy.set", networkTarget(network)+"/policy_set", detail)
	if err != nil {
		return PolicySet{}, err
	}
	ps, err := s.setPolicySet(ctx, network, func() ([]byte, error) {
		if set == nil {
			return nil, invalid("policy_set", "required")
		}
		return policy.EncodeDocument(set)
	}, expectedRevision, detail)
	return ps, o.done(ctx, err)
}

func (s *Service) setPolicySet(ctx context.Context, network string, encode func() ([]byte, error), expected int64, detail map[string]any) (PolicySet, error) {
	if err := required("network", network); err != nil {
		return PolicySet{}, err
	}
	if expected < 0 {
		return PolicySet{}, invalid("expected_revision", "%d is negative", expected)
	}
	canon, err := encode()
	if err != nil {
		return PolicySet{}, policyError(err)
	}
	before, err := s.cfg.Store.PolicySet(ctx, network)
	if err != nil {
		return PolicySet{}, err
	}
	got, err := s.cfg.Store.PutPolicySet(ctx, network, canon, expected)
	if err != nil {
		return PolicySet{}, err
	}
	detail["before"] = json.RawMessage(policySet("", 0, before.Document, time.Time{}).Document)
	detail["after"] = json.RawMessage(canon)
	detail["revision"] = got.Revision
	return policySet(got.Network, got.Revision, got.Document, got.UpdatedAt), nil
}

// policyError makes a validator's "field: message; …" an
// INVALID_ARGUMENT naming the first field.
func policyError(err error) error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	var es policy.Errors
	if errors.As(err, &es) && len(es) > 0 {
		msgs := make([]string, len(es))
		for i, e := range es {
			msgs[i] = e.Error()
		}
		return &Error{Code: CodeInvalidArgument, Field: es[0].Path, Msg: strings.Join(msgs, "; "), Err: err}
	}
	return &Error{Code: CodeInvalidArgument, Field: "policy_set", Msg: err.Error(), Err: err}
}
