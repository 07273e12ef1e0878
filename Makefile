# riskdesk — two commands: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench fuzz clean setup screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# `make run PORT=8001` when 8000 is taken (the demo says so before loading anything)
PORT ?= 8000

run: $(STAMP)
	$(BIN)/riskdesk demo --port $(PORT)

test: $(STAMP)
	bash scripts/ensure-browser.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not bench and not fuzz"

# Benchmarks run in their own venv: the peer engines compared with are never project dependencies.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[test]' -r bench/requirements.txt
	touch $(BENCH_STAMP)

# The portfolio rescore (docs/performance.md); `make bench RESCORE_CUSTOMERS=1000000` for the
# 1M figure (bench.rescore's own default), which takes far longer.
RESCORE_CUSTOMERS ?= 100000
# The bulk import (docs/performance.md, "Bulk import"): 100,000 rows is issue 11's target.
IMPORT_CUSTOMERS ?= 100000
# The dashboard's figures (docs/performance.md, "The dashboard").
DASHBOARD_CUSTOMERS ?= 100000
# The customer list's first page and total (docs/performance.md, "The customer list").
LIST_CUSTOMERS ?= 1000000

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench
	$(BENCH_VENV)/bin/python -m bench.ingest
	$(BENCH_VENV)/bin/python -m bench.imports --customers $(IMPORT_CUSTOMERS)
	$(BENCH_VENV)/bin/python -m bench.load --backends sqlite --workers 1,2 --rates 25,50 --seconds 3
	$(BENCH_VENV)/bin/python -m bench.credit_checks --backends sqlite --workers 1 --rates 25,50 --seconds 10
	$(BENCH_VENV)/bin/python -m bench.simulate
	$(BENCH_VENV)/bin/python -m bench.table
	$(BENCH_VENV)/bin/python -m bench.rescore --customers $(RESCORE_CUSTOMERS)
	$(BENCH_VENV)/bin/python -m bench.dashboard --customers $(DASHBOARD_CUSTOMERS)
	$(BENCH_VENV)/bin/python -m bench.customer_list --customers $(LIST_CUSTOMERS)

# docs/screenshots/: the main pages of a fresh `riskdesk demo`, photographed in Chromium
screenshots: $(STAMP)
	bash scripts/ensure-browser.sh
	$(BIN)/python scripts/screenshots.py

fuzz: $(STAMP)
	$(BIN)/python -m pytest -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(BENCH_VENV) riskdesk-demo.db riskdesk-demo.db-* .pytest_cache
