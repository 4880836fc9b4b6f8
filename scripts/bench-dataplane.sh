#!/usr/bin/env bash
# Data plane benchmark: host A — edge A ==WAN== edge B — host B in network
# namespaces. In one run, with interleaved repetitions (the order flips
# every repetition), it measures
#   - iperf3 TCP host A -> host B (a) through two `patronus edge` processes
#     and (b) through two plain wireguard-go devices (test/bench/plainwg:
#     the pinned module's tun.CreateTUN + conn.NewDefaultBind) between the
#     same edge namespaces, same overlay MTU 1420, same host addresses and
#     routes, TCP MSS clamped to the MTU in both (Patronus does it itself,
#     for plain wireguard-go an nftables rule does);
#   - ping RTT host A -> host B through each, and the raw underlay RTT
#     between the edges: the added latency is the difference;
#   - peak RSS (VmHWM) of edge A in each, after the traffic;
#   - CPU time (user + system) of both edges per Gbit carried;
# and, once, the RSS of one `patronus edge` with 10 peer sites x 2 links
# and 2 local links (40 paths); the peers are configured but not running.
# Prints medians and ratios. -B adds a third contender, another patronus
# binary (e.g. one built before an optimisation), measured the same way.
# -L runs the same comparison through a lab (`patronus lab up --static`,
# 2 sites, 1 link: host -> edge -> WAN router namespace -> edge -> host)
# instead of the four namespaces: the lab's edges are replaced by each
# contender in turn, on the lab's addresses and keys; no 40-path edge.
#
#   usage: scripts/bench-dataplane.sh [-r REPS] [-t SECONDS] [-b BINARY] [-B BINARY] [-P STREAMS] [-L]
set -euo pipefail

reps=5 secs=10 bin=bin/patronus bin2= streams=1 inlab=
while getopts "r:t:b:B:P:L" o; do
	case $o in
	r) reps=$OPTARG ;; t) secs=$OPTARG ;; b) bin=$OPTARG ;; B) bin2=$OPTARG ;; P) streams=$OPTARG ;; L) inlab=1 ;;
	*) sed -n '2,24p' "$0"; exit 2 ;;
	esac
done
for b in "$bin" ${bin2:+"$bin2"}; do
	[[ -x $b ]] || { echo "$b is not an executable (run make build)" >&2; exit 2; }
done
for c in iperf3 ping nft jq; do command -v "$c" >/dev/null || { echo "missing $c" >&2; exit 2; }; done
bin=$(realpath "$bin")
[[ -n $bin2 ]] && bin2=$(realpath "$bin2")
root=$(cd "$(dirname "$0")/.." && pwd)

