package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Impairment is what the underlay does to one WAN link, in both
// directions.
type Impairment struct {
	Down    bool     `json:"down"`
	LossPct float64  `json:"loss_pct"`         // dropped in each direction, by nftables
	Delay   Duration `json:"delay"`            // added in each direction, by the WAN emulator
	Jitter  Duration `json:"jitter"`           // ± around Delay, order kept
	Rate    uint64   `json:"rate_bps"`         // tbf in each direction; 0 is unlimited
	RateStr string   `json:"rate,omitempty"`   // as given
	Since   string   `json:"since,omitempty"`  // when last changed (RFC 3339)
	Errors  string   `json:"errors,omitempty"` // what the last change could not apply
}

// Duration is a time.Duration that reads and writes as "150ms".
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Change is a change to a link's impairment; nil fields are kept.
type Change struct {
	Down    *bool
	LossPct *float64
	Delay   *time.Duration
	Jitter  *time.Duration
	Rate    *uint64
	RateStr string
	Clear   bool // everything back to a clean link first
}

func (c Change) apply(i Impairment) (Impairment, error) {
	if c.Clear {
		i = Impairment{}
	}
	if c.Down != nil {
		i.Down = *c.Down
	}
	if c.LossPct != nil {
		if *c.LossPct < 0 || *c.LossPct > 100 {
			return i, fmt.Errorf("--loss %v: want a percentage from 0 to 100", *c.LossPct)
		}
		i.LossPct = *c.LossPct
	}
	if c.Delay != nil {
		if *c.Delay < 0 || *c.Delay > 10*time.Second {
			return i, fmt.Errorf("--delay %v: want 0 to 10s", *c.Delay)
		}
		i.Delay = Duration(*c.Delay)
	}
	if c.Jitter != nil {
		if *c.Jitter < 0 || *c.Jitter > 10*time.Second {
			return i, fmt.Errorf("--jitter %v: want 0 to 10s", *c.Jitter)
		}
		i.Jitter = Duration(*c.Jitter)
	}
	if i.Jitter > i.Delay {
		return i, fmt.Errorf("--jitter %v is larger than --delay %v: a frame cannot leave before it arrived", time.Duration(i.Jitter), time.Duration(i.Delay))
	}
	if c.Rate != nil {
		if *c.Rate != 0 && *c.Rate < 8000 {
			return i, fmt.Errorf("--rate %s: want at least 8kbit", c.RateStr)
		}
		i.Rate, i.RateStr = *c.Rate, c.RateStr
		if *c.Rate == 0 {
			i.RateStr = ""
		}
	}
	return i, nil
}

// Impair changes the impairment of one link of one site. The new state
// is written only once it is applied. It returns the site's name and the
// link as it is now.
func Impair(root, name, site, link string, c Change, binary string) (string, *Link, error) {
	st, err := Load(root, name)
	if err != nil {
		return "", nil, err
	}
	s, err := st.site(site)
	if err != nil {
		return "", nil, err
	}
	n, l, err := s.link(link)
	if err != nil {
		return "", nil, err
	}
	imp, err := c.apply(l.Impairment)
	if err != nil {
		return "", nil, err
	}
	prev := *l
	l.Impairment = imp
	l.Impairment.Since = time.Now().UTC().Format(time.RFC3339)
	l.Impairment.Errors = ""
	if err := st.applyLink(s, n, l, prev, binary); err != nil {
		// Keep the state honest: the filter and qdiscs are rebuilt from it,
		// so record what is in force and what failed.
		l.Impairment.Errors = err.Error()
		_ = st.save()
		return "", nil, err
	}
	return s.Name, l, st.save()
}

// applyLink brings the link's wire to l.Impairment.
func (st *State) applyLink(s *Site, n int, l *Link, prev Link, binary string) error {
	var errs []error
	if err := st.applyFilter(); err != nil {
		errs = append(errs, err)
	}
	if l.Impairment.Rate != prev.Impairment.Rate {
		errs = append(errs, st.applyRate(s.ID, n, l.Impairment.Rate))
	}
	if l.Impairment.Delay != prev.Impairment.Delay || l.Impairment.Jitter != prev.Impairment.Jitter || !alive(l.WANEmPID) && l.Impairment.Delay > 0 {
		errs = append(errs, st.applyDelay(s, n, l, binary))
	}
	return errors.Join(errs...)
}

// filterTable is the lab's nftables table in the wan namespace.
const filterTable = "patronus_lab"

// applyFilter replaces the lab's nftables table with one that has the
// loss and down rules of every link, atomically.
func (st *State) applyFilter() error {
	if _, err := output([]byte(st.ruleset()), "ip", "netns", "exec", nsWAN(st.Name), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("loss and down rules: %w", err)
	}
	return nil
}

