# Switchboard: `make run` starts the stack, `make test` runs the tests.
# Both install what is missing first (Debian packages, the venv, the native build).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

VENV := .venv
PY := $(VENV)/bin/python
# Kamailio embeds Debian's Python 3.11: the venv must be built from the same one.
SYSTEM_PYTHON := /usr/bin/python3
# baresip-core: a real softphone the tests call with (stricter about RTP than sipp).
# libsox-fmt-mp3: sox reads uploaded MP3 music on hold (dashboard/audio.py).
# python3-cryptography: Kamailio's embedded Python decrypts trunk passwords with Debian's
# build (linked against the same OpenSSL as its tls module).
# chromium: the browser tests (tests/e2e, Playwright drives Debian's build).
# npm (with nodejs) is installed only when no `npm` is on PATH (a NodeSource nodejs brings
# its own and conflicts with Debian's package).
DEB_PACKAGES := kamailio kamailio-python3-modules kamailio-redis-modules \
	kamailio-json-modules kamailio-extra-modules kamailio-utils-modules \
	kamailio-tls-modules openssl \
	rtpengine-daemon rtpengine-utils redis-server janus sip-tester sox libsox-fmt-mp3 espeak-ng \
	baresip-core chromium \
	python3 python3-venv python3-dev python3-cryptography postgresql
NATIVE_SOURCES := Cargo.toml native/Cargo.toml $(shell find native/src -name "*.rs")
PYTEST_ARGS ?=

.PHONY: help install run test test-all lint check-config clean bench bench-proxy bench-acd bench-queue bench-incall
help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

WEB_ASSETS := dashboard/web/node_modules/.installed

install: .stamps/debian $(VENV)/.installed var/sounds/words/.spoken $(WEB_ASSETS) ## install packages, the venv and the native module

# Queue announcements' words, spoken by espeak-ng and converted by sox (8 kHz mono WAV).
var/sounds/words/.spoken: callcontrol/announce.py callcontrol/prompts.py $(VENV)/.installed
	$(PY) -m callcontrol.prompts var/sounds/words
	@touch $@

.stamps/debian: Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
		| grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@command -v npm >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q nodejs npm; }
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first"; exit 1; }
	@mkdir -p .stamps && touch $@

$(VENV)/.installed: pyproject.toml $(NATIVE_SOURCES) .stamps/debian
	test -x $(PY) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# The web pages' libraries (alpinejs, chart.js, swagger-ui-dist), served by the app itself.
$(WEB_ASSETS): dashboard/web/package.json dashboard/web/package-lock.json .stamps/debian
	npm ci --prefix dashboard/web --no-audit --no-fund --ignore-scripts
	@touch $@

run: install ## start Kamailio, rtpengine, Redis and the web/API with demo data (Ctrl-C stops)
	$(PY) -m launcher run

test: install ## the default test suite (no slow or load runs)
	cargo test --quiet --all-targets
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: install ## every test, the slow ones too
	$(PY) -m pytest -m '' $(PYTEST_ARGS)

lint: install ## formatting, lints and types
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy routing rtpengine calls conference recording
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	$(PY) -m mypy.stubtest routing._native

check-config: install ## validate kamailio.cfg with `kamailio -c`
	$(PY) -m launcher check-config

bench: bench-proxy bench-acd bench-queue bench-incall ## every benchmark, side by side; results in BENCHMARKS.md

bench-proxy: install ## Kamailio CPS and REGISTER/s: KEMI + native module vs a plain native cfg
	$(PY) -m loadtests.bench.proxy

bench-acd: install ## agent selection: native vs Python reference vs Redis-only
	$(PY) -m loadtests.bench.acd

bench-queue: install ## queue-call setups/s and callers on music on hold (BENCH_QUICK=1: seconds)
	$(PY) -m loadtests.bench.queue $(if $(BENCH_QUICK),--quick --out var/bench-quick)

bench-incall: install ## click-to-dial and attended-transfer setup times, a 30-party room's CPU
	$(PY) -m loadtests.bench.incall $(if $(BENCH_QUICK),--quick)

.PHONY: fuzz
fuzz: install ## schemathesis against /openapi.json (in process, demo data); FUZZ_EXAMPLES per operation
	timeout 900 $(PY) -m pytest -m slow tests/security/test_web_fuzz.py -q -p no:randomly $(PYTEST_ARGS)

.PHONY: load
load: install ## bounded headless Locust run (SIP + API) on a fresh stack; LOAD_SHAPE/USERS/SECONDS
	$(PY) -m loadtests.load

clean: ## remove the venv, build output and runtime files
	rm -rf $(VENV) target var .stamps routing/_native*.so
