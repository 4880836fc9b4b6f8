package probe

import (
	"sync/atomic"
	"time"
)

// A Reflector answers probe requests. It keeps no state per sender, only
// counters, and is safe for concurrent use: every edge runs one for all
// its paths.
type Reflector struct {
	replies atomic.Uint64
	errs    [NumErrors]atomic.Uint64
}

// Reflect writes into out the reply to the request req, which arrived at
// rx; tx is the time the reply is handed to the path (the caller takes it
// just before sending, so the sender can subtract the residence time). It
// returns the reply's length. out may be req itself: the reply is the
// request rewritten in place. It does not allocate.
func (r *Reflector) Reflect(out, req []byte, rx, tx time.Time) (int, error) {
	var p Packet
	if err := Decode(req, &p); err != nil {
		return 0, r.fail(err.(Error))
	}
	if p.Kind != KindRequest {
		return 0, r.fail(ErrNotRequest)
	}
	p.Kind = KindReply
	p.RecvTS, p.SendTS = rx.UnixNano(), tx.UnixNano()
	if p.SendTS < p.RecvTS {
		p.SendTS = p.RecvTS // a clock step between rx and tx: claim no residence
	}
	n, err := Encode(out, &p)
	if err != nil {
		return 0, r.fail(err.(Error))
	}
	r.replies.Add(1)
	return n, nil
}

func (r *Reflector) fail(e Error) Error {
	r.errs[e].Add(1)
	return e
}

// ReflectorCounters are a Reflector's counters.
type ReflectorCounters struct {
	Replies uint64
	Errors  [NumErrors]uint64 // indexed by Error; label with Error.Reason
}

// Counters returns the counters.
func (r *Reflector) Counters() ReflectorCounters {
	c := ReflectorCounters{Replies: r.replies.Load()}
	for i := range c.Errors {
		c.Errors[i] = r.errs[i].Load()
	}
	return c
}
