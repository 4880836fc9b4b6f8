#!/usr/bin/env bash
# bfd-demo.sh — BFD between two Patronus processes, in two network namespaces.
#
#   [A] 198.18.0.1 ──veth── 198.18.0.2 [B]
#
# Shows the session come Up, A's link going down (B detects it:
# control_detection_time_expired), the link coming back, and a clean stop.
# Needs root. Run it with `make lab`; Ctrl-C at any time cleans up.
set -euo pipefail

BIN=${PATRONUS:-bin/patronus}
ID=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
A=ptn-$ID-a
B=ptn-$ID-b
PIDS=()

cleanup() {
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	sleep 0.5
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -t 1 ]]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi

[[ $EUID -eq 0 ]] || { echo "bfd-demo: needs root (network namespaces)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "bfd-demo: $BIN not built: run make build" >&2; exit 1; }

step "two namespaces, $A and $B, joined by a veth"
ip netns add "$A"
ip netns add "$B"
ip link add veth-a netns "$A" type veth peer name veth-b netns "$B"
ip -n "$A" addr add 198.18.0.1/24 dev veth-a
ip -n "$B" addr add 198.18.0.2/24 dev veth-b
ip -n "$A" link set veth-a up
ip -n "$B" link set veth-b up

# run NAME NS ARGS…: patronus in a namespace, its output prefixed with [NAME].
run() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$BIN" "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
	PIDS+=($!)
}

step "start patronus bfd run at both ends (300 ms x 3)"
run A "$A" bfd run --local 198.18.0.1 --peer 198.18.0.2
run B "$B" bfd run --local 198.18.0.2 --peer 198.18.0.1
sleep 3

step "take A's link down: ip link set veth-a down (detection time 900 ms)"
ip -n "$A" link set veth-a down
sleep 3

step "bring A's link back up"
ip -n "$A" link set veth-a up
sleep 3

step "stop A (Ctrl-C): B hears AdminDown"
kill -INT "${PIDS[0]}"
sleep 2

step "done: cleaning up"
