# UnionFlow: `make run` sets everything up and serves the app; `make test` sets up and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

# Debian packages: CJK fonts and HarfBuzz's subsetter for fast PDFs (DESIGN §6), graphviz for diagrams,
# poppler for reading PDFs back in tests, PostgreSQL 15 for the second database of the suite,
# chromium for the browser tests (Playwright launches /usr/bin/chromium; never `playwright install`).
RUN_DEBS := fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 graphviz
TEST_DEBS := $(RUN_DEBS) poppler-utils postgresql-15 chromium

.PHONY: run test bench debs-run debs-test venv db clean

run: debs-run venv db
	$(FLASK) run --host $(HOST) --port $(PORT)

test: debs-test venv
	$(BIN)/python -m pytest -n auto -p no:cacheprovider

bench: debs-test venv
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

debs-run:
	@bash scripts/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@bash scripts/ensure-debs.sh $(TEST_DEBS)

clean:
	rm -rf $(VENV) instance test-artifacts
