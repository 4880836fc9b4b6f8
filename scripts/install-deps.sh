#!/usr/bin/env bash
# install-deps.sh — install what the build, lint and interop tests need.
#
# Idempotent and non-interactive. Debian packages: the interop peers (FRR,
# BIRD 2) and lab tools, protoc and the protobuf well-known types, systemd
# (systemd-analyze verify of the package's units) and adduser. Go tools:
# staticcheck, protoc-gen-go, protoc-gen-go-grpc and nfpm at pinned versions, into
# $(go env GOPATH)/bin. scripts/gen-proto.sh reads the protoc pins below.
# The web dashboard (web/): Node.js 20 or later, its npm modules exactly as
# web/package-lock.json pins them (npm ci), and Debian's chromium for the
# browser tests (Playwright drives it; no browser is downloaded).
#
#   scripts/install-deps.sh              everything (needs root for apt)
#   scripts/install-deps.sh --go-tools   only the Go tools (no root needed)
#   scripts/install-deps.sh --web        only web/'s npm modules (no root needed)
#
# The FRR, BIRD and Prometheus system services are never left running: the interop tests
# start their own daemons inside network namespaces, and a system bfdd or bird
# in the root namespace would hold UDP 3784/4784.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2
# protoc is Debian 12's protobuf-compiler; gen-proto.sh refuses another one.
PROTOC_VERSION=3.21.12
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
# nfpm builds the Debian package (scripts/package.sh).
NFPM_VERSION=v2.48.0
APT_PACKAGES=(frr bird2 iperf3 tcpdump nftables iproute2 iputils-ping postgresql protobuf-compiler libprotobuf-dev jq curl systemd adduser prometheus chromium)
NODE_MAJOR_MIN=20

log() { printf 'install-deps: %s\n' "$*" >&2; }

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi

install_go_tools() {
	local gobin
	gobin="$(go env GOPATH)/bin"
	if ! { [[ -x $gobin/staticcheck ]] && "$gobin/staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; }; then
		log "installing staticcheck $STATICCHECK_VERSION"
		GOBIN=$gobin go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	fi
	if [[ $("$gobin/protoc-gen-go" --version 2>/dev/null) != "protoc-gen-go $PROTOC_GEN_GO_VERSION" ]]; then
		log "installing protoc-gen-go $PROTOC_GEN_GO_VERSION"
		GOBIN=$gobin go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
	fi
	if [[ $("$gobin/protoc-gen-go-grpc" --version 2>/dev/null) != "protoc-gen-go-grpc ${PROTOC_GEN_GO_GRPC_VERSION#v}" ]]; then
		log "installing protoc-gen-go-grpc $PROTOC_GEN_GO_GRPC_VERSION"
		GOBIN=$gobin go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"
	fi
	if ! go version -m "$gobin/nfpm" 2>/dev/null | grep -qE "^\s+mod\s+github.com/goreleaser/nfpm/v2\s+$NFPM_VERSION\b"; then
		log "installing nfpm $NFPM_VERSION"
		GOBIN=$gobin go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
	fi
}

# install_web_deps runs npm ci in web/ when package-lock.json changed since
# the last install (a stamp in node_modules records its hash).
install_web_deps() {
	local root major stamp sum
	root="$(cd "$(dirname "$0")/.." && pwd)"
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		log "web/ needs Node.js $NODE_MAJOR_MIN or later with npm (node and npm not found)"
		exit 1
	fi
	major=$(node -p 'process.versions.node.split(".")[0]')
	if ((major < NODE_MAJOR_MIN)); then
		log "web/ needs Node.js $NODE_MAJOR_MIN or later; this is $(node --version)"
		exit 1
	fi
	stamp=$root/web/node_modules/.patronus-lock
	sum=$(sha256sum "$root/web/package-lock.json" | cut -d' ' -f1)
	if [[ -r $stamp && $(<"$stamp") == "$sum" ]]; then
		return 0
	fi
	log "installing web/'s npm modules (npm ci)"
	(cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
	printf '%s\n' "$sum" >"$stamp"
}

missing_packages() {
	local p
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

install_apt_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	((${#missing[@]})) || return 0
	if ((EUID != 0)); then
		log "need root to install: ${missing[*]}"
		exit 1
	fi
	log "installing: ${missing[*]}"
	# policy-rc.d exit 101 tells the maintainer scripts not to start services.
	local policy=/usr/sbin/policy-rc.d
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}"
}

# stop_system_daemons makes sure no system FRR or BIRD runs in the root
# namespace, now or after a reboot.
stop_system_daemons() {
	((EUID == 0)) || return 0
	if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
		systemctl disable --now frr.service bird.service prometheus.service >/dev/null 2>&1 || true
	elif command -v service >/dev/null; then
		service frr stop >/dev/null 2>&1 || true
		service bird stop >/dev/null 2>&1 || true
	fi
	# Without an init system the daemons may still run: end them by pid file.
	local f pid
	for f in /run/frr/*.pid /run/bird/bird.pid /var/run/bird.pid; do
		[[ -r $f ]] || continue
		pid=$(<"$f")
		if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
			log "stopping system daemon pid $pid ($f)"
			kill "$pid" || true
		fi
	done
	local holders
	for _ in 1 2 3 4 5; do
		holders=$(ss -Hlunp 'sport = :3784 or sport = :4784' 2>/dev/null | grep -E '"(bfdd|bird)"' || true)
		[[ -z $holders ]] && return 0
		sleep 1
	done
	log "a system bfdd or bird still holds the BFD ports in the root namespace:"
	log "$holders"
	exit 1
}

case "${1:-}" in
--go-tools)
	install_go_tools
	;;
--web)
	install_web_deps
	;;
"")
	install_apt_packages
	stop_system_daemons
	install_go_tools
	install_web_deps
	;;
*)
	echo "usage: $0 [--go-tools | --web]" >&2
	exit 2
	;;
esac
