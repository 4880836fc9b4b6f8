package manage_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/policy"
)

// TestSetPolicy: a policy.Set is validated as an edge would, stored as
// its document (quality_model included) and audited like SetPolicySet.
func TestSetPolicy(t *testing.T) {
	e := newEnv(t)
	op := as(auth.RoleOperator)
	_, err := e.svc.SetPolicy(as(auth.RoleViewer), "default", &policy.Set{}, 0)
	wantCode(t, err, manage.CodeForbidden, "")
	_, err = e.svc.SetPolicy(op, "default", nil, 0)
	wantCode(t, err, manage.CodeInvalidArgument, "policy_set")
	_, err = e.svc.SetPolicy(op, "default", &policy.Set{QualityModel: policy.QualityModel{DegradedBelowScore: 150}}, 0)
	wantCode(t, err, manage.CodeInvalidArgument, "quality_model.degraded_below_score")
	set := &policy.Set{SLAClasses: []policy.SLAClass{{Name: "gold", MaxLatency: "80ms"}},
		Policies:     []policy.Policy{{Name: "p", SLAClass: "gold", Mode: "load-balance"}},
		QualityModel: policy.QualityModel{DegradedBelowScore: 60, RecoverAtScore: 70}}
	ps, err := e.svc.SetPolicy(op, "default", set, 0)
	var doc bytes.Buffer // protojson varies its spacing on purpose
	if err == nil {
		err = json.Compact(&doc, ps.Document)
	}
	if err != nil || !strings.Contains(doc.String(), `"quality_model":{"degraded_below_score":60,"recover_at_score":70}`) ||
		!strings.Contains(doc.String(), "STEERING_MODE_LOAD_BALANCE") {
		t.Fatalf("%s %v", ps.Document, err)
	}
	entries := e.audit.Entries()
	if len(entries) != 4 || entries[3].Action != "policy.set" || entries[3].Outcome != "success" ||
		!strings.Contains(string(entries[3].Detail), `"after"`) {
		t.Fatalf("audit %+v", entries)
	}
}
