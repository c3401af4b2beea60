# HelpRealm: `make run` serves the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYZ := build/helprealm.pyz

.PHONY: run test test-main test-e2e install system-deps build bench clean

run: $(STAMP)
	$(VENV)/bin/helprealm serve --config app.toml --demo

# Python packages: the app (editable) with its test and dev extras. Reinstalled when pyproject changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages for the tests: Chromium (browser tests) and Dovecot (IMAP tests).
system-deps:
	scripts/install-system-deps.sh

# The zipapp: templates and static inside, byte-compiled. See build/build.sh.
build: $(STAMP)
	build/build.sh

test: $(STAMP) system-deps build test-main test-e2e

# The main suite (pytest-asyncio) and the browser suite (sync Playwright) cannot share one process.
test-main: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/e2e -q

test-e2e: $(STAMP)
	$(PY) -m pytest tests/e2e -q -p no:asyncio

bench: $(STAMP) build
	$(PY) -m bench $(ARGS)

clean:
	rm -rf build/wheels build/*.pyz test-artifacts .pytest_cache
