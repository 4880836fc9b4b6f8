#!/usr/bin/env bash
# bench-nat.sh: the share of paths that go direct in a five-site lab with
# mixed NATs, and each kind's time to first packet (docs/BENCHMARKS.md,
# "Sites behind NAT: direct, punched and relayed paths").
#
# Runs BenchmarkLabNATMix (test/interop/natmix_bench_test.go): five sites
# of two links (4 public, 3 behind cone NAT, 3 behind symmetric NAT), the
# lab's relay on the controller node. Needs root (network namespaces) and
# nft, as the interop suite does. The machine's load average is printed
# before and after: the timings depend on it.
#
# Usage: scripts/bench-nat.sh [RUNS]   (default 1; each run is a new lab)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'); $(nproc) CPUs; $(uname -r)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -tags interop -count=1 -run '^$' -bench 'LabNATMix' -benchtime "${runs}x" -timeout 30m -v ./test/interop/ |
	grep -E 'BENCHMARK|load average|FAIL|ok|natmix_bench_test' || true
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
