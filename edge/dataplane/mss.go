package dataplane

import "encoding/binary"

// clampMSS lowers the MSS option of a TCP SYN (or SYN-ACK) to what fits
// the overlay MTU: mtu-40 for IPv4, mtu-60 for IPv6. The checksum is
// updated incrementally (RFC 1624). It reports whether it changed pkt.
// Packets that are not TCP SYNs, or IPv6 packets with extension headers,
// are left alone; large packets are then still refused with ICMP.
func clampMSS(pkt []byte, mtu int) bool {
	var tcp []byte
	var max int
	switch {
	case len(pkt) >= 20 && pkt[0]>>4 == 4:
		ihl := int(pkt[0]&0x0f) * 4
		if pkt[9] != 6 || ihl < 20 || len(pkt) < ihl+20 || binary.BigEndian.Uint16(pkt[6:8])&0x1fff != 0 {
			return false // not TCP, or a later fragment
		}
		tcp, max = pkt[ihl:], mtu-40
	case len(pkt) >= 60 && pkt[0]>>4 == 6:
		if pkt[6] != 6 {
			return false
		}
		tcp, max = pkt[40:], mtu-60
	default:
		return false
	}
	if tcp[13]&0x02 == 0 { // SYN
		return false
	}
	return clampOption(tcp, uint16(max))
}

// clampOption rewrites the MSS option of a TCP header if it exceeds max.
func clampOption(tcp []byte, max uint16) bool {
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		return false
	}
	for i := 20; i < off; {
		switch kind := tcp[i]; {
		case kind == 0:
			return false
		case kind == 1:
			i++
			continue
		case i+1 >= off || tcp[i+1] < 2 || i+int(tcp[i+1]) > off:
			return false
		case kind == 2 && tcp[i+1] == 4:
			old := binary.BigEndian.Uint16(tcp[i+2:])
			if old <= max {
				return false
			}
			binary.BigEndian.PutUint16(tcp[i+2:], max)
			updateChecksum(tcp[16:18], old, max)
			return true
		}
		i += int(tcp[i+1])
	}
	return false
}

// updateChecksum applies RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
func updateChecksum(sum []byte, old, new uint16) {
	c := uint32(^binary.BigEndian.Uint16(sum)) + uint32(^old) + uint32(new)
	c = (c & 0xffff) + c>>16
	c = (c & 0xffff) + c>>16
	binary.BigEndian.PutUint16(sum, ^uint16(c))
}
