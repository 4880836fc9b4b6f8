#!/usr/bin/env bash
# gen-proto.sh — generate the Go code of the control channel's protobuf
# definitions (api/patronus/v1/*.proto).
#
#   scripts/gen-proto.sh          regenerate into api/patronus/v1/
#   scripts/gen-proto.sh DIR      generate into DIR/patronus/v1/ (the
#                                 currency check, api/patronus/v1/generate_test.go)
#
# The generated files name the versions that made them, so only the pinned
# ones will do: protoc from Debian's protobuf-compiler (well-known types from
# libprotobuf-dev), protoc-gen-go and protoc-gen-go-grpc as installed by
# `scripts/install-deps.sh --go-tools`. The pins live in install-deps.sh.
# Exit status 3: a tool is missing or has another version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/api}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi
export PATH="$(go env GOPATH)/bin:$PATH"

pin() { sed -n "s/^$1=//p" "$root/scripts/install-deps.sh"; }

die3() {
	printf 'gen-proto: %s (install with scripts/install-deps.sh)\n' "$*" >&2
	exit 3
}

# need TOOL WANT GOT: GOT must be WANT.
need() {
	[[ $3 == "$2" ]] || die3 "$1: have ${3:-none}, want $2"
}

command -v protoc >/dev/null || die3 "protoc: not found"
need protoc "libprotoc $(pin PROTOC_VERSION)" "$(protoc --version)"
command -v protoc-gen-go >/dev/null || die3 "protoc-gen-go: not found"
need protoc-gen-go "protoc-gen-go $(pin PROTOC_GEN_GO_VERSION)" "$(protoc-gen-go --version)"
command -v protoc-gen-go-grpc >/dev/null || die3 "protoc-gen-go-grpc: not found"
want=$(pin PROTOC_GEN_GO_GRPC_VERSION)
need protoc-gen-go-grpc "protoc-gen-go-grpc ${want#v}" "$(protoc-gen-go-grpc --version)"

# The well-known types (google/protobuf/*.proto).
wkt=
for d in /usr/include /usr/local/include; do
	if [[ -f $d/google/protobuf/timestamp.proto ]]; then
		wkt=$d
		break
	fi
done
[[ -n $wkt ]] || die3 "google/protobuf/timestamp.proto: not found (Debian: libprotobuf-dev)"

cd "$root/api"
mkdir -p "$out/patronus/v1"
protoc -I . -I "$wkt" \
	--go_out="$out" --go_opt=paths=source_relative \
	--go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
	patronus/v1/*.proto
