# Patronus build, lint and test entry points. See docs/DEVELOPING.md.

SHELL       := /bin/bash
GO          ?= go
PKG         := github.com/patronus-sdwan/patronus
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X $(PKG)/internal/version.Version=$(VERSION)
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: build deps tools lint test test-unit test-deploy test-interop test-package package lab lab-down bfd-demo clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/patronus ./cmd/patronus

# deps installs Debian packages (root) and the pinned Go tools.
deps:
	scripts/install-deps.sh

tools:
	scripts/install-deps.sh --go-tools

lint: tools
	@unformatted=$$(gofmt -l .); if [[ -n $$unformatted ]]; then \
		echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet -tags interop ./...
	$(STATICCHECK) -tags interop ./...

test: deps lint test-unit test-deploy test-interop test-package

test-unit:
	$(GO) test -race ./...

# The Prometheus alert rules: checked and unit-tested with promtool (Debian's
# prometheus package); the dashboards must be valid JSON. test/interop's
# TestLabPrometheus runs their queries against a lab.
test-deploy:
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml
	for f in deploy/grafana/*.json; do jq -e '.panels | length > 0' "$$f" >/dev/null || { echo "$$f: not a dashboard"; exit 1; }; done

# The interop suite runs FRR and BIRD in network namespaces: it needs root.
test-interop:
	$(GO) test -tags interop -count=1 -v -timeout 30m ./test/interop/

# The Debian package: dist/patronus_VERSION_amd64.deb (docs/DEPLOY.md).
package:
	scripts/package.sh

# Builds the package, installs it with dpkg, verifies its systemd units and
# runs the installed binary as the units do (root); removes it after.
test-package:
	scripts/test-package.sh

# The main job: a 3-site SD-WAN in network namespaces, left running.
lab: deps build
	scripts/lab-demo.sh

lab-down: build
	bin/patronus lab down

# BFD between two namespaces, watched coming Up, cut and restored.
bfd-demo: deps build
	scripts/bfd-demo.sh

clean:
	rm -rf bin dist
