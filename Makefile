# chiso — two commands: `make run` (pipeline on sample data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: stack stack-down env run test test-fast browser airflow sample report docs lint bench bench-postgres bench-load-csv bench-gate clean

$(UV):
	@echo "[setup] bootstrapping uv $(UV_VERSION) in $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every task, dbt run and test starts a Python process; with bytecode written at install
# time none of them compiles Airflow, dbt or Great Expectations from source (even where
# PYTHONDONTWRITEBYTECODE is set, as in this machine's shell)
$(VENV)/.synced: pyproject.toml uv.lock Makefile | $(UV)
	@echo "[setup] installing the locked environment into $(VENV)/ (uv sync --frozen --compile-bytecode)"
	@$(UV) sync --frozen --extra dev --quiet --compile-bytecode
	@touch $@

env: $(VENV)/.synced

## make run: environment, sample exports (if none), Airflow, every DAG, warehouse, progress table
run: env
	@echo "[setup] sample exports in data/incoming (generated only if none are present)"
	@$(BIN)/chiso sample --if-missing
	@$(BIN)/chiso run

## make test: environment if needed (and Debian's chromium for the report's browser test), then the whole suite
test: env browser
	@$(BIN)/python -m pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "[setup] installing Debian's chromium (the report's browser test)"; \
	    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	      { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } || \
	      echo "[setup] could not install chromium: the browser test will say so"; \
	  else echo "[setup] chromium is missing (apt-get install -y chromium): the browser test will say so"; fi; }

test-fast: env
	@$(BIN)/python -m pytest -q -m "not e2e"

## make airflow: the Airflow UI (api-server, scheduler, dag-processor, triggerer) on http://localhost:8080
airflow: env
	@$(BIN)/chiso airflow-init
	@eval "$$($(BIN)/chiso airflow-env)" && $(BIN)/airflow standalone

## make stack: Airflow as in production on this machine (api-server, scheduler, dag-processor, triggerer, two
## Celery workers; metadata in PostgreSQL, Redis broker; warehouse database `chiso`); `make stack-down` stops it
stack: env
	@$(BIN)/chiso stack up

stack-down: env
	@$(BIN)/chiso stack down

sample: env
	@$(BIN)/chiso sample

report: env
	@$(BIN)/chiso report

## make docs: dbt docs for the warehouse, served on http://localhost:8081
docs: env
	@cd dbt_project && CHISO_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs generate --profiles-dir . && \
	  CHISO_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs serve --profiles-dir . --port 8081

## make bench: stage-by-stage benchmark against the limit and the usual alternative (SCALE=tiny|province|national)
SCALE ?= province
bench: env
	@$(BIN)/python bench/harness.py --scale $(SCALE)

## make bench-postgres: chiso on DuckDB and on PostgreSQL side by side, and a plain COPY (SCALE=tiny|province)
bench-postgres: env
	@$(BIN)/python bench/bench_postgres.py --scale $(SCALE)

bench-load-csv: env
	@$(BIN)/python bench/bench_load_csv.py

bench-gate: env
	@$(BIN)/python bench/bench_gate.py

lint: env
	@$(BIN)/ruff check plugins dags tests tools bench

clean:
	rm -rf data/work data/logs data/dbt .airflow
