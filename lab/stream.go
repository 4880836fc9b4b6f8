package lab

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// A stream is a constant-rate UDP flow between two LAN hosts, the way a
// voice call looks to the network (by default 50 packets of 172 bytes a
// second: G.711 with 20 ms of audio per RTP packet). The receiver reports
// what a listener would hear: the packets lost, the copies, and above all
// the largest gap between two packets, which is what a failover costs.

// Stream defaults.
const (
	DefaultStreamPort = 20000 // in the RTP range: the built-in catalogue's voice class
	DefaultStreamRate = 50
	DefaultStreamSize = 172
	streamHeader      = 24 // magic, sequence number, send time
)

var streamMagic = [8]byte{'p', 't', 'r', 'n', 's', 't', 'r', 'm'}

// StreamSend is the sender's settings.
type StreamSend struct {
	To   netip.AddrPort
	Rate int           // packets per second
	For  time.Duration // how long to send
	Size int           // UDP payload bytes
	DSCP int           // 0..63 (46: EF)
}

// StreamReport is what the receiver saw.
type StreamReport struct {
	Packets    uint64  `json:"packets"`    // datagrams received
	Unique     uint64  `json:"unique"`     // distinct sequence numbers
	Duplicates uint64  `json:"duplicates"` // copies of a sequence number already received
	Lost       uint64  `json:"lost"`       // sequence numbers between the first and the last never received
	Reordered  uint64  `json:"reordered"`  // received after a higher sequence number
	First      uint64  `json:"first_seq"`
	Last       uint64  `json:"last_seq"`
	MaxGapMS   float64 `json:"max_gap_ms"`
	// MaxGapAfter is the sequence number received just before the largest
	// gap.
	MaxGapAfter uint64  `json:"max_gap_after_seq"`
	DurationS   float64 `json:"duration_s"` // first to last packet
	Malformed   uint64  `json:"malformed"`  // datagrams that are not stream packets
}

func (o *StreamSend) check() error {
	switch {
	case !o.To.IsValid() || o.To.Port() == 0:
		return errors.New("--to: want ADDRESS[:PORT]")
	case o.Rate < 1 || o.Rate > 100000:
		return fmt.Errorf("--rate %d: want 1 to 100000 packets per second", o.Rate)
	case o.For <= 0:
		return fmt.Errorf("--for %v: want a positive duration", o.For)
	case o.Size < streamHeader || o.Size > 8972:
		return fmt.Errorf("--size %d: want %d to 8972 bytes", o.Size, streamHeader)
	case o.DSCP < 0 || o.DSCP > 63:
		return fmt.Errorf("--dscp %d: want 0 to 63", o.DSCP)
	}
	return nil
}

// SendStream sends the stream; it returns the number of packets sent.
// Packets are due at fixed times from the start, so a late wake-up sends
// the packets it owes at once and the rate holds on average.
func SendStream(ctx context.Context, o StreamSend) (uint64, error) {
	if err := o.check(); err != nil {
		return 0, err
	}
	network := "udp4"
	if o.To.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(o.To))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if o.DSCP != 0 {
		raw, err := conn.SyscallConn()
		if err != nil {
			return 0, err
		}
		var serr error
		if err := raw.Control(func(fd uintptr) {
			if o.To.Addr().Is6() {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, o.DSCP<<2)
			} else {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, o.DSCP<<2)
			}
		}); err != nil || serr != nil {
			return 0, fmt.Errorf("--dscp: %v", errors.Join(err, serr))
		}
	}
	buf := make([]byte, o.Size)
	copy(buf, streamMagic[:])
	interval := time.Second / time.Duration(o.Rate)
	total := uint64(o.For / interval)
	start := time.Now()
	var seq uint64
	for seq < total {
		due := start.Add(time.Duration(seq) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return seq, nil
			case <-time.After(d):
			}
		}
		binary.BigEndian.PutUint64(buf[8:], seq)
		binary.BigEndian.PutUint64(buf[16:], uint64(time.Now().UnixNano()))
		// A send error (no route for a moment) is a lost packet, as for
		// a real call.
		_, _ = conn.Write(buf)
		seq++
	}
	return seq, nil
}

// ReceiveStream listens on addr and reports the stream it receives: it
// ends idle after the last packet (or, without any, at ctx's end).
func ReceiveStream(ctx context.Context, addr netip.AddrPort, idle time.Duration, ready func()) (StreamReport, error) {
	var r StreamReport
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return r, fmt.Errorf("--listen: %w", err)
	}
	defer conn.Close()
	if ready != nil {
		ready()
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	seen := map[uint64]bool{}
	buf := make([]byte, 65536)
	var first, last, prev time.Time
	var top uint64
	for {
		if !last.IsZero() {
			_ = conn.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := conn.Read(buf)
		now := time.Now()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			return r, err
		}
		if n < streamHeader || [8]byte(buf[:8]) != streamMagic {
			r.Malformed++
			continue
		}
		seq := binary.BigEndian.Uint64(buf[8:])
		r.Packets++
		if seen[seq] {
			r.Duplicates++
			continue
		}
		seen[seq] = true
		r.Unique++
		if first.IsZero() {
			first, r.First, r.Last, top = now, seq, seq, seq
		}
		if seq < top {
			r.Reordered++
		}
		top = max(top, seq)
		r.First, r.Last = min(r.First, seq), max(r.Last, seq)
		if !prev.IsZero() {
			if g := now.Sub(prev); ms(g) > r.MaxGapMS {
				r.MaxGapMS, r.MaxGapAfter = ms(g), lastSeq(seen, seq)
			}
		}
		prev, last = now, now
	}
	if r.Unique > 0 {
		r.Lost = r.Last - r.First + 1 - r.Unique
		r.DurationS = math.Round(last.Sub(first).Seconds()*1000) / 1000
	}
	return r, nil
}

// lastSeq is the sequence number received before seq: the one the gap
// follows (seq-1 unless packets were lost in the gap).
func lastSeq(seen map[uint64]bool, seq uint64) uint64 {
	for s := seq - 1; s+1 > 0 && seq-s < 1<<20; s-- {
		if seen[s] {
			return s
		}
	}
	return seq
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
