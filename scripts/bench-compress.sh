#!/usr/bin/env bash
# bench-compress.sh: what LZ4 on the wire buys and costs, between two
# sites in network namespaces (as root):
#
#   host A — edge A ==WAN== edge B — host B
#
# Two such pairs run side by side: one with compression on at both edges,
# one with it off. Runs alternate between them (on, off, on, off, ...) so
# that the load of a shared machine falls on both alike.
#
#   1. goodput of compressible data (text logs, iperf3 --file) A to B over
#      a WAN limited to $RATE by tbf on edge A's WAN egress;
#   2. goodput of incompressible data (iperf3's random payload) A to B
#      with no rate limit, and the CPU time edge A spent per GB sent (user
#      + system, from /proc): the price of trying. On a shared machine
#      the CPU time per GB is the steadier of the two.
#
# Usage: scripts/bench-compress.sh [ROUNDS]   (default 5; RATE=50mbit,
#        SECS=10, FILE_MB=100, ONLY=logs|gosrc|random)
# Prints every run, then the medians and the ratios of the medians.
set -euo pipefail

ROUNDS=${1:-5}
ONLY=${ONLY:-} # ONLY=random: skip the compressible runs
RATE=${RATE:-50mbit}
SECS=${SECS:-10}
FILE_MB=${FILE_MB:-100}
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/bench-compress.XXXXXX)
tag=pcb$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for f in "$work"/*-iperf.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
	sleep 0.5
	for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns"; done
	rm -rf "$work"
}
trap cleanup EXIT

bin=$work/patronus
go build -o "$bin" ./cmd/patronus

# Compressible payloads: structured log lines (timestamps, levels, paths,
# random ids and numbers), as sites ship to a collector; and source code
# (Go's own standard library).
awk -v n=$((FILE_MB * 1000000 / 140)) 'BEGIN{srand(7); split("INFO WARN DEBUG ERROR",lv," "); split("GET POST PUT DELETE",m," ");
  for(i=0;i<n;i++) printf "2026-11-23T12:%02d:%02d.%03dZ level=%s site=branch-%d method=%s path=/api/v1/sites/%d/paths/%d status=%d bytes=%d dur_ms=%.3f req=%08x\n",
  int(i/60000)%60, int(i/1000)%60, i%1000, lv[1+int(rand()*4)], int(rand()*40), m[1+int(rand()*4)], int(rand()*500), int(rand()*8),
  (rand()<0.9?200:404), int(rand()*100000), rand()*250, int(rand()*4294967295)}' >"$work/logs.txt"
find "$(go env GOROOT)/src" -name '*.go' -type f | sort | xargs cat | head -c $((FILE_MB * 1000000)) >"$work/gosrc.txt"

in_ns() { ip netns exec "$1" "${@:2}"; }

# pair MODE COMPRESSION: builds one two-site setup and starts its edges.
pair() {
	local mode=$1 comp=$2
	local ha=$tag-$mode-ha ea=$tag-$mode-ea eb=$tag-$mode-eb hb=$tag-$mode-hb
	for ns in $ha $ea $eb $hb; do ip netns add "$ns"; in_ns "$ns" ip link set lo up; done
	ip link add h0 netns "$ha" type veth peer name lan0 netns "$ea"
	ip link add h0 netns "$hb" type veth peer name lan0 netns "$eb"
	ip link add wan0 netns "$ea" type veth peer name wan0 netns "$eb"
	in_ns "$ha" ip addr add 10.11.0.2/24 dev h0
	in_ns "$hb" ip addr add 10.22.0.2/24 dev h0
	in_ns "$ea" ip addr add 10.11.0.1/24 dev lan0
	in_ns "$eb" ip addr add 10.22.0.1/24 dev lan0
	in_ns "$ea" ip addr add 198.18.10.1/24 dev wan0
	in_ns "$eb" ip addr add 198.18.10.2/24 dev wan0
	for ns in $ha $ea $eb $hb; do for i in $(in_ns "$ns" ls /sys/class/net); do in_ns "$ns" ip link set "$i" up; done; done
	in_ns "$ha" ip route add default via 10.11.0.1
	in_ns "$hb" ip route add default via 10.22.0.1
	in_ns "$ea" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$eb" sysctl -qw net.ipv4.ip_forward=1
	for s in a b; do "$bin" keygen --out "$work/$mode-$s.key" >"$work/$mode-$s.pub"; done
	conf "$mode" a 1 11 b 2 22 "$comp" >"$work/$mode-a.yaml"
	conf "$mode" b 2 22 a 1 11 "$comp" >"$work/$mode-b.yaml"
	for s in a b; do
		# not through in_ns: $! must be the edge itself (ip netns exec execs it)
		ip netns exec "$tag-$mode-e$s" "$bin" edge --config "$work/$mode-$s.yaml" --control-socket "$work/$mode-$s.sock" 2>"$work/$mode-$s.log" &
		pids+=($!)
		echo $! >"$work/$mode-$s.pid"
	done
	in_ns "$hb" iperf3 -s -D -B 10.22.0.2 --pidfile "$work/$mode-iperf.pid"
	for _ in $(seq 60); do
		in_ns "$ha" ping -c1 -W1 10.22.0.2 >/dev/null 2>&1 && break
	done
	in_ns "$ha" ping -c1 -W1 10.22.0.2 >/dev/null
}

conf() {
	local mode=$1 me=$2 id=$3 lan=$4 peer=$5 pid=$6 plan=$7 comp=$8
	cat <<EOF
site: {name: site-$me, id: $id}
private_key_file: $work/$mode-$me.key
lan_prefixes: [10.$lan.0.0/24]
links: [{name: wan, interface: wan0, local_address: 198.18.10.$id, listen_port: 51820, color: inet}]
peers:
  - name: site-$peer
    id: $pid
    public_key: "$(cat "$work/$mode-$peer.pub")"
    prefixes: [10.$plan.0.0/24]
    links: [{name: wan, endpoint: "198.18.10.$pid:51820", color: inet}]
defaults: {compression: $comp}
EOF
}

limit() { # limit MODE on|off: tbf on edge A's WAN egress
	if [ "$2" = on ]; then
		in_ns "$tag-$1-ea" tc qdisc replace dev wan0 root tbf rate "$RATE" burst 32kb latency 50ms
	else
		in_ns "$tag-$1-ea" tc qdisc del dev wan0 root 2>/dev/null || true
	fi
}

# goodput MODE ARGS...: receiver's bits per second of one iperf3 run;
# with cpu=1 in the environment, also edge A's CPU milliseconds per GB.
goodput() {
	local mode=$1
	shift
	local pid c0 c1 out
	pid=$(cat "$work/$mode-a.pid")
	c0=$(cputicks "$pid")
	out=$(in_ns "$tag-$mode-ha" timeout 120 iperf3 -c 10.22.0.2 -J "$@")
	c1=$(cputicks "$pid")
	echo "$out" | python3 -c 'import json,sys,os
e = json.load(sys.stdin)["end"]["sum_received"]
ms = ('"$c1"' - '"$c0"') * 1000 / os.sysconf("SC_CLK_TCK")
print(int(e["bits_per_second"]), int(ms / (e["bytes"] / 1e9)))'
}
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

median() { sort -n | awk '{a[NR]=$1} END{printf "%d\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

pair on true
pair off false
sleep 2 # the first Hellos
"$bin" status --control-socket "$work/on-a.sock" | sed -n '3,4p'

echo "# machine: $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# compressible: ${FILE_MB} MB of logs and of Go source each, WAN tbf $RATE; incompressible: iperf3 random payload ${SECS}s, no limit"
mbit() { echo "$1 / 1000000" | bc -l; }
for r in $(seq "$ROUNDS"); do
	for mode in on off; do
		limit $mode on
		for data in logs gosrc; do
			[ -z "$ONLY" ] || [ "$ONLY" = "$data" ] || continue
			read -r g _ < <(goodput $mode -F "$work/$data.txt")
			echo "$g" >>"$work/$data-$mode"
			printf 'round %d compression %-3s %-6s over %s: %7.1f Mbit/s\n' "$r" "$mode" "$data" "$RATE" "$(mbit "$g")"
		done
		limit $mode off
		[ -z "$ONLY" ] || [ "$ONLY" = random ] || continue
		read -r g cpu < <(goodput $mode -t "$SECS")
		echo "$g" >>"$work/random-$mode"
		echo "$cpu" >>"$work/cpu-$mode"
		printf 'round %d compression %-3s random, no limit: %7.1f Mbit/s, edge A %d CPU ms/GB\n' "$r" "$mode" "$(mbit "$g")" "$cpu"
	done
done
"$bin" status --json --control-socket "$work/on-a.sock" |
	python3 -c 'import json,sys; c=json.load(sys.stdin)["paths"][0]["compression"]; print("# edge A (on) compression:", {k: c[k] for k in ("compressed","bytes_in","bytes_out","saved","ratio","skipped_small","skipped_incompressible","skipped_no_gain")})'
for data in logs gosrc; do
	[ -s "$work/$data-on" ] || continue
	on=$(median <"$work/$data-on") off=$(median <"$work/$data-off")
	printf 'median %-6s over %s: on %.1f Mbit/s, off %.1f Mbit/s: %.2fx\n' "$data" "$RATE" "$(mbit "$on")" "$(mbit "$off")" "$(echo "$on/$off" | bc -l)"
done
[ -s "$work/random-on" ] || exit 0
on=$(median <"$work/random-on") off=$(median <"$work/random-off")
printf 'median random, no limit: on %.1f Mbit/s, off %.1f Mbit/s: on/off %.3f\n' "$(mbit "$on")" "$(mbit "$off")" "$(echo "$on/$off" | bc -l)"
on=$(median <"$work/cpu-on") off=$(median <"$work/cpu-off")
printf 'median edge A CPU per GB of random: on %d ms, off %d ms: on/off %.3f\n' "$on" "$off" "$(echo "$on/$off" | bc -l)"
