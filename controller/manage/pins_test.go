package manage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func TestPins(t *testing.T) {
	e := newEnv(t)
	op := as(auth.RoleOperator)
	mt := manage.PinMatchText{Protocol: 6, Dst: "10.2.0.0/24", DstPort: 443}
	m := store.PinMatch{Protocol: 6, Dst: netip.MustParsePrefix("10.2.0.0/24"), DstPort: 443}
	_, err := e.svc.SetPin(as(auth.RoleViewer), "default", manage.PinInput{Site: "a", Match: mt, Path: "a/inet->b/inet"})
	wantCode(t, err, manage.CodeForbidden, "")
	p, err := e.svc.SetPin(op, "default", manage.PinInput{Site: "a", Match: mt, Path: "b/inet->a/inet", TTL: time.Hour})
	if err != nil || p.Path != "a/inet->b/inet" || p.CreatedBy != "u-operator" || !p.ExpiresAt.Equal(e.now.Add(time.Hour)) {
		t.Fatalf("set: %+v, %v", p, err)
	}
	pins, err := e.svc.Pins(as(auth.RoleViewer), "default", "a")
	if err != nil || len(pins) != 1 || pins[0].ID != p.ID || pins[0].Match != m {
		t.Fatalf("pins: %+v, %v", pins, err)
	}
	if pins, _ := e.svc.Pins(as(auth.RoleViewer), "default", "b"); len(pins) != 0 {
		t.Fatalf("site b has pins %+v", pins)
	}
	entries := e.audit.Entries()
	last := entries[len(entries)-1]
	var d map[string]any
	if err := json.Unmarshal(last.Detail, &d); err != nil || last.Action != "pin.set" || last.Outcome != "success" ||
		d["path"] != "a/inet->b/inet" || fmt.Sprint(d["match"]) != "map[dst:10.2.0.0/24 dst_port:443 protocol:6]" || d["expires_at"] == nil {
		t.Fatalf("audit %+v %s %v", last, last.Detail, err)
	}
	if evs, _ := e.st.Events(context.Background(), "default", store.EventQuery{Limit: 10}); len(evs) != 1 || evs[0].Kind != "pin_set" {
		t.Fatalf("events %+v", evs)
	}
	for _, c := range []struct {
		in    manage.PinInput
		field string
	}{
		{manage.PinInput{Site: "a", Path: ""}, "path"},
		{manage.PinInput{Site: "a", Path: "a/inet"}, "pin.path"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/lte"}, "pin.path"}, // no such link
		{manage.PinInput{Site: "a", Path: "b/inet->c/inet"}, "pin.path"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", Match: manage.PinMatchText{DstPort: 80}}, "pin.match.protocol"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", Match: manage.PinMatchText{Src: "10.0.0.1/24"}}, "pin.match.src"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", Match: manage.PinMatchText{Dst: "banana"}}, "pin.match.dst"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", Match: manage.PinMatchText{Protocol: 256}}, "pin.match.protocol"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", Match: manage.PinMatchText{Protocol: 6, DstPort: 70000}}, "pin.match.dst_port"},
		{manage.PinInput{Site: "a", Path: "a/inet->b/inet", TTL: -time.Second}, "ttl"},
		{manage.PinInput{Site: "a'; DROP TABLE pins; --", Path: "a/inet->b/inet"}, "site"},
	} {
		_, err := e.svc.SetPin(op, "default", c.in)
		wantCode(t, err, manage.CodeInvalidArgument, c.field)
	}
	err = e.svc.DeletePin(as(auth.RoleViewer), "default", p.ID)
	wantCode(t, err, manage.CodeForbidden, "")
	if err := e.svc.DeletePin(op, "default", p.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.DeletePin(op, "default", p.ID), manage.CodeNotFound, "")
	wantCode(t, e.svc.DeletePin(op, "default", 0), manage.CodeInvalidArgument, "id")
	last = e.audit.Entries()[len(e.audit.Entries())-1]
	if last.Action != "pin.delete" || last.Outcome != "failure" {
		t.Fatalf("audit %+v", last)
	}
}
