#!/usr/bin/env bash
# test-package.sh — build the Debian package, install it with dpkg, check its
# systemd units with systemd-analyze verify, and run the installed binary as
# the units do: the edge as user patronus with only the unit's capabilities
# (it must create its overlay interface and serve its control socket), the
# controller as user patronus with none (it must serve HTTPS). Removes the
# package at the end (the user patronus stays, as on a real purge). Root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { printf 'test-package: FAIL: %s\n' "$*" >&2; exit 1; }
log() { printf 'test-package: %s\n' "$*" >&2; }
((EUID == 0)) || fail "needs root (dpkg, namespaces)"

deb=$(scripts/package.sh)
[[ $deb =~ ^dist/patronus_[^_]+_amd64\.deb$ ]] || fail "package name $deb"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/patronus ./lib/systemd/system/patronus-edge.service ./lib/systemd/system/patronus-controller.service \
	./etc/patronus/controller.yaml ./etc/default/patronus-edge; do
	grep -q " $f\$" <<<"$contents" || fail "$deb lacks $f"
done

ns=pkgtest-$$
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	# The daemons run below ip netns exec and setpriv: end them by their
	# command line, which names this run's work directory.
	pkill -TERM -f -- "$work" 2>/dev/null || true
	wait 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -f -- "$work" >/dev/null || break; sleep 0.2; done
	pkill -KILL -f -- "$work" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	[[ -n ${tunmode:-} ]] && chmod "$tunmode" /dev/net/tun
	dpkg --purge patronus >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

dpkg --purge patronus >/dev/null 2>&1 || true
dpkg -i "$deb" >/dev/null
version=${deb#dist/patronus_}
version=${version%_amd64.deb}
[[ $(dpkg-query -W -f='${Version}' patronus) == "$version" ]] || fail "installed version"
getent passwd patronus >/dev/null || fail "postinst made no user patronus"
[[ $(stat -c %G /etc/patronus/controller.yaml) == patronus ]] || fail "controller.yaml not readable by group patronus"
/usr/bin/patronus version | grep -q '^patronus ' || fail "patronus version"
/usr/bin/patronus keygen --out "$work/example.key" >/dev/null
sed "s#/etc/patronus/site.key#$work/example.key#" /etc/patronus/edge.yaml.example >"$work/example.yaml"
/usr/bin/patronus config validate "$work/example.yaml" >/dev/null || fail "the example edge configuration does not validate"
systemd-analyze verify /lib/systemd/system/patronus-edge.service /lib/systemd/system/patronus-controller.service ||
	fail "systemd-analyze verify"
log "installed $version; units verified"

# caps UNIT prints the unit's AmbientCapabilities as setpriv wants them.
caps() {
	sed -n 's/^AmbientCapabilities=//p' "/lib/systemd/system/$1" | tr ' ' '\n' | sed '/^$/d; s/^CAP_/+/' | tr 'A-Z' 'a-z' | paste -sd, -
}
# as_unit UNIT CMD... runs CMD as the unit's user with only its capabilities.
as_unit() {
	local unit=$1 c
	shift
	c=$(caps "$unit")
	if [[ -n $c ]]; then
		setpriv --reuid=patronus --regid=patronus --init-groups --no-new-privs \
			--inh-caps="-all,$c" --ambient-caps="-all,$c" --bounding-set="-all,$c" "$@"
	else
		setpriv --reuid=patronus --regid=patronus --init-groups --no-new-privs \
			--inh-caps=-all --bounding-set=-all "$@"
	fi
}

# The edge, static mode, in a namespace with one WAN link. Debian's udev
# makes /dev/net/tun 0666 (its rules); a container may not have: do as udev
# for the test and put the mode back after.
if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
	tunmode=$(stat -c %a /dev/net/tun)
	chmod 0666 /dev/net/tun
fi
ip netns add "$ns"
ip -n "$ns" link add wan0 type veth peer name wan1
ip -n "$ns" addr add 192.0.2.1/24 dev wan0
ip -n "$ns" link set wan0 up
ip -n "$ns" link set wan1 up
ip -n "$ns" link set lo up
/usr/bin/patronus keygen --out "$work/site.key" >/dev/null
peer=$(/usr/bin/patronus keygen --out "$work/peer.key")
cat >"$work/edge.yaml" <<YAML
site: {name: pkg-a, id: 1}
private_key_file: $work/site.key
lan_prefixes: [10.1.0.0/24]
overlay: {interface: patronus0, mtu: 1420}
links:
  - {name: inet, interface: wan0, local_address: 192.0.2.1, listen_port: 51820, color: inet}
peers:
  - name: pkg-b
    id: 2
    public_key: $peer
    prefixes: [10.2.0.0/24]
    links: [{name: inet, endpoint: "192.0.2.2:51820", color: inet}]
YAML
chmod 0750 "$work"
chgrp patronus "$work" "$work/edge.yaml"
chmod 0640 "$work/edge.yaml"
chown patronus:patronus "$work/site.key" # the edge wants its key 0600, its own
install -d -o patronus -g patronus -m 0750 "$work/run"
ip netns exec "$ns" bash -c "$(declare -f caps as_unit); as_unit patronus-edge.service /usr/bin/patronus edge --config $work/edge.yaml --control-socket $work/run/edge.sock --metrics-listen ''" \
	>"$work/edge.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	[[ -S $work/run/edge.sock ]] && break
	sleep 0.2
done
[[ -S $work/run/edge.sock ]] || { cat "$work/edge.log" >&2; fail "the edge as user patronus served no control socket"; }
ip -n "$ns" link show patronus0 >/dev/null || { cat "$work/edge.log" >&2; fail "the edge as user patronus made no overlay interface"; }
/usr/bin/patronus paths --control-socket "$work/run/edge.sock" | grep -q 'pkg-a/inet->pkg-b/inet' ||
	fail "patronus paths does not list the path"
pgrep -u patronus -f "patronus edge --config $work/edge.yaml" >/dev/null || fail "the edge does not run as patronus"
log "edge runs as patronus with $(caps patronus-edge.service)"

# The controller, as user patronus without capabilities.
install -d -o patronus -g patronus -m 0700 "$work/ctl"
port=$((20000 + RANDOM % 20000))
as_unit patronus-controller.service /usr/bin/patronus controller --config /etc/patronus/controller.yaml \
	--data-dir "$work/ctl" --listen "127.0.0.1:$port" >"$work/ctl.log" 2>&1 &
pids+=($!)
code=
for _ in $(seq 100); do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/api/v1/sites" || true)
	[[ $code == 401 ]] && break
	sleep 0.2
done
[[ $code == 401 ]] || { cat "$work/ctl.log" >&2; fail "the controller as user patronus did not serve HTTPS (got '$code')"; }
[[ -f $work/ctl/pki/ca.crt && $(stat -c %U "$work/ctl/pki/ca.crt") == patronus ]] || fail "the controller made no CA as patronus"
log "controller runs as patronus without capabilities"
log "ok"