tag=ptn-dp-$$ lab=bdp$$
ha=$tag-ha ea=$tag-ea eb=$tag-eb hb=$tag-hb
work=$(mktemp -d)
pids=() cur=() # cur: the pids of the running contender
cleanup() {
	for p in "${pids[@]}" "${cur[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}" "${cur[@]}"; do timeout 10 tail --pid="$p" -f /dev/null || kill -9 "$p" 2>/dev/null || true; done
	if [[ -n $inlab ]]; then
		timeout 60 "$bin" lab down --name "$lab" >/dev/null 2>&1 || true
	else
		for ns in "$ha" "$ea" "$eb" "$hb" "$tag-big"; do ip netns del "$ns" 2>/dev/null || true; done
	fi
	[[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building plainwg" >&2
timeout 300 go build -C "$root" -o "$work/plainwg" ./test/bench/plainwg

four_namespaces() {
	# Topology. LAN A 10.11.0.0/24, LAN B 10.22.0.0/24, WAN 198.18.10.0/24.
	for ns in "$ha" "$ea" "$eb" "$hb"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
	veth() { # ns1 if1 ns2 if2
		ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
		ip -n "$1" link set "$2" up
		ip -n "$3" link set "$4" up
	}
	veth "$ha" lan "$ea" lan
	veth "$hb" lan "$eb" lan
	veth "$ea" wan "$eb" wan
	ip -n "$ha" addr add 10.11.0.2/24 dev lan
	ip -n "$ea" addr add 10.11.0.1/24 dev lan
	ip -n "$hb" addr add 10.22.0.2/24 dev lan
	ip -n "$eb" addr add 10.22.0.1/24 dev lan
	ip -n "$ha" route add default via 10.11.0.1
	ip -n "$hb" route add default via 10.22.0.1
	ip -n "$ea" addr add 198.18.10.1/24 dev wan
	ip -n "$eb" addr add 198.18.10.2/24 dev wan
	for ns in "$ea" "$eb"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1; done

	keys=() pubs=()
	for s in a b; do
		pubs+=("$("$bin" keygen --out "$work/$s.key")")
		keys+=("$work/$s.key")
	done

	edgecfg() { # name id key lan peer peerid peerpub peerlan wanaddr peerwan
		cat >"$work/$1.yaml" <<EOF
site: {name: $1, id: $2}
private_key_file: $3
lan_prefixes: [10.$4.0.0/24]
links: [{name: wan, interface: wan, local_address: $9, listen_port: 51820, color: inet}]
peers:
  - name: $5
    id: $6
    public_key: "$7"
    prefixes: [10.$8.0.0/24]
    links: [{name: wan, endpoint: "${10}:51820", color: inet}]
EOF
	}
	edgecfg site-a 1 "${keys[0]}" 11 site-b 2 "${pubs[1]}" 22 198.18.10.1 198.18.10.2
	edgecfg site-b 2 "${keys[1]}" 22 site-a 1 "${pubs[0]}" 11 198.18.10.2 198.18.10.1
	"$bin" config validate "$work/site-a.yaml" >/dev/null
	"$bin" config validate "$work/site-b.yaml" >/dev/null
	hostb=10.22.0.2 lana=10.11.0.0/24 lanb=10.22.0.0/24 wana=198.18.10.1 wanb=198.18.10.2
	cfga=$work/site-a.yaml cfgb=$work/site-b.yaml
}

# The lab's two sites: its namespaces, addresses, configurations and keys;
# its own edges are stopped, the contenders take their place.
in_lab() {
	timeout 120 "$bin" lab up --name "$lab" --sites 2 --links 1 --static >"$work/lab.log" 2>&1 || { cat "$work/lab.log" >&2; exit 1; }
	local st p
	st=$("$bin" lab status --name "$lab" --json)
	ha=pl-$lab-host1 ea=pl-$lab-site1 eb=pl-$lab-site2 hb=pl-$lab-host2
	hostb=$(jq -r '.sites[1].host_ipv4' <<<"$st")
	lana=$(jq -r '.sites[0].lan_ipv4' <<<"$st") lanb=$(jq -r '.sites[1].lan_ipv4' <<<"$st")
	wana=$(jq -r '.sites[0].links[0].ipv4' <<<"$st") wanb=$(jq -r '.sites[1].links[0].ipv4' <<<"$st")
	cfga=$(jq -r '.sites[0].config' <<<"$st") cfgb=$(jq -r '.sites[1].config' <<<"$st")
	pubs=("$(jq -r '.sites[0].public_key' <<<"$st")" "$(jq -r '.sites[1].public_key' <<<"$st")")
	keys=("$(sed -n 's/^private_key_file: //p' "$cfga")" "$(sed -n 's/^private_key_file: //p' "$cfgb")")
	for p in $(jq -r '.sites[].edge_pid' <<<"$st"); do
		kill "$p" 2>/dev/null || true
		timeout 10 tail --pid="$p" -f /dev/null || kill -9 "$p" 2>/dev/null || true
	done
}
if [[ -n $inlab ]]; then in_lab; else four_namespaces; fi

# iperf3 server on host B for the whole run.
ip netns exec "$hb" iperf3 -s -B "$hostb" >"$work/iperf3-server.log" 2>&1 &
pids+=($!)

start_patronus() { # binary
	ip netns exec "$ea" "$1" edge --config "$cfga" --control-socket "$work/a.sock" >"$work/edge-a.log" 2>&1 &
	cur=($!)
	ip netns exec "$eb" "$1" edge --config "$cfgb" --control-socket "$work/b.sock" >"$work/edge-b.log" 2>&1 &
	cur+=($!)
}
start_plain() {
	ip netns exec "$ea" "$work/plainwg" -i wg0 -mtu 1420 -key "${keys[0]}" -peer "${pubs[1]}" -endpoint "$wanb:51820" >"$work/wg-a.log" 2>&1 &
	cur=($!)
	ip netns exec "$eb" "$work/plainwg" -i wg0 -mtu 1420 -key "${keys[1]}" -peer "${pubs[0]}" -endpoint "$wana:51820" >"$work/wg-b.log" 2>&1 &
	cur+=($!)
	local deadline=$((SECONDS + 10))
	until ip -n "$ea" link show wg0 >/dev/null 2>&1 && ip -n "$eb" link show wg0 >/dev/null 2>&1; do
		((SECONDS < deadline)) || { echo "plainwg made no wg0" >&2; cat "$work"/wg-*.log >&2; exit 1; }
		sleep 0.1
	done
	for x in "$ea:$lanb" "$eb:$lana"; do
		local ns=${x%%:*} dst=${x#*:}
		ip -n "$ns" link set wg0 up
		ip -n "$ns" route replace "$dst" dev wg0
		ip netns exec "$ns" nft -f - <<EOF
table inet plainwg_mss {
	chain clamp {
		type filter hook forward priority mangle;
		oifname "wg0" tcp flags syn tcp option maxseg size set rt mtu
		iifname "wg0" tcp flags syn tcp option maxseg size set rt mtu
	}
}
EOF
	done
}
stop_current() {
	local p
	for p in "${cur[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${cur[@]}"; do timeout 10 tail --pid="$p" -f /dev/null || kill -9 "$p" 2>/dev/null || true; done
	wait "${cur[@]}" 2>/dev/null || true
	cur=()
	for ns in "$ea" "$eb"; do ip netns exec "$ns" nft delete table inet plainwg_mss 2>/dev/null || true; done
}
wait_tunnel() {
	local deadline=$((SECONDS + 20))
	until ip netns exec "$ha" ping -c 1 -W 1 "$hostb" >/dev/null 2>&1; do
		((SECONDS < deadline)) || { echo "no ping through the tunnel in 20 s" >&2; tail -5 "$work"/edge-*.log "$work"/wg-*.log >&2 || true; exit 1; }
	done
}
iperf() { # prints Mbit/s received
	local out
	out=$(timeout $((secs + 20)) ip netns exec "$ha" iperf3 -c "$hostb" -t "$secs" -P "$streams" -J) || { echo "iperf3 failed" >&2; echo 0; return; }
	jq -r '(.end.sum_received.bits_per_second // 0) / 1e6 | . * 10 | round / 10' <<<"$out" 2>/dev/null || echo 0
}
rtt() { # ns dst: prints the median RTT in ms of 40 pings, 50 ms apart
	timeout 30 ip netns exec "$1" ping -n -c 40 -i 0.05 "$2" |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "nan")}'
}
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
ticks() { # user + system clock ticks of the running contender's two processes
	local p t=0
	for p in "${cur[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$t"
}

declare -A tput=() lat=() mem=() cpu=()
contenders=(patronus plainwg)
[[ -n $bin2 ]] && contenders+=(patronus-B)
run_one() { # contender
	case $1 in
	patronus) start_patronus "$bin" ;;
	patronus-B) start_patronus "$bin2" ;;
	plainwg) start_plain ;;
	esac
	wait_tunnel
	sleep 1
	lat[$1]+="$(rtt "$ha" "$hostb") "
	local t0 mbps
	t0=$(ticks)
	mbps=$(iperf)
	tput[$1]+="$mbps "
	# CPU of both edges per Gbit carried: ms of CPU time / (Mbit/s * s / 1000)
	cpu[$1]+="$(awk -v t="$(($(ticks) - t0))" -v hz="$(getconf CLK_TCK)" -v m="$mbps" -v s="$secs" 'BEGIN {printf "%.0f", (m > 0) ? t * 1000 / hz / (m * s / 1000) : 0}') "
	mem[$1]+="$(hwm "${cur[0]}") "
	stop_current
}

