#!/usr/bin/env bash
# bench-web.sh: the dashboard's topology page at fleet scale
# (docs/BENCHMARKS.md, "Web dashboard: first load and live updates").
#
# Builds `patronus` and test/bench/webload into a temporary directory and
# runs webload: a controller (SQLite) as a separate process, 200 simulated
# sites with 10 paths each to their hub (2,000 paths) streaming telemetry,
# each flipping one path's state every 10 s (20 state changes a second),
# and Debian's chromium (playwright-core, web/node_modules) measuring the
# frame times of /topology while the changes stream. Needs
# scripts/install-deps.sh --web and chromium.
#
# Usage: scripts/bench-web.sh [webload flags]   e.g. -edges 200 -paths 10 -flip 10s -measure 20s
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/bench-web.XXXXXX)
trap 'rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
go build -o "$work/patronus" ./cmd/patronus
go build -o "$work/webload" ./test/bench/webload
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(chromium --version 2>/dev/null || echo 'no chromium')"
"$work/webload" -patronus "$work/patronus" -web web "$@"
