package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The chaos run's traffic: between every pair of sites, a duplicated
// voice stream one way, a best-path stream the other way, and TCP
// transfers of random files both ways, each checked by SHA-256 at the
// receiver. Its sockets are made inside the LAN hosts' namespaces by
// inNetNS and used from ordinary goroutines (a socket stays in the
// namespace it was made in).

// Ports of the chaos traffic; a stream's receiver listens on the port
// plus the sending site's ID. 20000 is in the RTP range (the voice
// class, duplicated by the lab's policy); 40000 and 45000 are in no
// built-in application, so they are steered best-path.
const (
	chaosVoicePort = DefaultStreamPort
	chaosBestPort  = 40000
	chaosFilePort  = 45000
	chaosRate      = 50 // packets a second, as a call
	fileTimeout    = 3 * time.Minute
)

var fileMagic = [8]byte{'p', 't', 'r', 'n', 'f', 'i', 'l', 'e'}

// inNetNS runs f on an OS thread moved into namespace ns. The thread is
// never given back to the runtime (it ends with f's goroutine), so no
// other goroutine ever runs in the namespace by mistake.
func inNetNS(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		h, err := os.Open(filepath.Join("/var/run/netns", ns))
		if err != nil {
			errc <- err
			return
		}
		err = unix.Setns(int(h.Fd()), unix.CLONE_NEWNET)
		h.Close()
		if err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// chaosStream is one UDP stream of the run, and what its receiver saw.
// The receiver's goroutine owns seen until done is closed.
type chaosStream struct {
	From, To string
	Mode     string // "duplicate" or "best-path"
	start    time.Time
	sent     uint64
	conn     *net.UDPConn
	seen     []bool
	packets  uint64
	done     chan struct{}
	sendDone chan struct{}
	sendErr  error
}

// startStream listens in the receiver's namespace and sends from the
// sender's until ctx ends.
func startStream(ctx context.Context, from, to *Site, mode string, port int) (*chaosStream, error) {
	port += from.ID
	s := &chaosStream{From: from.Name, To: to.Name, Mode: mode, done: make(chan struct{}), sendDone: make(chan struct{})}
	err := inNetNS(to.hostNS, func() error {
		var err error
		s.conn, err = net.ListenUDP("udp", &net.UDPAddr{Port: port})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stream to %s: %w", to.HostNode, err)
	}
	go s.receive()
	dst := netip.AddrPortFrom(netip.MustParseAddr(to.HostIPv4), uint16(port))
	s.start = time.Now()
	go func() {
		defer close(s.sendDone)
		s.sendErr = inNetNS(from.hostNS, func() error {
			n, err := SendStream(ctx, StreamSend{To: dst, Rate: chaosRate, For: 1000 * time.Hour, Size: DefaultStreamSize})
			s.sent = n
			return err
		})
	}()
	return s, nil
}

func (s *chaosStream) receive() {
	defer close(s.done)
	buf := make([]byte, 2048)
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			return // closed by finish
		}
		if n < streamHeader || [8]byte(buf[:8]) != streamMagic {
			continue
		}
		seq := binary.BigEndian.Uint64(buf[8:])
		if seq >= 1<<24 {
			continue
		}
		s.packets++
		for uint64(len(s.seen)) <= seq {
			s.seen = append(s.seen, false)
		}
		s.seen[seq] = true
	}
}

// finish waits for the sender (ctx must have ended), lets the last
// packets arrive and stops the receiver.
func (s *chaosStream) finish() error {
	<-s.sendDone
	time.Sleep(1500 * time.Millisecond)
	s.conn.Close()
	<-s.done
	return s.sendErr
}

// lost returns the sequence numbers sent and never received.
func (s *chaosStream) lost() []uint64 {
	var out []uint64
	for seq := uint64(0); seq < s.sent; seq++ {
		if seq >= uint64(len(s.seen)) || !s.seen[seq] {
			out = append(out, seq)
		}
	}
	return out
}

// due is when packet seq was due to be sent.
func (s *chaosStream) due(seq uint64) time.Time {
	return s.start.Add(time.Duration(seq) * time.Second / chaosRate)
}

// fileServer receives files on a LAN host and checks each one's SHA-256.
type fileServer struct {
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex // guards received
	received uint64     // bytes of files that arrived whole and exact
}

