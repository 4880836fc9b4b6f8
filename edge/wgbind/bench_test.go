package wgbind

import (
	"testing"

	"golang.zx2c4.com/wireguard/conn"
)

// BenchmarkSendReceive: a batch of 64 datagrams of 1,400 bytes sent by one
// path and received by the other over loopback, as WireGuard's
// RoutineSequentialSender and RoutineReceiveIncoming call a Bind. Only
// the exported API is used, so the benchmark runs on older versions of
// the package too.
func BenchmarkSendReceive(b *testing.B) {
	const batch, size = 64, 1400
	l1, l2 := listen(b, "127.0.0.1:0"), listen(b, "127.0.0.1:0")
	tx, err := l1.Path(endpoint(l2, "127.0.0.1"))
	if err != nil {
		b.Fatal(err)
	}
	rxPath, err := l2.Path(endpoint(l1, "127.0.0.1"))
	if err != nil {
		b.Fatal(err)
	}
	fns, _, err := rxPath.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	defer rxPath.Close()
	ep, err := tx.ParseEndpoint(endpoint(l2, "127.0.0.1").String())
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, batch)
	for i := range out {
		out[i] = make([]byte, size)
	}
	in := make([][]byte, max(batch, tx.BatchSize()))
	for i := range in {
		in[i] = make([]byte, 65535)
	}
	sizes, eps := make([]int, len(in)), make([]conn.Endpoint, len(in))
	b.SetBytes(batch * size)
	b.ReportAllocs()
	for b.Loop() {
		if err := tx.Send(out, ep); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < batch; {
			n, err := fns[0](in, sizes, eps)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
}