under=()
for ((r = 1; r <= reps; r++)); do
	under+=("$(rtt "$ea" "$wanb")")
	order=("${contenders[@]}")
	if ((r % 2 == 0)); then
		order=()
		for ((i = ${#contenders[@]} - 1; i >= 0; i--)); do order+=("${contenders[i]}"); done
	fi
	for c in "${order[@]}"; do
		run_one "$c"
		echo "rep $r $c: $(awk '{print $NF}' <<<"${tput[$c]:-}") Mbit/s, RTT $(awk '{print $NF}' <<<"${lat[$c]:-}") ms" >&2
	done
done

# One edge with 2 local links and 10 peer sites x 2 links each: 40 paths.
# The peers' endpoints are on the WAN subnet but nobody answers there.
big_edge() {
	big=$tag-big
	ip netns add "$big"
	ip -n "$big" link set lo up
	for i in 1 2; do
		ip -n "$big" link add "wan$i" type veth peer name "wan${i}p"
		ip -n "$big" addr add "198.18.$((20 + i)).1/24" dev "wan$i"
		ip -n "$big" link set "wan$i" up
		ip -n "$big" link set "wan${i}p" up
	done
	{
		cat <<EOF
site: {name: big, id: 1}
private_key_file: ${keys[0]}
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
	} >"$work/big.yaml"
	"$bin" config validate "$work/big.yaml" >/dev/null
	bigsock=$work/big.sock
	ip netns exec "$big" "$bin" edge --config "$work/big.yaml" --control-socket "$bigsock" >"$work/big.log" 2>&1 &
	bigpid=$!
	pids+=("$bigpid")
	sleep 10
	npaths=$(timeout 10 "$bin" status --control-socket "$bigsock" --json 2>/dev/null | jq '.paths | length' || echo "?")
	big_rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$bigpid/status")
	big_hwm=$(hwm "$bigpid")
}
big_rss=- big_hwm=- npaths=-
[[ -n $inlab ]] || big_edge

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END {print (NR ? (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) : "nan")}'; }
u=$(printf '%s ' "${under[@]:-}" | median)
echo
echo "== data plane benchmark${inlab:+ through lab $lab}: $reps interleaved repetitions, iperf3 -t $secs -P $streams, MTU 1420 =="
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r)"
echo "underlay RTT edge A -> edge B (median of medians): $u ms"
pw=$(median <<<"${tput[plainwg]:-}")
printf '%-12s %-34s %10s %10s %9s %12s %8s %14s\n' contender "throughput per rep (Mbit/s)" median "vs plain" "RTT ms" "added ms" "HWM MiB" "CPU ms/Gbit"
for c in "${contenders[@]}"; do
	t=$(median <<<"${tput[$c]:-}")
	l=$(median <<<"${lat[$c]:-}")
	printf '%-12s %-34s %10s %10s %9s %12s %8s %14s\n' "$c" "${tput[$c]:-}" "$t" "$(awk -v a="$t" -v b="$pw" 'BEGIN {printf "%.2fx", a / b}')" \
		"$l" "$(awk -v a="$l" -v b="$u" 'BEGIN {printf "%.3f", a - b}')" "$(median <<<"${mem[$c]:-}")" "$(median <<<"${cpu[$c]:-}")"
done
for c in "${contenders[@]}"; do
	[[ $c == plainwg ]] && continue
	r=$(paste -d' ' <(tr ' ' '\n' <<<"${tput[$c]:-}" | grep -v '^$' || true) <(tr ' ' '\n' <<<"${tput[plainwg]:-}" | grep -v '^$' || true) |
		awk '$2 > 0 {printf "%.2f ", $1 / $2}')
	echo "$c / plainwg, same repetition: ${r}median $(median <<<"$r")x"
done
[[ -n $inlab ]] || echo "one patronus edge, 10 peer sites x 2 links, 2 local links ($npaths paths, peers not running): RSS $big_rss MiB, peak $big_hwm MiB"