// ruleset is the nft script of the lab's loss and down rules.
func (st *State) ruleset() string {
	var rules []string
	for _, s := range st.Sites {
		for i, l := range s.Links {
			g := ifGateway(s.ID, i+1)
			switch imp := l.Impairment; {
			case imp.Down:
				rules = append(rules,
					fmt.Sprintf(`iifname %q counter drop comment "%s %s down"`, g, s.Name, l.Name),
					fmt.Sprintf(`oifname %q counter drop comment "%s %s down"`, g, s.Name, l.Name))
			case imp.LossPct > 0:
				// numgen draws 0..9999: hundredths of a percent.
				n := int(imp.LossPct*100 + 0.5)
				rules = append(rules,
					fmt.Sprintf(`iifname %q numgen random mod 10000 < %d counter drop comment "%s %s loss %v%%"`, g, n, s.Name, l.Name, imp.LossPct),
					fmt.Sprintf(`oifname %q numgen random mod 10000 < %d counter drop comment "%s %s loss %v%%"`, g, n, s.Name, l.Name, imp.LossPct))
			}
		}
	}
	var b strings.Builder
	// Declaring the table first makes the delete succeed on a new lab;
	// nft -f applies the whole file as one transaction.
	fmt.Fprintf(&b, "table inet %s\ndelete table inet %s\ntable inet %s {\n", filterTable, filterTable, filterTable)
	b.WriteString("  chain forward {\n    type filter hook forward priority 0; policy accept;\n")
	for _, r := range rules {
		b.WriteString("    " + r + "\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// applyRate puts a token bucket on both directions of link n of site s,
// or removes it.
func (st *State) applyRate(s, n int, rate uint64) error {
	wan := nsWAN(st.Name)
	var errs []error
	for _, dev := range []string{ifEdgeSide(s, n), ifRouterSide(s, n)} {
		if rate == 0 {
			if err := run("tc", "-n", wan, "qdisc", "del", "dev", dev, "root"); err != nil && !strings.Contains(err.Error(), "No such file") && !strings.Contains(err.Error(), "Cannot delete qdisc with handle of zero") {
				errs = append(errs, err)
			}
			continue
		}
		// A bucket of 5 ms at the rate, at least 16 KiB so that GSO
		// frames pass; 100 ms of queue before drops.
		burst := max(rate/8/200, 16<<10)
		errs = append(errs, run("tc", "-n", wan, "qdisc", "replace", "dev", dev, "root", "tbf",
			"rate", strconv.FormatUint(rate, 10)+"bit", "burst", strconv.FormatUint(burst, 10), "latency", "100ms"))
	}
	return errors.Join(errs...)
}

// applyDelay runs the WAN emulator between the link's two wan-side ports
// in place of the bridge while there is delay or jitter, and puts the
// bridge back when there is none. Every hand-over keeps the link up: a
// running emulator takes new settings in place (SIGHUP); a new one starts
// held, discarding what it reads while the bridge still forwards, and
// forwards (SIGUSR1) once the ports have left the bridge; the bridge takes
// the ports back before the emulator stops. (A link that disappeared for
// a few hundred milliseconds would take its paths down, and a test of
// delay would be a test of failover.)
func (st *State) applyDelay(s *Site, n int, l *Link, binary string) error {
	wan := nsWAN(st.Name)
	e, r, b := ifEdgeSide(s.ID, n), ifRouterSide(s.ID, n), ifBridge(s.ID, n)
	imp := l.Impairment
	control := filepath.Join(st.Dir, fmt.Sprintf("wanem-%s-%s.control", s.Name, l.Name))
	params := []byte(fmt.Sprintf("%v %v\n", time.Duration(imp.Delay), time.Duration(imp.Jitter)))
	if imp.Delay == 0 && imp.Jitter == 0 {
		if l.WANEmPID == 0 {
			return nil
		}
		err := ipBatch(wan, []string{"link set " + e + " master " + b, "link set " + r + " master " + b})
		stop(l.WANEmPID, 2*time.Second)
		l.WANEmPID = 0
		return err
	}
	if err := os.WriteFile(control, params, 0o600); err != nil {
		return err
	}
	if l.WANEmPID != 0 && syscall.Kill(l.WANEmPID, syscall.SIGHUP) == nil {
		return nil
	}
	ready := filepath.Join(st.Dir, fmt.Sprintf("wanem-%s-%s.ready", s.Name, l.Name))
	_ = os.Remove(ready)
	logf := filepath.Join(st.Dir, fmt.Sprintf("wanem-%s-%s.log", s.Name, l.Name))
	pid, done, err := spawn(wan, logf, nil, binary, "lab", "wan-emulator", "--a", e, "--b", r,
		"--delay", time.Duration(imp.Delay).String(), "--jitter", time.Duration(imp.Jitter).String(),
		"--ready", ready, "--control", control, "--hold")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("WAN emulator for %s %s exited: %s", s.Name, l.Name, tail(logf, 5))
		default:
		}
		if time.Now().After(deadline) {
			stop(pid, time.Second)
			return fmt.Errorf("WAN emulator for %s %s not ready after 5s: %s", s.Name, l.Name, tail(logf, 5))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := ipBatch(wan, []string{"link set " + e + " nomaster", "link set " + r + " nomaster"}); err != nil {
		stop(pid, time.Second)
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		return fmt.Errorf("WAN emulator for %s %s: %w", s.Name, l.Name, err)
	}
	l.WANEmPID = pid
	return nil
}
