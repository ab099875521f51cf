# patent_sync — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint ui bench validate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("patent_sync needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Materialize the US feeds over data/uspto on the embedded default, then print a summary.
demo: install
	$(BIN)/patent-sync demo

## Run the whole test suite.
test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Dagster UI on the demo's storage (http://127.0.0.1:3000).
ui: install
	$(BIN)/patent-sync ui

## Throughput and memory figures (pipeline vs bare lxml; deadlines per second).
bench: install
	$(BIN)/python -m patent_sync.bench

validate: install
	DAGSTER_HOME=$(CURDIR)/var/dagster_home $(BIN)/dagster definitions validate -w workspace.yaml

clean:
	rm -rf var .pytest_cache .ruff_cache
