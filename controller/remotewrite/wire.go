package remotewrite

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The remote-write 1.0 messages (prometheus/prompb remote.proto and
// types.proto), by field number and wire type:
//
//	WriteRequest    1: TimeSeries (repeated, length-delimited)
//	                3: MetricMetadata (repeated, length-delimited)
//	TimeSeries      1: Label (repeated)   2: Sample (repeated)
//	Label           1: name (string)      2: value (string)
//	Sample          1: value (double, fixed64, IEEE 754 bits)
//	                2: timestamp (int64, varint, milliseconds since 1970)
//	MetricMetadata  1: type (enum, varint)   2: metric_family_name (string)
//	                4: help (string)
//
// A series' labels are sorted by name, __name__ among them; its samples
// in time order.

// Label is a label of a series.
type Label struct{ Name, Value string }

// Sample is a value at a time (milliseconds since 1970).
type Sample struct {
	Value       float64
	TimestampMS int64
}

// TimeSeries is a series' labels (sorted by name) and samples.
type TimeSeries struct {
	Labels  []Label
	Samples []Sample
}

// MetricType is MetricMetadata's type.
type MetricType int32

// The MetricMetadata.MetricType values this package sends.
const (
	TypeUnknown   MetricType = 0
	TypeCounter   MetricType = 1
	TypeGauge     MetricType = 2
	TypeHistogram MetricType = 3
	TypeSummary   MetricType = 5
)

// Metadata describes a metric family.
type Metadata struct {
	Type   MetricType
	Family string
	Help   string
}

// AppendWriteRequest appends the encoded WriteRequest of series and meta
// to b (uncompressed).
func AppendWriteRequest(b []byte, series []TimeSeries, meta []Metadata) []byte {
	for _, s := range series {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(seriesSize(s)))
		b = appendSeries(b, s)
	}
	for _, m := range meta {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(metadataSize(m)))
		b = appendMetadata(b, m)
	}
	return b
}

func appendSeries(b []byte, s TimeSeries) []byte {
	for _, l := range s.Labels {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(labelSize(l)))
		b = appendString(b, 1, l.Name)
		b = appendString(b, 2, l.Value)
	}
	for _, x := range s.Samples {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sampleSize(x)))
		b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(x.Value))
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(x.TimestampMS))
	}
	return b
}

func appendMetadata(b []byte, m Metadata) []byte {
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(m.Type))
	b = appendString(b, 2, m.Family)
	return appendString(b, 4, m.Help)
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// Sizes of the encoded messages, without their own tag and length.

func stringSize(s string) int { return 1 + protowire.SizeBytes(len(s)) }

func labelSize(l Label) int { return stringSize(l.Name) + stringSize(l.Value) }

func sampleSize(x Sample) int { return 1 + 8 + 1 + protowire.SizeVarint(uint64(x.TimestampMS)) }

func seriesSize(s TimeSeries) int {
	n := 0
	for _, l := range s.Labels {
		n += 1 + protowire.SizeBytes(labelSize(l))
	}
	for _, x := range s.Samples {
		n += 1 + protowire.SizeBytes(sampleSize(x))
	}
	return n
}

func metadataSize(m Metadata) int {
	return 1 + protowire.SizeVarint(uint64(m.Type)) + stringSize(m.Family) + stringSize(m.Help)
}
