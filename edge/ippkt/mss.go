package ippkt

import "encoding/binary"

// ClampMSS lowers the MSS option of the TCP SYN (or SYN-ACK) p describes
// to what fits mtu: mtu-40 for IPv4, mtu-60 for IPv6 (IP and TCP headers
// without options). The TCP checksum is updated incrementally (RFC 1624).
// It reports whether it changed pkt, the packet p was parsed from.
// Packets that are not TCP SYNs with an MSS option are left alone; large
// packets are then still refused with ICMP.
func ClampMSS(pkt []byte, p *Packet, mtu int) bool {
	if p.MSS == 0 || p.MSS+2 > len(pkt) || p.L4+18 > len(pkt) {
		return false
	}
	limit := mtu - 40
	if p.Version == 6 {
		limit = mtu - 60
	}
	if limit <= 0 || limit > 0xffff {
		return false
	}
	old, max := binary.BigEndian.Uint16(pkt[p.MSS:]), uint16(limit)
	if old <= max {
		return false
	}
	binary.BigEndian.PutUint16(pkt[p.MSS:], max)
	updateChecksum(pkt[p.L4+16:p.L4+18], old, max)
	return true
}

// updateChecksum applies RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
func updateChecksum(sum []byte, old, new uint16) {
	c := uint32(^binary.BigEndian.Uint16(sum)) + uint32(^old) + uint32(new)
	c = (c & 0xffff) + c>>16
	c = (c & 0xffff) + c>>16
	binary.BigEndian.PutUint16(sum, ^uint16(c))
}
