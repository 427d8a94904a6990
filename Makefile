# Customer Portal: `make up` runs the suite, `make test` tests it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test lint unit bench chaos migrate rebuild-projections contracts clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)                     ## run everything locally (SQLite, bundled broker)
	$(BIN)/python deploy/local/up.py

lint: $(STAMP)                   ## architecture rules, contract freshness, translation catalogues
	$(BIN)/lint-imports
	$(BIN)/python -m contracts.export --check
	$(BIN)/python -m tests.lint.catalogues

test: lint                       ## the whole suite (PostgreSQL required when CI=true)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit tests/contracts

bench: $(STAMP)                  ## figures and ratios, never pass/fail
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

chaos: $(STAMP)                  ## faults under load; fails on anything lost or doubled
	$(BIN)/python -m tests.chaos $(CHAOS_ARGS)

migrate: $(STAMP)
	for s in identity billing orders support documents notifications; do \
	  $(BIN)/python -m services.$$s migrate || exit 1; done

rebuild-projections: $(STAMP)
	for s in identity billing orders support documents notifications; do \
	  $(BIN)/python -m services.$$s rebuild-projections || exit 1; done

contracts: $(STAMP)              ## re-export the JSON Schemas after a contract change
	$(BIN)/python -m contracts.export

clean:
	rm -rf var
