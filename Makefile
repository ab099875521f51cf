# patent_sync — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint ui bench validate clean

# The first install downloads about 150 MB of wheels: pip shows each package and its progress
# rather than a minute of silence.
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("patent_sync needs Python 3.11+") if sys.version_info < (3, 11) else None'
	@echo "==> [1/3] creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] upgrading pip"
	$(PIP) --upgrade pip
	@echo "==> [3/3] installing patent_sync and its dependencies (a minute or two the first time)"
	$(PIP) -e ".[dev]"
	@touch $(STAMP)
	@echo "==> installed: $(BIN)/patent-sync"

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

## Dagster UI on the demo's storage (http://127.0.0.1:3000). Ctrl-C or SIGTERM stops it with
## its daemon and code servers; UI_PORT=3001 make ui for another port.
UI_PORT ?= 3000
ui: install
	$(BIN)/patent-sync ui --port $(UI_PORT)

## Throughput and memory figures (pipeline vs bare lxml; deadlines per second).
bench: install
	$(BIN)/python -m patent_sync.bench

validate: install
	DAGSTER_HOME=$(CURDIR)/var/dagster_home $(BIN)/dagster definitions validate -w workspace.yaml

clean:
	rm -rf var .pytest_cache .ruff_cache
