# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test install lint typecheck schema check-schema

$(BIN)/.installed: pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]" -e ./clients/python
	touch $@

install: $(BIN)/.installed

## Start the server with demo data: the Launchpad on http://localhost:8000/, the API at /graphql (SQLite
## under ./.atom/). Builds the Launchpad (web/dist) first when it is missing or stale.
run: install
	scripts/web.sh ensure
	$(BIN)/atom serve

## Every check and every test: lint, types, contract drift, the suite on SQLite and on PostgreSQL.
test: install
	scripts/test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

schema: install
	$(BIN)/atom schema export

check-schema: install
	$(BIN)/atom schema export --check
