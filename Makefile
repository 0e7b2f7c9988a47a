# Everyday commands. `make run` sets everything up and starts DubQL on its built-in demo data;
# `make test` builds and runs the whole test suite (what CI runs).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup build run test bench clean

# System packages: libedit for the REPL's line editing, tmux for the terminal tests; chDB (embedded
# ClickHouse, from PyPI) for the ClickHouse tests, behind Tests/ClickHouse/chdb_http.py; Dub's
# Python SDK (`dub`, from PyPI) for the test that it parses `dubql serve`'s /analytics answers.
setup:
	@if ! dpkg -s libedit-dev tmux zlib1g-dev libsqlite3-dev python3-pip >/dev/null 2>&1; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y libedit-dev tmux zlib1g-dev libsqlite3-dev python3-pip; \
	fi
	@python3 -c 'import chdb' 2>/dev/null || python3 -m pip install --user chdb || python3 -m pip install --user --break-system-packages chdb
	@python3 -c 'import dub' 2>/dev/null || python3 -m pip install --user dub || python3 -m pip install --user --break-system-packages dub

build: setup
	swift build

run: setup
	swift run dubql

test: setup
	swift build
	swift test

bench: setup
	swift run -c release dubql-bench

clean:
	rm -rf .build
