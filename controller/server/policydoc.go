package server

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// PolicyDocument validates a policy set given as JSON (the protobuf JSON
// form of pb.PolicySet, proto or JSON field names; its revision is
// ignored) as SetPolicies does, and returns the document the store keeps.
// Errors read "field: message; field: message". The management API
// (controller/manage) validates policy sets through it until the shared
// policy package owns the schema.
func PolicyDocument(doc []byte) ([]byte, error) {
	ps := &pb.PolicySet{}
	if len(doc) > 0 {
		if err := protojson.Unmarshal(doc, ps); err != nil {
			return nil, fmt.Errorf("policy_set: not a policy set document: %v", err)
		}
	}
	if err := validatePolicySet(ps); err != nil {
		return nil, err
	}
	return encodePolicySet(ps)
}
