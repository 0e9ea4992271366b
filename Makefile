# UnionFlow: `make run` sets everything up and serves the app; `make test` sets up and runs every test;
# `make test-future` runs them again with the clock a year ahead.
# `make translations` re-extracts the UI's messages and updates the English catalogue (README § Translations).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYBABEL := $(BIN)/pybabel
# The English catalogue: the .po is the source (in git), the .mo is compiled from it (not in git).
CATALOGUE := translations/en/LC_MESSAGES/messages
# What marks a UI string (pybabel's defaults, such as N_, come on top); tests/web/test_i18n.py extracts with these.
BABEL_KEYWORDS := -k _ -k gettext -k lazy_gettext -k ngettext:1,2

# Debian packages: CJK fonts and HarfBuzz's subsetter for fast PDFs (docs/architecture.md §6), graphviz for diagrams,
# poppler (pdftoppm -png) for looking at the stage PDFs as pictures, PostgreSQL 15 for the second database of the suite,
# chromium for the browser tests (Playwright launches /usr/bin/chromium; never `playwright install`).
RUN_DEBS := fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 graphviz unicode-data
TEST_DEBS := $(RUN_DEBS) poppler-utils postgresql-15 chromium faketime

# axe-core, the accessibility engine the browser tests run on every page (tests/browser/pagecheck.py): test-only,
# from the npm registry (npm checks the package's integrity), pinned, into .cache/axe (not in git). The target is a
# stamp named by the version, so that changing AXE_VERSION fetches it again.
AXE_VERSION := 4.14.1
AXE := .cache/axe/axe-core-$(AXE_VERSION).stamp

.PHONY: run test test-future bench debs-run debs-test venv db clean translations axe

run: debs-run venv $(CATALOGUE).mo db
	$(FLASK) run --host $(HOST) --port $(PORT)

# The layers first (import-linter's contracts in pyproject.toml, docs/architecture.md), then every test.
test: debs-test venv $(CATALOGUE).mo $(AXE)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto -p no:cacheprovider

# The whole suite again with the system clock a year ahead (Debian's libfaketime, preloaded into every process the
# tests start: gunicorn, PostgreSQL, chromium): a test or a code path that mixes the fixed test clock with the
# system's fails here (docs/architecture.md invariant 8). CI runs it after `make test`. libfaketime 0.9.10 moves the monotonic
# clock too, and then a timed wait of Python (an Event's, a lock's or a Timer's timeout) waits a year, while leaving
# that clock alone (FAKETIME_DONT_FAKE_MONOTONIC) breaks time.sleep on Python 3.11 (EINVAL): tests wait for a
# thread with time.sleep, never with a timed wait.
FUTURE ?= +365d
test-future: debs-test venv $(CATALOGUE).mo $(AXE)
	faketime -f '$(FUTURE)' $(BIN)/python -m pytest -n auto -p no:cacheprovider

bench: debs-test venv $(CATALOGUE).mo
	$(BIN)/python bench/run.py

db: venv
	$(FLASK) init-db
	$(FLASK) demo

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The compiled catalogue Flask-Babel reads; rebuilt whenever the .po changes (after the venv is ready).
$(CATALOGUE).mo: $(CATALOGUE).po | venv
	$(PYBABEL) compile -d translations --statistics

# For developers, after adding or changing a UI string: re-extract, merge into the .po, then translate the new
# (empty or fuzzy) entries there; tests/web/test_i18n.py fails until every one is translated.
translations: venv
	$(PYBABEL) extract -F babel.cfg $(BABEL_KEYWORDS) --project=UnionFlow --version=0.1.0 \
		-o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations --ignore-obsolete
	$(PYBABEL) compile -d translations --statistics

axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null || bash scripts/ensure-debs.sh npm  # Debian's nodejs comes without npm
	rm -f .cache/axe/axe-core-*.stamp
	npm install --prefix .cache/axe --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
		axe-core@$(AXE_VERSION)
	grep -q '"version": "$(AXE_VERSION)"' .cache/axe/node_modules/axe-core/package.json
	touch $@

debs-run:
	@bash scripts/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@bash scripts/ensure-debs.sh $(TEST_DEBS)

clean:
	rm -rf $(VENV) instance test-artifacts $(CATALOGUE).mo
