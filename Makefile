# The single source of the commands the README and CI run.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP_BIN := $(TARGET_DIR)/debug/mailcall
export MAILCALL_APP_BIN := $(APP_BIN)
# The virtualenv `make deps` installs the MCP Python SDK into, and the interpreter the MCP
# tests run: defined here only.
export MAILCALL_VENV ?= $(HOME)/.cache/mailcall/mcp-venv
export MAILCALL_PYTHON := $(MAILCALL_VENV)/bin/python3

.PHONY: deps ui build demo test check fmt clippy ui-check fuzz-check rust-test e2e bindings bench-window bench-call bundle bundle-debug clean

deps:
	scripts/deps.sh

ui: deps
	npm --prefix ui run build

build: ui
	cargo build --bin mailcall
	cargo build -p mailcall-testkit --bin mailcall-lab
	cargo build -p mailcall-demo

# Installable packages, .deb and .rpm, holding the app, mailcall-cli, the desktop entry and
# the icons (in $(TARGET_DIR)/release/bundle). No AppImage: its tools are downloaded at
# build time. `bundle-debug` packs the debug build the tests use.
# The UI is built by the `ui` prerequisite; the bundler's own step would run in the folder
# it takes for the front end's (tests/, which has a package.json), not in ui/.
NO_UI_STEP := --config '{"build":{"beforeBuildCommand":""}}'

bundle: ui
	cargo build --release -p mailcall-cli
	mkdir -p target/bundle-extra && cp $(TARGET_DIR)/release/mailcall-cli target/bundle-extra/
	ui/node_modules/.bin/tauri build --bundles deb,rpm $(NO_UI_STEP)

bundle-debug: build
	cargo build -p mailcall-cli
	mkdir -p target/bundle-extra && cp $(TARGET_DIR)/debug/mailcall-cli target/bundle-extra/
	ui/node_modules/.bin/tauri build --debug --bundles deb,rpm $(NO_UI_STEP)

# Real local servers (a generated mailbox of MAILCALL_DEMO_MESSAGES messages, 50,000 by
# default; a keyring; an all-hands) and the app window configured for them; without a display
# it runs under a private Xvfb and saves screenshots in test-output/demo/. Ctrl-C stops it all.
demo: build
	scripts/demo.sh "$(APP_BIN)"

fmt:
	cargo fmt --all --check

clippy: ui
	cargo clippy --workspace --all-targets -- -D warnings

ui-check: deps
	npm --prefix ui run check
	npm --prefix ui run lint

# The fuzz targets live outside the workspace (running them needs nightly and libFuzzer);
# checking them on stable keeps them building as the mail API changes.
fuzz-check:
	cargo fmt --manifest-path crates/mail/fuzz/Cargo.toml --check
	cargo clippy --manifest-path crates/mail/fuzz/Cargo.toml --all-targets -- -D warnings

check: fmt clippy fuzz-check ui-check

rust-test: build
	cargo test --workspace

e2e: build bundle-debug
	node --test --test-concurrency=1 tests/e2e/*.test.mjs

# Everything: formatting, lints, UI type check, Rust tests (labs included), browser and
# app-window tests.
test: check rust-test e2e

# The window's benchmarks (BENCHMARKS.md): release builds of the app and the lab, a
# 300,000-message mailbox unless MAILCALL_BENCH_MESSAGES says otherwise.
bench-window: ui
	cargo build --release --bin mailcall
	cargo build --release -p mailcall-testkit --bin mailcall-lab
	MAILCALL_APP_BIN=$(TARGET_DIR)/release/mailcall node tests/bench/window.mjs

# The call page's benchmarks (BENCHMARKS.md): the demo's all-hands joined from the window,
# release builds; MAILCALL_BENCH_ATTENDEES (50) headless attendees.
bench-call: ui
	cargo build --release --bin mailcall
	cargo build --release -p mailcall-demo
	MAILCALL_APP_BIN=$(TARGET_DIR)/release/mailcall node tests/bench/call-window.mjs

# Regenerates ui/src/lib/bindings.ts from src-tauri/src/contract.rs.
bindings: ui
	MAILCALL_WRITE_BINDINGS=1 cargo test --lib contract

clean:
	rm -rf ui/dist test-output
