SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Each recipe runs in one shell (variables and traps span lines); -e stops at the first failure.
.ONESHELL:

GO ?= go
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/causerie_test?sslmode=disable
BENCH ?= .
BENCHTIME ?= 1s

FUZZTIME ?= 60s

NPM ?= npm
# Playwright drives Debian's chromium (scripts/chromium.sh): it never
# downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: test lint bench bench-peers build fuzz web web-check test-browser screenshots

# test: the full suite, against SQLite and PostgreSQL+pgvector, then the
# widget's browser tests in Chromium. Fails if the PostgreSQL conformance
# suite was skipped, or if web/dist differs from a fresh build.
test:
	@scripts/postgres.sh
	scripts/chromium.sh
	$(MAKE) --no-print-directory web-check
	$(GO) vet ./...
	conf=$$(mktemp -d); trap 'rm -rf "$$conf"' EXIT
	CAUSERIE_TEST_DATABASE_URL='$(TEST_DATABASE_URL)' CAUSERIE_REQUIRE_POSTGRES=1 \
		CAUSERIE_CONFORMANCE_DIR="$$conf" $(GO) test -race -count=1 -parallel 4 ./...
	# (-parallel 4: most parallel tests wait on SQLite commits and loopback
	# servers, not on the 2 CPUs.)
	# The widget in Chromium, on its own so that the browser has the CPUs
	# (TestBrowser skips itself in the run above).
	CAUSERIE_BROWSER_TESTS=1 $(GO) test -race -count=1 -run '^TestBrowser$$' ./server/
	# The flow parser and validator under a short fuzzing budget (no panic, and
	# what Validate accepts Compile and the interpreter run). Budgets are counts of
	# inputs, not durations: a -fuzztime duration races Go's fuzz coordinator at
	# its deadline on a loaded machine and fails with "context deadline
	# exceeded" having found nothing (golang/go#75804, fixed in Go 1.27).
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 6000x -fuzzminimizetime 100x ./dsl
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime 6000x -fuzzminimizetime 100x ./dsl
	# The one decoder of the files users write: no panic on any input.
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 3000x -fuzzminimizetime 100x ./internal/source
	# The linter on any draft: no panic, offsets that hold the words.
	$(GO) test -run '^$$' -fuzz '^FuzzInstructions$$' -fuzztime 3000x -fuzzminimizetime 100x ./lint
	missing=0
	for backend in sqlite postgres; do
		if [[ -f "$$conf/$$backend" ]]; then cat "$$conf/$$backend"; else
			case $$backend in
				sqlite) echo "make test: the SQLite conformance suite did not run" >&2 ;;
				postgres) echo "make test: the PostgreSQL conformance suite did not run" >&2 ;;
			esac
			missing=1
		fi
	done
	exit $$missing

# lint: gofmt, go vet, staticcheck (a Go tool dependency in go.mod), and
# go.mod/go.sum tidy.
lint:
	@unformatted=$$(git ls-files -z --cached --others --exclude-standard -- '*.go' \
		| while IFS= read -r -d '' f; do if [[ -f "$$f" ]]; then printf '%s\0' "$$f"; fi; done \
		| xargs -0 -r gofmt -l)
	if [[ -n "$$unformatted" ]]; then
		echo "make lint: these files need gofmt:" >&2; echo "$$unformatted" >&2; exit 1
	fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	if ! $(GO) mod tidy -diff; then
		echo "make lint: go.mod/go.sum are not tidy: run go mod tidy" >&2; exit 1
	fi

# fuzz: every parser and renderer of user input, each for FUZZTIME (not part
# of make test; e.g. make fuzz FUZZTIME=10m). Prints the inputs each target
# ran; a failing input is written under testdata/fuzz/ and fails the target.
fuzz:
	@failed=0
	for target in internal/source:FuzzDecode workspace:FuzzWorkspace evals:FuzzSuite dsl:FuzzParse \
		dsl:FuzzValidate dsl:FuzzExpression tools:FuzzTemplate lint:FuzzInstructions; do
		pkg=$${target%%:*}; name=$${target##*:}
		log=$$(mktemp)
		if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime '$(FUZZTIME)' -fuzzminimizetime 200x ./$$pkg > "$$log" 2>&1; then status=ok; else status=FAILED; failed=1; fi
		execs=$$(grep -o 'execs: [0-9]*' "$$log" | tail -1 | cut -d' ' -f2)
		printf '%-28s %-7s %s inputs in %s\n' "$$pkg.$$name" "$$status" "$${execs:-0}" '$(FUZZTIME)'
		if [[ $$status == FAILED ]]; then tail -20 "$$log"; fi
		rm -f "$$log"
	done
	exit $$failed

bench:
	@scripts/postgres.sh
	CAUSERIE_TEST_DATABASE_URL='$(TEST_DATABASE_URL)' CAUSERIE_REQUIRE_POSTGRES=1 \
		$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -count=1 ./...

# bench-peers: the side-by-side peer benchmark (bench/peers, a module of its
# own): one turn — a visitor message, two tool calls, the reply — through
# Causerie in process and over HTTP, on SQLite and PostgreSQL, through
# langchaingo and through @openai/agents (node), on one scripted model
# server; prints a Markdown table. Not part of make test; its harness test
# is `cd bench/peers && go test ./...`. PEERS_FLAGS passes flags, e.g.
# PEERS_FLAGS='-rounds 3 -turns 100 -o /tmp/peers.md' (go run . -h lists them).
PEERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/causerie_peers?sslmode=disable
PEERS_FLAGS ?=
bench-peers:
	@CAUSERIE_TEST_DB=causerie_peers scripts/postgres.sh
	(cd bench/peers/js && $(NPM) ci --no-audit --no-fund --loglevel=error)
	cd bench/peers
	PEERS_DATABASE_URL='$(PEERS_DATABASE_URL)' $(GO) run . $(PEERS_FLAGS)

build:
	$(GO) build -o bin/causerie ./cmd/causerie

# web: install the pinned npm packages (web/package-lock.json: esbuild,
# Playwright) and build the widget, web/widget/ → web/dist/widget.js (the
# built file is committed and embedded in the binary; prints its size).
web:
	cd web
	$(NPM) ci --no-audit --no-fund --loglevel=error
	$(NPM) run --silent build

# web-check: a fresh build of the widget must be what is committed.
web-check: web
	@if ! git diff --quiet -- web/dist || [[ -n $$(git status --porcelain --untracked-files=all -- web/dist) ]]; then
		git status --short -- web/dist >&2
		echo "make web-check: web/dist differs from a fresh build of web/widget: run make web and commit web/dist" >&2
		exit 1
	fi
	echo "web-check: web/dist is a fresh build of web/widget"

# test-browser: only the widget's browser tests (Playwright on Debian's
# chromium, against servers started by server/browser_test.go);
# BROWSER_GREP=… runs the scenarios whose title matches.
test-browser: web
	@scripts/chromium.sh
	CAUSERIE_BROWSER_TESTS=1 CAUSERIE_BROWSER_GREP='$(BROWSER_GREP)' $(GO) test -count=1 -run '^TestBrowser$$' ./server/

# screenshots: the README's pictures of the widget (docs/screenshots/).
screenshots: web
	@scripts/chromium.sh
	CAUSERIE_BROWSER_TESTS=1 CAUSERIE_SCREENSHOTS=1 CAUSERIE_BROWSER_GREP='streams in|360 px' $(GO) test -count=1 -run '^TestBrowser$$' ./server/
