package remotewrite

import (
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestAppendWriteRequestBytes: one series {__name__="up", job="x"} with
// 1.0 at 1000 ms and its metadata, byte for byte.
func TestAppendWriteRequestBytes(t *testing.T) {
	got := AppendWriteRequest(nil, []TimeSeries{{
		Labels:  []Label{{"__name__", "up"}, {"job", "x"}},
		Samples: []Sample{{1, 1000}},
	}}, []Metadata{{Type: TypeGauge, Family: "up", Help: "h"}})
	want := "0a28" + // WriteRequest.timeseries, 40 bytes: 16 + 10 + 14
		"0a0e" + "0a085f5f6e616d655f5f" + "12027570" + // Label __name__=up
		"0a08" + "0a036a6f62" + "120178" + // Label job=x
		"120c" + "09000000000000f03f" + "10e807" + // Sample 1.0 @ 1000
		"1a09" + "0802" + "12027570" + "220168" // MetricMetadata GAUGE up "h"
	if hex.EncodeToString(got) != want {
		t.Fatalf("got  %x\nwant %s", got, want)
	}
}

// decodeWriteRequest is the receiver's side, for the tests.
func decodeWriteRequest(b []byte) ([]TimeSeries, []Metadata, error) {
	var series []TimeSeries
	var meta []Metadata
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			s, err := decodeSeries(v)
			series = append(series, s)
			return err
		case num == 3 && typ == protowire.BytesType:
			var m Metadata
			err := fields(v, func(num protowire.Number, _ protowire.Type, v []byte, n uint64) error {
				switch num {
				case 1:
					m.Type = MetricType(n)
				case 2:
					m.Family = string(v)
				case 4:
					m.Help = string(v)
				}
				return nil
			})
			meta = append(meta, m)
			return err
		}
		return errors.New("unexpected field")
	})
	return series, meta, err
}

func decodeSeries(b []byte) (TimeSeries, error) {
	var s TimeSeries
	err := fields(b, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			var l Label
			err := fields(v, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
				if num == 1 {
					l.Name = string(v)
				} else {
					l.Value = string(v)
				}
				return nil
			})
			s.Labels = append(s.Labels, l)
			return err
		case 2:
			var x Sample
			err := fields(v, func(num protowire.Number, _ protowire.Type, _ []byte, n uint64) error {
				if num == 1 {
					x.Value = math.Float64frombits(n)
				} else {
					x.TimestampMS = int64(n)
				}
				return nil
			})
			s.Samples = append(s.Samples, x)
			return err
		}
		return errors.New("unexpected field")
	})
	return s, err
}

// fields calls fn with each field of a message: bytes for
// length-delimited ones, the number for varint and fixed64 ones.
func fields(b []byte, fn func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		default:
			return errors.New("unexpected wire type")
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// FuzzWriteRequest: whatever the labels and values (empty strings,
// any bytes, NaN, negative times), what is encoded decodes to itself.
func FuzzWriteRequest(f *testing.F) {
	f.Add("__name__", "up", "", 1.0, int64(1000), 3)
	f.Add("a", "\x00\xff", "help with ünïcode", math.Inf(-1), int64(-1), 0)
	f.Fuzz(func(t *testing.T, name, value, help string, v float64, ts int64, n int) {
		n = max(0, min(n, 5))
		var in []TimeSeries
		for i := range n {
			in = append(in, TimeSeries{Labels: []Label{{name, value}, {"i", string(rune('a' + i))}}, Samples: []Sample{{v, ts + int64(i)}, {-v, ts}}})
		}
		meta := []Metadata{{Type: MetricType(n), Family: name, Help: help}}
		out, gotMeta, err := decodeWriteRequest(AppendWriteRequest(nil, in, meta))
		if err != nil {
			t.Fatal(err)
		}
		for i := range in { // NaN != NaN: compare bits
			for j := range in[i].Samples {
				if math.Float64bits(in[i].Samples[j].Value) != math.Float64bits(out[i].Samples[j].Value) {
					t.Fatalf("series %d sample %d: %v, want %v", i, j, out[i].Samples[j].Value, in[i].Samples[j].Value)
				}
				out[i].Samples[j].Value = in[i].Samples[j].Value
			}
		}
		if !reflect.DeepEqual(in, out) && !(len(in) == 0 && len(out) == 0) {
			t.Fatalf("decoded %+v, want %+v", out, in)
		}
		if !reflect.DeepEqual(meta, gotMeta) {
			t.Fatalf("metadata %+v, want %+v", gotMeta, meta)
		}
	})
}
