# Patronus build, lint and test entry points. See docs/DEVELOPING.md.

SHELL       := /bin/bash
GO          ?= go
PKG         := github.com/patronus-sdwan/patronus
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X $(PKG)/internal/version.Version=$(VERSION)
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: build deps tools lint test test-unit test-web test-deploy test-interop test-package package web web-deps lab lab-down bfd-demo clean

# The controller embeds the web dashboard from controller/webui/dist, which
# is committed: build needs no Node. `make web` rebuilds it from web/.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/patronus ./cmd/patronus

web-deps:
	scripts/install-deps.sh --web

# web regenerates the GraphQL types from the controller's schema, type-checks
# and builds the dashboard into controller/webui/dist (docs/WEB.md).
web: web-deps
	cd web && npm run build

# deps installs Debian packages (root) and the pinned Go tools.
deps:
	scripts/install-deps.sh

tools:
	scripts/install-deps.sh --go-tools

# gofmt the tracked Go files: web/node_modules holds npm packages' .go files.
lint: tools
	@unformatted=$$(git ls-files -z '*.go' | xargs -0 gofmt -l); if [[ -n $$unformatted ]]; then \
		echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet -tags interop ./...
	$(STATICCHECK) -tags interop ./...

test: deps lint test-web test-unit test-deploy test-interop test-package

test-unit:
	$(GO) test -race ./...

# The Prometheus alert rules: checked and unit-tested with promtool (Debian's
# prometheus package); the dashboards must be valid JSON. test/interop's
# TestLabPrometheus runs their queries against a lab.
test-deploy:
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml
	for f in deploy/grafana/*.json; do jq -e '.panels | length > 0' "$$f" >/dev/null || { echo "$$f: not a dashboard"; exit 1; }; done

# test-web: unit and component tests (vitest), tsc and eslint on web/, then
# the build, which must reproduce the committed controller/webui/dist. The
# browser end-to-end test (TestLabDashboard) is in the interop suite.
test-web: web-deps
	cd web && npm run typecheck && npm run lint && npm test && npx vite build --logLevel warn && npm run budget
	@if [[ -n $$(git status --porcelain -- controller/webui/dist web/src/gql) ]]; then \
		echo "controller/webui/dist or web/src/gql differ from the build of web/: run 'make web' and commit them"; \
		git status --short -- controller/webui/dist web/src/gql; exit 1; fi

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
