# Kite's developer entry points. `make help` lists them.

GO        ?= go
BIN       ?= bin/kite
DATA_DIR  ?= ./kite-data
ADDR      ?= 127.0.0.1:8080
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOLANGCI  ?= $(shell $(GO) env GOPATH)/bin/golangci-lint
GOLANGCI_VERSION := v2.15.0
FUZZTIME  ?= 30s

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the kite binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kite

.PHONY: run
run: build ## Build and run kite serve with demo data in ./kite-data
	$(BIN) serve --demo --data-dir $(DATA_DIR) --addr $(ADDR)

.PHONY: test
test: ## Run every test with the race detector (the cluster tests need KUBEBUILDER_ASSETS: see test-cluster)
	$(GO) test -race -count=1 ./...

.PHONY: envtest
envtest: ## Build kube-apiserver and etcd for the watcher's tests into ~/.cache/kite/envtest (once)
	./scripts/envtest.sh

.PHONY: test-cluster
test-cluster: ## Run the tests that need a real kube-apiserver (the watcher, authentication and RBAC, kite serve and kite watch against it; builds it once)
	KUBEBUILDER_ASSETS=$$(./scripts/envtest.sh) $(GO) test -race -count=1 ./watch/ ./auth/ ./cmd/kite/

.PHONY: lint
lint: ## gofmt, go vet, golangci-lint (with the architecture's import rules) and the repository checks
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	GO='$(GO)' ./scripts/check-repo.sh
	$(GO) vet ./...
	@test -x $(GOLANGCI) || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	$(GOLANGCI) run ./...

.PHONY: bench
bench: ## Go benchmarks of the store and API (figures in docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: load
load: build ## Load run: 100k issues into a fresh server, then each kite bench workload
	./scripts/load.sh

.PHONY: battery
battery: build ## Abuse battery: expensive requests at 100k issues, bounds on CPU and memory held by the harness
	./scripts/battery.sh

.PHONY: fuzz
fuzz: ## Run every fuzzer in the tree (each func FuzzXxx in a _test.go file) for FUZZTIME each
	GO='$(GO)' FUZZTIME='$(FUZZTIME)' ./scripts/fuzz.sh

.PHONY: clean
clean: ## Remove build output and the local data directory
	rm -rf bin $(DATA_DIR)
