package quality

import (
	"strings"
	"testing"
	"time"
)

func TestMeets(t *testing.T) {
	voice := SLAClass{Name: "voice", MaxLatency: 150 * ms, MaxJitter: 30 * ms, MaxLossPct: 1}
	for _, tc := range []struct {
		name string
		c    SLAClass
		m    Metrics
		want Violations
	}{
		{"clean", voice, Metrics{Valid: true, Latency: 20 * ms, Jitter: 2 * ms}, 0},
		{"at the limits", voice, Metrics{Valid: true, Latency: 150 * ms, Jitter: 30 * ms, LossPct: 1}, 0},
		{"latency", voice, Metrics{Valid: true, Latency: 151 * ms}, ViolLatency},
		{"jitter", voice, Metrics{Valid: true, Jitter: 31 * ms}, ViolJitter},
		{"loss", voice, Metrics{Valid: true, LossPct: 5}, ViolLoss},
		{"all", voice, Metrics{Valid: true, Latency: time.Second, Jitter: time.Second, LossPct: 50}, ViolLatency | ViolJitter | ViolLoss},
		{"no data meets", voice, Metrics{Latency: time.Second, LossPct: 100}, 0},
		{"no limits", SLAClass{Name: "default"}, Metrics{Valid: true, Latency: time.Hour, LossPct: 99}, 0},
	} {
		ok, v := Meets(tc.c, tc.m)
		if v != tc.want || ok != (tc.want == 0) {
			t.Errorf("%s: Meets = %v %v, want %v", tc.name, ok, v, tc.want)
		}
	}
	var sink Violations
	if a := testing.AllocsPerRun(100, func() { _, sink = Meets(voice, Metrics{Valid: true, LossPct: 5}) }); a != 0 || sink != ViolLoss {
		t.Errorf("Meets allocates %v", a)
	}
}

func TestViolationsAndExplain(t *testing.T) {
	if s := (ViolLatency | ViolLoss).String(); s != "latency,loss" {
		t.Errorf("%q", s)
	}
	if s := Violations(0).String(); s != "none" {
		t.Errorf("%q", s)
	}
	voice := builtin[0]
	got := Explain(voice, Metrics{Valid: true, Latency: 180 * ms, Jitter: 45 * ms, LossPct: 5})
	if want := "latency 180ms > 150ms, jitter 45ms > 30ms, loss 5% > 1%"; got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
	if got := Explain(voice, Metrics{Valid: true}); got != "" {
		t.Errorf("Explain of a clean path = %q", got)
	}
}

func TestBuiltinClassesAreValid(t *testing.T) {
	cs := BuiltinClasses()
	if err := ValidateClasses("sla_classes", cs); err != nil {
		t.Fatal(err)
	}
	if cs[0] != (SLAClass{"voice", 150 * ms, 30 * ms, 1}) {
		t.Errorf("voice is %+v", cs[0])
	}
	cs[0].Name = "changed"
	if builtin[0].Name != "voice" {
		t.Error("BuiltinClasses returned the package's slice")
	}
}

func TestWithBuiltins(t *testing.T) {
	got := WithBuiltins([]SLAClass{{Name: "gaming", MaxLatency: 60 * ms}, {Name: "voice", MaxLatency: 100 * ms}})
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "voice video interactive bulk default gaming" || got[0].MaxLatency != 100*ms {
		t.Fatalf("%v %+v", names, got[0])
	}
}

func TestValidateClasses(t *testing.T) {
	cs := []SLAClass{
		{Name: "voice", MaxLatency: 150 * ms},
		{Name: "video", MaxLossPct: 150},
		{Name: "voice"},
		{Name: ""},
		{Name: "Bad_Name", MaxLatency: -ms, MaxJitter: time.Hour},
		{Name: "-x", MaxLossPct: -1},
		{Name: strings.Repeat("a", 33)},
	}
	err := ValidateClasses("sla_classes", cs)
	want := []string{
		"sla_classes[1].max_loss_pct: 150 is not a percentage",
		`sla_classes[2].name: "voice" is already sla_classes[0]`,
		"sla_classes[3].name: required",
		`sla_classes[4].name: "Bad_Name": use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit`,
		"sla_classes[4].max_latency: -1ms is not between 0 (no limit) and 1m0s",
		"sla_classes[4].max_jitter: 1h0m0s is not between 0 (no limit) and 1m0s",
		`sla_classes[5].name: "-x": use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit`,
		"sla_classes[5].max_loss_pct: -1 is not a percentage",
		`sla_classes[6].name: "` + strings.Repeat("a", 33) + `" is longer than 32 characters`,
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ValidateClasses("x", nil) != nil {
		t.Error("no classes is valid")
	}
}
