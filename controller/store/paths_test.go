package store

import (
	"errors"
	"reflect"
	"testing"
)

func TestDerivePaths(t *testing.T) {
	sites := []Site{
		{Name: "s2", Role: Spoke, State: Enrolled},
		{Name: "hq", Role: Hub, State: Enrolled},
		{Name: "s1", Role: Spoke, State: Enrolled},
		{Name: "gone", Role: Hub, State: Revoked},
		{Name: "dc", Role: Hub, State: Enrolled},
	}
	links := map[string][]Link{
		"hq":   {{LinkSpec: LinkSpec{Name: "inet"}}, {LinkSpec: LinkSpec{Name: "mpls"}}},
		"dc":   {{LinkSpec: LinkSpec{Name: "inet"}}},
		"s1":   {{LinkSpec: LinkSpec{Name: "lte"}}},
		"s2":   {{LinkSpec: LinkSpec{Name: "inet"}}},
		"gone": {{LinkSpec: LinkSpec{Name: "inet"}}},
	}
	names := func(ps []Path) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	mesh := []string{"dc/inet~hq/inet", "dc/inet~hq/mpls", "dc/inet~s1/lte", "dc/inet~s2/inet",
		"hq/inet~s1/lte", "hq/inet~s2/inet", "hq/mpls~s1/lte", "hq/mpls~s2/inet", "s1/lte~s2/inet"}
	if got := names(DerivePaths(FullMesh, sites, links)); !reflect.DeepEqual(got, mesh) {
		t.Errorf("full mesh: %v\nwant %v", got, mesh)
	}
	hubs := mesh[:8] // no spoke–spoke path
	if got := names(DerivePaths(HubAndSpoke, sites, links)); !reflect.DeepEqual(got, hubs) {
		t.Errorf("hub and spoke: %v\nwant %v", got, hubs)
	}
	p := DerivePaths(FullMesh, sites, links)[0]
	if p.A != "dc" || p.ALink != "inet" || p.B != "hq" || p.BLink != "inet" {
		t.Errorf("path fields %+v", p)
	}
	if got := DerivePaths(FullMesh, sites[:1], links); len(got) != 0 {
		t.Errorf("one site has paths %v", got)
	}
}

func TestValidateNames(t *testing.T) {
	for _, name := range []string{"a", "site-1", "x_y", "0abc"} {
		if err := ValidateName("site", "name", name); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
	for _, name := range []string{"", "-a", "A", "a b", "a/b", "a~b", "é", string(make([]byte, 64))} {
		err := ValidateName("site", "name", name)
		var se *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &se) || se.Field != "name" || se.Entity != "site" {
			t.Errorf("%q: got %v, want an invalid site.name", name, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	err := Conflict("prefix", "prefix", errors.New("UNIQUE constraint failed"), "%s already belongs to site %q", "10.0.0.0/8", "hq")
	want := `store: prefix.prefix: conflict: 10.0.0.0/8 already belongs to site "hq": UNIQUE constraint failed`
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		t.Error("Is does not match the kind")
	}
}
