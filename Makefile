# 全程 Quancheng — the two commands: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres lint venv test-venv system-deps clean-demo

# The demo needs only the application; the test tools come with `make test`.
$(BIN)/quancheng: pyproject.toml
	test -x $(BIN)/python || { ./scripts/ensure-python.sh $(PYTHON) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BIN)/quancheng

$(VENV)/.test-deps: $(BIN)/quancheng
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.test-deps

venv: $(BIN)/quancheng

test-venv: $(VENV)/.test-deps

## make demo: embedded SQLite under var/, demo agency and cases, production server; safe to run again.
demo: venv
	./scripts/ensure-media-tools.sh
	$(BIN)/quancheng migrate --noinput -v0
	$(BIN)/quancheng demo --host $(HOST) --port $(PORT)
	$(BIN)/quancheng serve --host $(HOST) --port $(PORT)

## make test: lint, then the whole suite on SQLite and again on PostgreSQL.
test: test-venv system-deps lint test-sqlite test-postgres

system-deps:
	./scripts/ensure-system-deps.sh

lint: test-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: test-venv
	QUANCHENG_TEST_DB=sqlite $(BIN)/pytest -q

# ensure-system-deps.sh writes var/test-database-url when the server needs a password (a stock Debian install).
test-postgres: test-venv system-deps
	QUANCHENG_TEST_DB=postgres QUANCHENG_TEST_DATABASE_URL=$$(cat var/test-database-url 2>/dev/null || \
	  echo postgres://postgres@127.0.0.1:5432/postgres) $(BIN)/pytest -q

clean-demo:
	rm -rf var/
