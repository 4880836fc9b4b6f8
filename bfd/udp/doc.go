// Package udp is the IP transport of BFD: RFC 5881 single-hop sessions on
// UDP port 3784 and RFC 5883 multihop sessions on UDP port 4784, over IPv4
// and IPv6.
//
// A Transport owns one listening socket per (address family, port), shared
// by all sessions, and one reader goroutine per listening socket. Readers
// take datagrams in batches with recvmmsg into buffers allocated once, parse
// the source address and the ancillary data (TTL or Hop Limit, destination
// address, interface) by hand, and hand every packet synchronously to a
// bfd.Receiver. The receive path does not allocate.
//
// Every session transmits through its own Sender: a UDP socket bound to the
// session's local address and a source port unique within the Transport
// (RFC 5881 §4), connected to the peer, sending with TTL / Hop Limit 255
// (RFC 5881 §5). A session therefore costs one file descriptor.
//
// The package is implemented for Linux only.
package udp
