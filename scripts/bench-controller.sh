#!/usr/bin/env bash
# bench-controller.sh: 1,000 simulated edges streaming telemetry every
# second to one `patronus controller`, on SQLite and on PostgreSQL, in one
# run (docs/BENCHMARKS.md, "Controller: 1,000 edges' telemetry").
#
# Builds bin-less copies of `patronus` and test/bench/ctlload into a
# temporary directory, raises the open-file limit (1,000 client and 1,000
# server connections), and runs ctlload, which starts the controller as a
# separate process (its CPU read from /proc), a throwaway PostgreSQL from
# Debian's postgresql package (fsync on), and the edges in its own process.
#
# Usage: scripts/bench-controller.sh [ctlload flags]
#   e.g. -forged-rate 1000: each store also runs with 1,000 forged
#   enrolments a second during the window, compared with the run without
#   e.g. scripts/bench-controller.sh -edges 1000 -duration 60s -stores sqlite,postgres
#   -scrape-every 15s also scrapes /metrics during the window (docs/BENCHMARKS.md)
#   -replicas 2 -stores postgres: after the one-controller run, two controllers
#   on the one PostgreSQL with the edges spread over them, compared;
#   -pairs 3 runs three such pairs, alternating which goes first
#   BASELINE=REV also builds patronus at git revision REV and runs it on
#   each store first: a before/after in the same run.
#   KEEP=1 keeps the temporary directory (data directories, profiles).
#   PERF=1 also records a CPU profile of the controller during each window
#   and prints its top functions.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/cb-ctl.XXXXXX)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
chmod 711 "$work" # PostgreSQL runs as the postgres user when we are root
export TMPDIR=$work # pgtest's data directory goes there too

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
go build -o "$work/patronus" ./cmd/patronus
go build -o "$work/ctlload" ./test/bench/ctlload

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet -- controller/ || echo ' (controller/ modified)'); $(nproc) CPUs; $(uname -r); open files $(ulimit -n); load average $(cut -d' ' -f1-3 /proc/loadavg)"
args=(-patronus "$work/patronus" -work-dir "$work/run")
if [ -n "${BASELINE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASELINE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/patronus-baseline" ./cmd/patronus)
	args+=(-baseline "$work/patronus-baseline")
	echo "baseline: $(git rev-parse --short "$BASELINE")"
fi
if [ -n "${PERF:-}" ]; then
	args+=(-perf-dir "$work/perf")
fi
"$work/ctlload" "${args[@]}" "$@"

if [ -n "${PERF:-}" ]; then
	for f in "$work"/perf/perf-*.data; do
		echo
		echo "== controller CPU profile, $(basename "$f" .data): top functions by self time"
		perf report -i "$f" --stdio --no-children --sort sym -g none --percent-limit 1.5 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
		echo "-- by package/area (self time, share of samples)"
		perf report -i "$f" --stdio --no-children --sort sym -g none 2>/dev/null | grep -v '^#' | awk '$1 ~ /%/ {p=$1; sub("%","",p); s=$0;
			area="other";
			if (s ~ /\[k\]/) area="kernel (mostly the hypervisor'"'"'s pvm_irq_enable after a switch)";
			else if (s ~ /modernc\.org\/sqlite|modernc\.org\/libc/) area="sqlite (modernc)";
			else if (s ~ /pgx|pgconn|pgproto3|pgtype/) area="pgx";
			else if (s ~ /crypto\/|aes|gcm|sha256|bigmod|nistec/) area="crypto (TLS)";
			else if (s ~ /grpc|http2|hpack/) area="grpc/http2";
			else if (s ~ /protobuf/) area="protobuf";
			else if (s ~ /runtime\.|runtime\/|syscall/) area="go runtime (gc, scheduler, syscalls)";
			else if (s ~ /patronus/) area="patronus";
			else if (s ~ /database\/sql/) area="database/sql";
			a[area]+=p} END {for (k in a) printf "%6.1f%%  %s\n", a[k], k}' | sort -rn
	done
fi
