package cli

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/udp"
	"github.com/patronus-sdwan/patronus/internal/bfdcfg"
)

// runner owns the BFD Manager and UDP transport of `patronus bfd run` and
// applies whole sets of sessions to them.
type runner struct {
	mgr     *bfd.Manager
	tr      *udp.Transport
	listen  udp.Config
	specs   map[bfd.Key]bfdcfg.Spec
	batched bool // senders share one socket per family and kind (--shared-source-port)
}

// sender is a session's transmitter as the runner owns it.
type sender interface {
	bfd.Sender
	io.Closer
}

// startRunner opens the sockets the sessions need and adds them to mgr.
func startRunner(mgr *bfd.Manager, specs []bfdcfg.Spec, batched bool, log *slog.Logger) (*runner, error) {
	lc := listenConfig(specs, log)
	tr, err := udp.Listen(lc, mgr)
	if err != nil {
		return nil, fmt.Errorf("%w (is another BFD daemon, e.g. FRR bfdd or BIRD, using the port?)", err)
	}
	r := &runner{mgr: mgr, tr: tr, listen: lc, specs: map[bfd.Key]bfdcfg.Spec{}, batched: batched}
	if batched {
		mgr.SetFlush(tr.Flush)
	}
	if err := r.apply(specs, log); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// close takes every session AdminDown, tells the peers, then closes sockets.
func (r *runner) close() {
	_ = r.mgr.Close()
	_ = r.tr.Close()
}

// apply makes the running sessions equal to specs: new ones are added,
// missing ones removed (AdminDown first), changed ones updated in place.
// Everything that can fail is checked before anything changes.
func (r *runner) apply(specs []bfdcfg.Spec, log *slog.Logger) error {
	if err := r.covered(specs); err != nil {
		return err
	}
	want := make(map[bfd.Key]bfdcfg.Spec, len(specs))
	for _, s := range specs {
		want[s.Key] = s
	}
	senders, err := r.newSenders(want)
	if err != nil {
		return err
	}
	for k := range r.specs {
		if _, keep := want[k]; !keep || senders[k] != nil {
			_ = r.mgr.Remove(k)
			delete(r.specs, k)
			log.Info("session removed", "local", k.Local, "peer", k.Peer)
		}
	}
	for k, s := range want {
		if err := r.put(s, senders[k]); err != nil {
			return err
		}
	}
	return nil
}

// newSenders opens a socket for every session that is new or whose
// interface binding changed; on failure nothing is kept.
func (r *runner) newSenders(want map[bfd.Key]bfdcfg.Spec) (map[bfd.Key]sender, error) {
	out := map[bfd.Key]sender{}
	for k, s := range want {
		if old, ok := r.specs[k]; ok && old.Interface == s.Interface {
			continue
		}
		tx, err := r.newSender(s)
		if err != nil {
			for _, o := range out {
				_ = o.Close()
			}
			return nil, fmt.Errorf("session %s: %w", k, err)
		}
		out[k] = tx
	}
	return out, nil
}

func (r *runner) newSender(s bfdcfg.Spec) (sender, error) {
	if r.batched {
		return r.tr.NewBatchedSender(s.Local, s.Peer, s.Multihop, s.Interface)
	}
	return r.tr.NewSender(s.Local, s.Peer, s.Multihop, s.Interface)
}

// put adds a session (tx non-nil) or updates it when its settings changed.
func (r *runner) put(s bfdcfg.Spec, tx sender) error {
	var err error
	switch old, ok := r.specs[s.Key]; {
	case tx != nil:
		_, err = r.mgr.Add(s.SessionConfig, tx)
	case ok && !sameSpec(old, s):
		err = r.mgr.Update(s.SessionConfig)
	}
	if err != nil {
		return fmt.Errorf("session %s: %w", s.Key, err)
	}
	r.specs[s.Key] = s
	return nil
}

func sameSpec(a, b bfdcfg.Spec) bool {
	aa, ba := a.Auth, b.Auth
	a.Auth, b.Auth = nil, nil
	if a != b {
		return false
	}
	if aa == nil || ba == nil {
		return aa == ba
	}
	return aa.Type == ba.Type && aa.KeyID == ba.KeyID && bytes.Equal(aa.Secret, ba.Secret)
}

// covered checks that the listening sockets opened at start can receive the
// packets of every session.
func (r *runner) covered(specs []bfdcfg.Spec) error {
	for _, s := range specs {
		fam, on, bound := "IPv6", r.listen.EnableV6, r.listen.ListenV6
		if s.Local.Is4() {
			fam, on, bound = "IPv4", r.listen.EnableV4, r.listen.ListenV4
		}
		kind, portOn := "single-hop", r.listen.SingleHop
		if s.Multihop {
			kind, portOn = "multihop", r.listen.Multihop
		}
		switch {
		case !on || !portOn:
			return fmt.Errorf("session %s: no %s %s socket was opened at start; restart to add this kind of session", s.Key, fam, kind)
		case bound.IsValid() && !bound.IsUnspecified() && bound != s.Local:
			return fmt.Errorf("session %s: the %s socket is bound to %s since start; restart to use local %s", s.Key, fam, bound, s.Local)
		}
	}
	return nil
}
