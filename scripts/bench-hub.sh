#!/usr/bin/env bash
# bench-hub.sh — issue 11, a hub with thousands of paths: a hub site (two WAN
# links) and PATHS/4 spokes (two links each) in one process (TestHubScale in
# edge/dataplane), over real UDP sockets on the loopback interface (no root
# needed) or dptest's in-memory WAN (-w mem). For each path count it prints
# the time until every hub path has BFD Up, then over the window: CPU of the
# whole process (hub and spokes: 2 × PATHS path ends), context switches, RSS,
# datagrams and BFD packets per hub path per second, and false BFD Downs.
#
# Give git revisions with -r to compare builds: each is built once, then the
# runs alternate between them (paired, on the same loaded machine).
#
#   usage: scripts/bench-hub.sh [-n "500 2000"] [-d SECONDS] [-b 100msx3] [-w udp|mem] [-r "REV1 REV2"] [-c COUNT]
#
# -r takes git revisions; "." is the working tree (default).
set -euo pipefail
cd "$(dirname "$0")/.."

counts="500 2000" dur=30 bfd=100msx3 wan=udp revs=. count=1
while getopts "n:d:b:w:r:c:" o; do
	case $o in
	n) counts=$OPTARG ;; d) dur=$OPTARG ;; b) bfd=$OPTARG ;; w) wan=$OPTARG ;; r) revs=$OPTARG ;; c) count=$OPTARG ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
[[ $wan == udp || $wan == mem ]] || { echo "-w: udp or mem" >&2; exit 2; }

work=$(mktemp -d /tmp/ptn-hub.XXXX)
trap 'rm -rf "$work"' EXIT
bins=()
for r in $revs; do
	out="$work/dp-$(echo "$r" | tr -c 'a-zA-Z0-9\n' _).test"
	if [[ $r == . ]]; then
		(cd edge/dataplane && go test -c -o "$out" .)
	else
		mkdir "$work/src-$r"
		git archive "$r" | tar -x -C "$work/src-$r"
		# The measurement itself comes from the working tree, so that an
		# older build is measured the same way.
		cp edge/dataplane/hub_test.go edge/dataplane/export_test.go "$work/src-$r/edge/dataplane/"
		(cd "$work/src-$r/edge/dataplane" && go test -c -o "$out" .)
		rm -rf "$work/src-$r"
	fi
	bins+=("$out")
done

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), wan=$wan bfd=$bfd window=${dur}s"
for ((c = 0; c < count; c++)); do
	for n in $counts; do
		for i in "${!bins[@]}"; do
			printf '%-10s ' "$(echo "$revs" | awk -v i=$((i + 1)) '{print $i}')"
			PATRONUS_HUB_PATHS=$n PATRONUS_HUB_SECONDS=$dur PATRONUS_HUB_BFD=$bfd PATRONUS_HUB_WAN=$([[ $wan == udp ]] && echo udp || true) \
				"${bins[$i]}" -test.run '^TestHubScale$' -test.timeout 30m >"$work/out" 2>&1 || true
			grep '^hub-scale' "$work/out" || { echo "failed (n=$n):"; tail -5 "$work/out"; }
			echo "#   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
		done
	done
done
