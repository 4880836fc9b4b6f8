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

step "Building 3 sites x 2 WAN links (inet, lte), one patronus edge per site, enrolled through the lab's controller"
"$BIN" lab up --name "$NAME" --sites 3 --links 2 --traffic

step "Traffic: every LAN host pings every other one, five a second; one more ping, across the overlay"
show "$BIN" lab exec --name "$NAME" host1 -- ping -c 3 -i 0.2 10.2.0.2

step "The controller: the sites it enrolled"
show "$BIN" lab exec --name "$NAME" controller -- patronus ctl sites list

step "Site 1's edge: every path (local link -> remote link), its state, BFD, latency, jitter, loss and flows"
show "$BIN" lab exec --name "$NAME" site1 -- patronus paths

step "A voice-like stream from host 1 to host 2 (500 packets/s for 6 s); its link is cut after 2 s"
"$BIN" lab exec --name "$NAME" host2 -- patronus lab stream recv --idle 1s &
recv=$!
sleep 0.5
"$BIN" lab exec --name "$NAME" host1 -- patronus lab stream send --to 10.2.0.2 --rate 500 --for 6s >/dev/null &
sleep 2
show "$BIN" lab impair --name "$NAME" --site 1 --link inet --down
wait "$recv" || true
show "$BIN" lab impair --name "$NAME" --site 1 --link inet --up

step "Site 1's steering events: the paths over inet went down, the flows moved"
show "$BIN" lab exec --name "$NAME" site1 -- patronus events

step "The controller's API, from this machine: sign in as the lab's admin and ask for every site's paths"
DASH=$("$BIN" lab status --name "$NAME" --json | jq -r '.dashboard | "\(.url) \(.ca_file) \(.username) \(.password_file)"')
read -r URL CA USER PWFILE <<<"$DASH"
TOKEN=$(jq -n --arg u "$USER" --rawfile p "$PWFILE" '{username: $u, password: ($p | rtrimstr("\n"))}' |
	curl -sS --cacert "$CA" "$URL/api/v1/auth/login" -H 'Content-Type: application/json' -d @- | jq -r .access_token)
printf '$ curl --cacert %s %s/api/v2/graphql -H "Authorization: Bearer $TOKEN" -d %s\n' "$CA" "$URL" "'{\"query\":\"{ sites { name paths { id state } } }\"}'"
curl -sS --cacert "$CA" "$URL/api/v2/graphql" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{"query":"{ sites { name paths { id state } } }"}' | jq .
unset TOKEN

step "The web dashboard, through the same port: the page and its script load"
page=$(curl -sS --cacert "$CA" "$URL/")
grep -q '<div id="root">' <<<"$page" || { echo "the dashboard at $URL/ did not load:"; head -c 300 <<<"$page"; exit 1; }
script=$(grep -o '/assets/[^"]*\.js' <<<"$page" | head -1)
curl -sS --fail -o /dev/null --cacert "$CA" "$URL$script" || { echo "the dashboard's script $URL$script did not load"; exit 1; }
echo "$URL/ serves the dashboard ($script)"

cat <<GUIDE

== The lab "$NAME" is running. Look at it:
  $BIN lab status                                  # sites, nodes, addresses, links, impairments
  $BIN lab exec site1 -- patronus paths            # site 1's paths: state, BFD, latency, jitter, loss, flows
  $BIN lab exec site1 -- patronus events           # path state changes and the flows steering moved
  $BIN lab exec site1 -- patronus flows            # each flow's application, class, policy, server name
  $BIN lab exec site1 -- patronus status --json    # all of it, and every counter, for scripts
  $BIN lab exec host1 -- ping 10.3.0.2             # LAN host 1 to LAN host 3 (IPv6: fd10:0:3::2)
  $BIN lab exec host2 -- iperf3 -s -D; $BIN lab exec host1 -- iperf3 -c 10.2.0.2
  $BIN lab exec wan -- tcpdump -ni s1l1g           # site 1's inet link in the underlay: WireGuard only
  $BIN lab exec controller -- patronus ctl paths   # the controller's view: every path's latest sample
  $BIN lab exec controller -- patronus ctl policies set FILE   # push steering policies to every edge (docs/STEERING.md)
  $BIN lab controller stop                         # the edges carry on without it; start brings it back

== Its API (GraphQL, REST, live subscriptions; docs/API.md), from this machine:
  $URL   user $USER, password in $PWFILE, CA $CA
  curl --cacert $CA $URL/api/v1/openapi.json

== Break it (each link, both directions):
  $BIN lab impair --site site1 --link inet --delay 80ms --jitter 10ms
  $BIN lab impair --site site1 --link inet --loss 5
  $BIN lab impair --site site1 --link inet --rate 20mbit
  $BIN lab impair --site site1 --link inet --down    # a silent cut; --up restores, --clear removes all
  $BIN lab exec host2 -- patronus lab stream recv &   # then, in another terminal:
  $BIN lab exec host1 -- patronus lab stream send --to 10.2.0.2 --rate 500 --for 20s   # and cut its link meanwhile
  $BIN lab exec site1 -- patronus pin --path 'site1/lte->site2/lte' --dst 10.2.0.0/24   # override steering for a flow
  Flows leave a path whose BFD goes down within 300 ms (100 ms x 3); voice leaves a path
  that breaks its SLA (5% loss, 150 ms delay) 3 s after the probes see it, bulk stays;
  flows fail back 20 s after the path recovers. Duplicate mode, policies: docs/STEERING.md; lab up --policy FILE.

== Remove it:
  make lab-down        # or: $BIN lab down

== The dashboard, in this machine's browser (the certificate is the lab's own CA, $CA:
   import it, or accept the browser's warning for 127.0.0.1):
  $URL/
  user $USER, password $(cat "$PWFILE")
  Cut a link (above) and watch its paths turn red on $URL/topology and $URL/paths.
GUIDE
