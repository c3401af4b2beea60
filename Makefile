# HelpRealm: `make run` serves the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYZ := build/helprealm.pyz
PYBABEL := $(VENV)/bin/pybabel
# Languages with a catalog in app/locale; `make messages` creates the .po of a code added here.
LOCALES := cs da de el en es fr hi it nl pl pt ru uk zh
POT := app/locale/messages.pot
# Compiled catalogs are build outputs (git-ignored): one per checked-in .po.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard app/locale/*/LC_MESSAGES/messages.po))

.PHONY: run test test-main test-e2e lint install catalogs messages system-deps build bench clean

run: $(STAMP) catalogs
	$(VENV)/bin/helprealm serve --config app.toml --demo

# Python packages: the app (editable) with its test and dev extras. Reinstalled when pyproject changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP) catalogs

# Each .mo is recompiled when its .po changes (the install stamp only follows pyproject.toml).
catalogs: $(MO_FILES)

app/locale/%/LC_MESSAGES/messages.mo: app/locale/%/LC_MESSAGES/messages.po | $(STAMP)
	$(PYBABEL) -q compile -i $< -o $@ -l $*

# After adding or changing translatable strings: extract them into the template (messages.pot) and
# merge it into every language's .po. A POT whose only change is its creation date is left alone,
# so running this on an unchanged tree changes nothing in git.
messages: $(STAMP)
	$(PYBABEL) -q extract -F babel.cfg --project=HelpRealm --copyright-holder="HelpRealm contributors" \
	  -o $(POT).new .
	if [ -f $(POT) ] && diff -q -I '^"POT-Creation-Date:' $(POT) $(POT).new >/dev/null; \
	  then rm $(POT).new; else mv $(POT).new $(POT); fi
	for locale in $(LOCALES); do \
	  $(PYBABEL) -q update -i $(POT) -d app/locale -l $$locale --init-missing --ignore-pot-creation-date \
	    || exit 1; \
	done

# Debian packages for the tests: Chromium (browser tests) and Dovecot (IMAP tests).
system-deps:
	scripts/install-system-deps.sh

# The zipapp: templates, static files and compiled catalogs inside, byte-compiled. See build/build.sh.
build: $(STAMP)
	build/build.sh

test: $(STAMP) system-deps lint build test-main test-e2e

# ruff: pyflakes, pycodestyle (120 columns), isort, bugbear, pyupgrade; configured in pyproject.toml.
lint: $(STAMP)
	$(PY) -m ruff check .

# The main suite (pytest-asyncio) and the browser suite (sync Playwright) cannot share one process.
test-main: $(STAMP) catalogs
	$(PY) -m pytest tests --ignore=tests/e2e -q

test-e2e: $(STAMP) catalogs
	$(PY) -m pytest tests/e2e -q -p no:asyncio

bench: $(STAMP) catalogs build
	$(PY) -m bench $(ARGS)

clean:
	rm -rf build/wheels build/*.pyz test-artifacts .pytest_cache
	rm -f app/locale/*/LC_MESSAGES/*.mo
