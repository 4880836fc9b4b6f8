#!/usr/bin/env bash
# bench-edge-idle.sh — the memory of one idle `patronus edge` with 2 local
# links and 10 peer sites x 2 links each (40 paths) whose peers are not
# running (their endpoints do not answer): RSS after 10 s and 30 s, and the
# Go heap from the edge's own metrics. Give several binaries to compare
# them in one run (e.g. one built before a change).
#
#   usage: scripts/bench-edge-idle.sh BINARY [BINARY...]     (root; curl)
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,9p' "$0"; exit 2; }
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }

measure() {
	local bin=$1 tag=ptn-idle-$$ work ns pid a b
	work=$(mktemp -d /tmp/ptn-idle.XXXX)
	ns=$tag
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	for i in 1 2; do
		ip -n "$ns" link add "wan$i" type veth peer name "wan${i}p"
		ip -n "$ns" addr add "198.18.$((20 + i)).1/24" dev "wan$i"
		ip -n "$ns" link set "wan$i" up
		ip -n "$ns" link set "wan${i}p" up
	done
	"$bin" keygen --out "$work/site.key" >/dev/null
	{
		cat <<EOF
site: {name: idle, id: 1}
private_key_file: $work/site.key
lan_prefixes: [10.1.0.0/24]
links:
  - {name: wan1, interface: wan1, local_address: 198.18.21.1, listen_port: 51820, color: inet}
  - {name: wan2, interface: wan2, local_address: 198.18.22.1, listen_port: 51820, color: lte}
peers:
EOF
		for p in $(seq 2 11); do
			pub=$("$bin" keygen --out "$work/p$p.key")
			cat <<EOF
  - name: peer-$p
    id: $p
    public_key: "$pub"
    prefixes: [10.$p.0.0/24]
    links:
      - {name: wan1, endpoint: "198.18.21.$p:51820", color: inet}
      - {name: wan2, endpoint: "198.18.22.$p:51820", color: lte}
EOF
		done
	} >"$work/edge.yaml"
	ip netns exec "$ns" "$bin" edge --config "$work/edge.yaml" --control-socket "$work/s.sock" >"$work/edge.log" 2>&1 &
	pid=$!
	sleep 10
	a=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
	sleep 20
	b=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
	heap=$(ip netns exec "$ns" curl -s 127.0.0.1:9469/metrics | awk '/^go_memstats_heap_inuse_bytes/ {print int($2/1048576)}' || true)
	[[ -n $heap ]] && heap="$heap MiB" || heap="n/a (no metrics)"
	printf '%-40s RSS after 10 s %4s MiB, after 30 s %4s MiB, Go heap in use %s\n' "$bin" "$a" "$b" "$heap"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	ip netns del "$ns"
	rm -rf "$work"
}
for bin in "$@"; do
	[[ -x $bin ]] || { echo "$bin is not an executable" >&2; exit 2; }
	measure "$(realpath "$bin")"
done
