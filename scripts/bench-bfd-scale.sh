#!/usr/bin/env bash
# Scale benchmark of the BFD engine: N single-hop sessions between two
# `patronus bfd run` processes in two network namespaces joined by a veth,
# for a measuring window of D seconds once every session is Up. Prints the
# CPU share of one core used by each process over the window and the number
# of Down events (all false: nothing is cut).
#
#   usage: scripts/bench-bfd-scale.sh [-n SESSIONS] [-d SECONDS] [-i INTERVAL] [-m MULT] [-b BINARY] [-x "EXTRA FLAGS"]
#
# -x passes extra flags to both `patronus bfd run`, e.g. -x --shared-source-port.
#
# Addresses: side A is 198.18.0.1; side B answers for 198.19.0.0/16 through
# an AnyIP route, so each session has its own address pair (RFC 2544
# benchmarking range, only inside the namespaces made here).
set -euo pipefail

n=1000 dur=60 iv=300ms mult=3 bin=bin/patronus extra=
while getopts "n:d:i:m:b:x:" o; do
	case $o in
	n) n=$OPTARG ;; d) dur=$OPTARG ;; i) iv=$OPTARG ;; m) mult=$OPTARG ;; b) bin=$OPTARG ;; x) extra=$OPTARG ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
((n >= 1 && n <= 65000)) || { echo "-n: 1..65000" >&2; exit 2; }
[[ -x $bin ]] || { echo "-b: $bin is not an executable (run make build)" >&2; exit 2; }
bin=$(realpath "$bin")

tag=ptn-scale-$$
a=$tag-a b=$tag-b work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	[[ -n ${KEEP:-} ]] || rm -rf "$work"; echo "work: $work" >&2
}
trap cleanup EXIT

ip netns add "$a"
ip netns add "$b"
ip link add sa netns "$a" type veth peer name sb netns "$b"
ip -n "$a" addr add 198.18.0.1/24 dev sa
ip -n "$b" addr add 198.18.0.2/24 dev sb
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set sa up
ip -n "$b" link set sb up
ip -n "$a" route add 198.19.0.0/16 via 198.18.0.2
ip -n "$b" route add local 198.19.0.0/16 dev lo

# Session i pairs 198.18.0.1 with 198.19.(i/250).(i%250+1).
sessions() { # $1: a or b
	awk -v n="$n" -v side="$1" 'BEGIN {
		print "sessions:"
		for (i = 0; i < n; i++) {
			p = sprintf("198.19.%d.%d", int(i / 250), i % 250 + 1)
			if (side == "a") printf "  - {local: 198.18.0.1, peer: %s}\n", p
			else printf "  - {local: %s, peer: 198.18.0.1}\n", p
		}
	}'
}
sessions a >"$work/a.yaml"
sessions b >"$work/b.yaml"

common=(--tx-interval "$iv" --rx-interval "$iv" --multiplier "$mult" --json)
# shellcheck disable=SC2206 # -x is split into flags on purpose
common+=($extra)
ip netns exec "$a" "$bin" bfd run --sessions-file "$work/a.yaml" --control-socket "$work/a.sock" "${common[@]}" >"$work/a.jsonl" 2>"$work/a.log" &
pids+=($!)
ip netns exec "$b" "$bin" bfd run --sessions-file "$work/b.yaml" --control-socket "$work/b.sock" "${common[@]}" >"$work/b.jsonl" 2>"$work/b.log" &
pids+=($!)

ups() { grep -c '"state":"up"' "$1" || true; }
deadline=$((SECONDS + 120))
while (($(ups "$work/a.jsonl") < n || $(ups "$work/b.jsonl") < n)); do
	if ((SECONDS > deadline)); then
		echo "not all sessions came Up in 120 s: A $(ups "$work/a.jsonl")/$n, B $(ups "$work/b.jsonl")/$n" >&2
		tail -5 "$work/a.log" "$work/b.log" >&2
		exit 1
	fi
	sleep 1
done
sleep 2 # let the Poll Sequences to the fast rate finish

# CPU ticks (utime+stime) of the process running patronus in each namespace.
pidof_ns() { pgrep -f -- "--sessions-file $work/$1.yaml" | head -1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
uticks() { awk '{print $14}' "/proc/$1/stat"; }
pa=$(pidof_ns a) pb=$(pidof_ns b)
downs() { grep -c '"state":"down"' "$1" || true; }
da0=$(downs "$work/a.jsonl") db0=$(downs "$work/b.jsonl")
ta0=$(ticks "$pa") tb0=$(ticks "$pb") ua0=$(uticks "$pa") t0=$(date +%s.%N)
sleep "$dur"
ta1=$(ticks "$pa") tb1=$(ticks "$pb") ua1=$(uticks "$pa") t1=$(date +%s.%N)
da1=$(downs "$work/a.jsonl") db1=$(downs "$work/b.jsonl")
hz=$(getconf CLK_TCK)
share() { awk -v d="$1" -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", 100 * d / hz / (t1 - t0) }'; }
rss() { awk '/VmRSS/ {print $2 / 1024}' "/proc/$1/status"; }
printf 'A user share: %s%%\n' "$(share $((ua1 - ua0)))"
printf 'sessions=%d interval=%s mult=%d window=%ss flags=%s\n' "$n" "$iv" "$mult" "$dur" "${extra:-none}"
printf 'A: cpu=%s%% of one core, rss=%.0fMiB, false downs=%d\n' "$(share $((ta1 - ta0)))" "$(rss "$pa")" $((da1 - da0))
printf 'B: cpu=%s%% of one core, rss=%.0fMiB, false downs=%d\n' "$(share $((tb1 - tb0)))" "$(rss "$pb")" $((db1 - db0))