func startFileServer(s *Site) (*fileServer, error) {
	fs := &fileServer{}
	err := inNetNS(s.hostNS, func() error {
		var err error
		fs.ln, err = net.Listen("tcp", fmt.Sprintf(":%d", chaosFilePort))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("file receiver in %s: %w", s.HostNode, err)
	}
	fs.wg.Add(1)
	go fs.serve()
	return fs, nil
}

func (fs *fileServer) serve() {
	defer fs.wg.Done()
	for {
		c, err := fs.ln.Accept()
		if err != nil {
			return
		}
		fs.wg.Add(1)
		go func() {
			defer fs.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(fileTimeout))
			if n, ok := receiveFile(c); ok {
				fs.mu.Lock()
				fs.received += n
				fs.mu.Unlock()
			}
		}()
	}
}

func (fs *fileServer) close() {
	fs.ln.Close()
	fs.wg.Wait()
}

// receiveFile reads one file (magic, length, SHA-256, then the bytes),
// checks it and answers '=' when it is exact, '!' when not.
func receiveFile(c net.Conn) (uint64, bool) {
	var hdr [48]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || [8]byte(hdr[:8]) != fileMagic {
		return 0, false
	}
	size := binary.BigEndian.Uint64(hdr[8:16])
	if size > 64<<20 {
		return 0, false
	}
	h := sha256.New()
	if _, err := io.CopyN(h, c, int64(size)); err != nil {
		return 0, false
	}
	ok := bytes.Equal(h.Sum(nil), hdr[16:48])
	verdict := []byte{'!'}
	if ok {
		verdict[0] = '='
	}
	_, _ = c.Write(verdict)
	return size, ok
}

// fileFlow sends random files from one LAN host to another, one after
// the other, until its context ends.
type fileFlow struct {
	From, To  string
	Sent      int      // files whose transfer started
	Exact     int      // confirmed byte-exact by the receiver
	Corrupted int      // the receiver's checksum differed
	Failed    []string // transfers that broke, with why
	NoConnect int      // connections never established (nothing sent)
	Bytes     uint64   // bytes of the exact files
}

func (f *fileFlow) run(ctx context.Context, from, to *Site, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x66696c65))
	dst := net.JoinHostPort(to.HostIPv4, fmt.Sprint(chaosFilePort))
	for ctx.Err() == nil {
		size := 16<<10 + rng.IntN(240<<10)
		data := make([]byte, size)
		for i := 0; i+8 <= len(data); i += 8 {
			binary.LittleEndian.PutUint64(data[i:], rng.Uint64())
		}
		var c net.Conn
		err := inNetNS(from.hostNS, func() error {
			var err error
			c, err = net.DialTimeout("tcp", dst, 30*time.Second)
			return err
		})
		if err != nil {
			f.NoConnect++
			time.Sleep(time.Second)
			continue
		}
		f.Sent++
		switch verdict, err := sendFile(c, data); {
		case err != nil:
			f.Failed = append(f.Failed, fmt.Sprintf("%s file %d (%d bytes): %v", time.Now().UTC().Format("15:04:05.000"), f.Sent, size, err))
		case verdict == '=':
			f.Exact++
			f.Bytes += uint64(size)
		default:
			f.Corrupted++
		}
		// A modest load: the lab shares its machine's CPUs with the edges.
		time.Sleep(time.Duration(300+rng.IntN(1000)) * time.Millisecond)
	}
}

// sendFile sends data with its length and SHA-256 and returns the
// receiver's verdict.
func sendFile(c net.Conn, data []byte) (byte, error) { return sendFileWith(c, data, data) }

// sendFileWith sends the header of data and then the bytes of body
// (data itself but in tests).
func sendFileWith(c net.Conn, data, body []byte) (byte, error) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(fileTimeout))
	var hdr [48]byte
	copy(hdr[:], fileMagic[:])
	binary.BigEndian.PutUint64(hdr[8:], uint64(len(data)))
	sum := sha256.Sum256(data)
	copy(hdr[16:], sum[:])
	if _, err := c.Write(append(hdr[:], body...)); err != nil {
		return 0, err
	}
	var v [1]byte
	if _, err := io.ReadFull(c, v[:]); err != nil {
		return 0, fmt.Errorf("no verdict: %w", err)
	}
	if v[0] != '=' && v[0] != '!' {
		return 0, errors.New("bad verdict")
	}
	return v[0], nil
}
