package classify

// Reassembly of a ClientHello that spans packets: a large hello (with
// post-quantum key shares, 1.5–2 kB) takes two TCP segments or two QUIC
// Initial packets, and clients that permute their extensions may put
// server_name in the second. A flow whose first packet gives
// ErrSNINeedMore borrows a buffer from a small preallocated pool, keeps
// the hello's bytes in order, and returns the buffer when the name is
// found, the search ends, or the flow is removed.

// Bounds of reassembly.
const (
	// DefaultMaxReassembly is how many flows may reassemble at once.
	DefaultMaxReassembly = 128
	// maxHello is the most ClientHello bytes a flow keeps.
	maxHello = maxCryptoBytes
)

type reasm struct {
	buf  [maxHello]byte
	n    int
	next uint32 // TCP: sequence number of the next byte expected
}

func newReasmPool(n int) ([]reasm, []int32) {
	pool := make([]reasm, n)
	free := make([]int32, n)
	for i := range free {
		free[i] = int32(n - 1 - i)
	}
	return pool, free
}

// takeReasm gives f a buffer holding b; false when the pool is empty.
func (c *Classifier) takeReasm(f *flow, b []byte, next uint32) bool {
	if len(c.reasmFree) == 0 {
		return false
	}
	i := c.reasmFree[len(c.reasmFree)-1]
	c.reasmFree = c.reasmFree[:len(c.reasmFree)-1]
	r := &c.reasms[i]
	r.n, r.next = copy(r.buf[:], b), next
	f.reasm = i + 1
	return true
}

// dropReasm returns f's buffer, if any, to the pool.
func (c *Classifier) dropReasm(f *flow) {
	if f.reasm > 0 {
		c.reasmFree = append(c.reasmFree, f.reasm-1)
		f.reasm = 0
	}
}

// searchSNI looks for the server name in one payload packet of f, with
// what earlier packets left in its buffer. err is ErrSNINeedMore while the
// search should go on.
func (c *Classifier) searchSNI(f *flow, p *Packet) ([]byte, error) {
	if p.Flow.Proto == ProtoUDP {
		return c.searchQUIC(f, p)
	}
	if f.reasm == 0 {
		name, err := ParseSNI(p.Payload)
		if err == ErrSNINeedMore && !c.takeReasm(f, p.Payload, p.TCPSeq+uint32(len(p.Payload))) {
			c.stats.reasmFull.Add(1)
		}
		return name, err
	}
	r := &c.reasms[f.reasm-1]
	switch d := int32(p.TCPSeq - r.next); {
	case d < 0 && d+int32(len(p.Payload)) <= 0: // a retransmission of bytes we have
		return nil, ErrSNINeedMore
	case d != 0: // overlap or a gap: give up rather than guess
		return nil, ErrSNIMalformed
	}
	if r.n+len(p.Payload) > maxHello {
		return nil, ErrSNIMalformed
	}
	r.n += copy(r.buf[r.n:], p.Payload)
	r.next += uint32(len(p.Payload))
	return ParseSNI(r.buf[:r.n])
}

func (c *Classifier) searchQUIC(f *flow, p *Packet) ([]byte, error) {
	var prev []byte
	if f.reasm > 0 {
		r := &c.reasms[f.reasm-1]
		prev = r.buf[:r.n]
	}
	name, stream, err := quicSNI(p.Payload, prev)
	if err != ErrSNINeedMore {
		return name, err
	}
	if f.reasm > 0 {
		r := &c.reasms[f.reasm-1]
		r.n = copy(r.buf[:], stream)
	} else if !c.takeReasm(f, stream, 0) {
		c.stats.reasmFull.Add(1)
	}
	return nil, err
}
