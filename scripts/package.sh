#!/usr/bin/env bash
# package.sh — build the Debian package dist/patronus_VERSION_amd64.deb
# (binary, systemd units, default configuration) with nfpm.
#
# VERSION is the tag without its "v" when HEAD is tagged (v1.2.3 → 1.2.3),
# else 0.0.0~gitYYYYMMDD.HASH of the commit (sorts before any release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi

version() {
	local tag
	if tag=$(git describe --tags --exact-match 2>/dev/null) && [[ $tag =~ ^v[0-9] ]]; then
		echo "${tag#v}"
		return
	fi
	local date hash
	date=$(git show -s --format=%cd --date=format:%Y%m%d HEAD)
	hash=$(git rev-parse --short=12 HEAD)
	echo "0.0.0~git${date}.${hash}"
}

VERSION=$(version)
export VERSION
nfpm="$(go env GOPATH)/bin/nfpm"
[[ -x $nfpm ]] || scripts/install-deps.sh --go-tools
make --no-print-directory build >/dev/null
mkdir -p dist
out="dist/patronus_${VERSION}_amd64.deb"
rm -f "$out"
"$nfpm" package --config packaging/nfpm.yaml --packager deb --target "$out" >&2
echo "$out"
