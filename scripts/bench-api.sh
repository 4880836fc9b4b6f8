#!/usr/bin/env bash
# bench-api.sh: the controller's management API under load, on SQLite and
# on PostgreSQL, in one run (docs/BENCHMARKS.md, "Controller API: queries
# and live subscriptions").
#
# Builds `patronus` and test/bench/apiload into a temporary directory,
# raises the open-file limit (1,000 edges' and 1,000 subscribers'
# connections, both ends on this machine), prints the machine, and runs
# apiload, which for each store starts the controller as a separate
# process (its CPU and memory read from /proc), a throwaway PostgreSQL
# from Debian's postgresql package (fsync on), 1,000 simulated edges in
# its own process, then offers the sites+paths GraphQL query at rising
# rates until the controller saturates, and opens 1,000 pathEvents
# subscriptions while the edges flip their paths' states.
#
# Usage: scripts/bench-api.sh [apiload flags]
#   e.g. scripts/bench-api.sh -edges 1000 -subscribers 1000 -stores sqlite,postgres
#   OUT=FILE writes the results as JSON there (default: a file in /tmp, named at the end).
#   KEEP=1 keeps the temporary directory (data directories, controller logs).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/cb-api.XXXXXX)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
chmod 711 "$work" # PostgreSQL runs as the postgres user when we are root
export TMPDIR=$work # pgtest's data directory goes there too
out=${OUT:-/tmp/bench-api-$(date -u +%Y%m%dT%H%M%SZ).json}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
go build -o "$work/patronus" ./cmd/patronus
go build -o "$work/apiload" ./test/bench/apiload

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet -- controller/ || echo ' (controller/ modified)'); $(nproc) CPUs; $(uname -r); open files $(ulimit -n)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/apiload" -patronus "$work/patronus" -work-dir "$work/run" -json "$out" "$@"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results as JSON: $out"
