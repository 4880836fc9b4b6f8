package classify

import "github.com/patronus-sdwan/patronus/edge/ippkt"

// IP protocol numbers the classifier knows by name.
const (
	ProtoICMP   = ippkt.ProtoICMP
	ProtoTCP    = ippkt.ProtoTCP
	ProtoUDP    = ippkt.ProtoUDP
	ProtoICMPv6 = ippkt.ProtoICMPv6
	ProtoSCTP   = ippkt.ProtoSCTP
)

// FlowKey is a flow's 5-tuple (edge/ippkt parses it).
type FlowKey = ippkt.Flow

// Packet is a parsed packet: the data path parses each packet once
// (ippkt.Parse) and hands the result to ClassifyPacket.
type Packet = ippkt.Packet

// ParseError is why ippkt.Parse refused a packet; the classifier counts
// them by Reason.
type ParseError = ippkt.ParseError

// NumParseErrors bounds the ParseError values.
const NumParseErrors = ippkt.NumParseErrors
