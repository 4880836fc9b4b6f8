#!/usr/bin/env bash
# lab-demo.sh — the main job: a 3-site SD-WAN with 2 WAN links per site in
# network namespaces on this machine, traffic flowing between every pair of
# LAN hosts, and a guide to looking at it and breaking it.
#
# Run it with `make lab` (as root). It leaves the lab running; remove it with
# `make lab-down` or `bin/patronus lab down`.
set -euo pipefail

BIN=${PATRONUS:-bin/patronus}
NAME=${LAB_NAME:-demo}

if [[ -t 1 ]]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*"; "$@"; }

step "Removing an earlier lab called $NAME, if any"
"$BIN" lab down --name "$NAME"

step "Building 3 sites x 2 WAN links (inet, lte), one patronus edge per site"
"$BIN" lab up --name "$NAME" --sites 3 --links 2 --traffic

step "Traffic: every LAN host pings every other one, five a second; one more ping, across the overlay"
show "$BIN" lab exec --name "$NAME" host1 -- ping -c 3 -i 0.2 10.2.0.2

step "Site 1's edge: every path (local link -> remote link), its counters and its WireGuard session"
show "$BIN" lab exec --name "$NAME" site1 -- patronus status

cat <<GUIDE

== The lab "$NAME" is running. Look at it:
  $BIN lab status                                  # sites, nodes, addresses, links, impairments
  $BIN lab exec site1 -- patronus status           # site 1's paths and counters (--json for scripts)
  $BIN lab exec host1 -- ping 10.3.0.2             # LAN host 1 to LAN host 3 (IPv6: fd10:0:3::2)
  $BIN lab exec host2 -- iperf3 -s -D; $BIN lab exec host1 -- iperf3 -c 10.2.0.2
  $BIN lab exec wan -- tcpdump -ni s1l1g           # site 1's inet link in the underlay: WireGuard only

== Break it (each link, both directions):
  $BIN lab impair --site site1 --link inet --delay 80ms --jitter 10ms
  $BIN lab impair --site site1 --link inet --loss 5
  $BIN lab impair --site site1 --link inet --rate 20mbit
  $BIN lab impair --site site1 --link inet --down    # a silent cut; --up restores, --clear removes all
  $BIN lab exec site1 -- patronus pin --path 'site1/lte->site2/lte' --dst 10.2.0.0/24   # move a flow by hand
  (This version uses the cheapest link unless pinned: automatic failover and SLA
  steering come with BFD in the paths, the next step of the roadmap.)

== Remove it:
  make lab-down        # or: $BIN lab down
GUIDE
