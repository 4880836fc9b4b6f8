package server

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// learnedStore is a store whose only answer is the learned prefixes.
type learnedStore struct {
	store.Store
	learned []store.Prefix
}

func (s learnedStore) LearnedPrefixes(context.Context, string) ([]store.Prefix, error) {
	return s.learned, nil
}

// TestLearnedPrefixesEdgesCanTake: a learned prefix reaches the edges only
// if every edge can take it (edge/config refuses overlaps and prefixes
// that cover a WAN endpoint): a router's covering route, a default route
// or a prefix another site already has stays out, named with its reason.
func TestLearnedPrefixesEdgesCanTake(t *testing.T) {
	snap := testSnapshot(store.FullMesh, store.Site{Name: "a"}, store.Site{Name: "b"}) // a 10.1/16, b 10.2/16
	snap.Links["a"] = []store.Link{{Site: "a", LinkSpec: store.LinkSpec{Name: "inet", Endpoint: "198.51.100.1:51820"}}}
	snap.NAT = map[string]map[string]store.LinkNAT{"b": {"lte": {Site: "b", Link: "lte", ObservedEndpoint: "203.0.113.7:40001"}}}
	p := netip.MustParsePrefix
	learned := []store.Prefix{
		{Site: "a", Prefix: p("10.1.0.0/16")},     // a's own, configured too: nothing to say
		{Site: "a", Prefix: p("10.9.0.0/16")},     // routed
		{Site: "b", Prefix: p("10.1.5.0/24")},     // inside a's
		{Site: "b", Prefix: p("10.0.0.0/8")},      // covers a's and b's
		{Site: "b", Prefix: p("198.51.100.0/24")}, // a's endpoint
		{Site: "b", Prefix: p("203.0.113.0/24")},  // b's own observed endpoint
		{Site: "b", Prefix: p("10.9.0.0/16")},     // a learned it first
		{Site: "b", Prefix: p("172.16.0.0/12")},   // routed
	}
	if err := addLearned(context.Background(), learnedStore{learned: learned}, snap); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(snap.Prefixes["a"], snap.Prefixes["b"]); got != "[10.1.0.0/16 10.9.0.0/16] [10.2.0.0/16 172.16.0.0/12]" {
		t.Errorf("routed: %s", got)
	}
	var got []string
	for _, u := range snap.Unrouted {
		got = append(got, fmt.Sprintf("%s %s: %s", u.Site, u.Prefix, u.Why))
	}
	want := []string{
		"b 10.1.5.0/24: overlaps 10.1.0.0/16 of a",
		"b 10.0.0.0/8: overlaps 10.1.0.0/16 of a",
		"b 198.51.100.0/24: covers the WAN endpoint 198.51.100.1",
		"b 203.0.113.0/24: covers the WAN endpoint 203.0.113.7",
		"b 10.9.0.0/16: overlaps 10.9.0.0/16 of a",
	}
	if !slices.Equal(got, want) {
		t.Errorf("not routed:\n%q\nwant\n%q", got, want)
	}
}
