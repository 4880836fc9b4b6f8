package server

import (
	"strings"
	"testing"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestAuditOmitsNestedPassword: a BGP neighbour's password, inside the
// request, never reaches the audit log.
func TestAuditOmitsNestedPassword(t *testing.T) {
	raw := string(auditRequest(&pb.AddBgpNeighborRequest{Network: "n", SiteName: "s",
		Neighbor: &pb.BgpNeighbor{Address: "10.0.0.1", RemoteAs: 1, Password: "md5-s3cret"}}, nil))
	if strings.Contains(raw, "md5-s3cret") || !strings.Contains(raw, "10.0.0.1") {
		t.Fatalf("audit detail %s", raw)
	}
}

func TestBGPProtoHidesPasswordsFromAdmins(t *testing.T) {
	if n := bgpProto(storeBGP(), true).Neighbors[0]; n.Password != "" || !n.PasswordSet {
		t.Fatalf("admin view %v", n)
	}
	if n := bgpProto(storeBGP(), false).Neighbors[0]; n.Password != "pw" {
		t.Fatalf("edge view %v", n)
	}
}

func storeBGP() store.SiteBGP {
	return store.SiteBGP{LocalAS: 1, Neighbors: []store.BGPNeighbor{{Address: "10.0.0.1", RemoteAS: 2, Password: "pw"}}}
}
