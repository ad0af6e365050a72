# Pathways: `make run` serves the demo, `make test` checks everything. Both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# uv lives in its own small environment: `uv sync` keeps .venv exactly as locked.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Use the machine's Python (3.12+; pyenv honours .python-version) and never download another.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
# The interpreter's real path (not a pyenv shim), so that uv reuses .venv instead of rebuilding it.
PYTHON_EXE = $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pathways
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint typecheck bench clean

help:
	@echo "make run    - set up, migrate, seed the demo once and serve on http://$(HOST):$(PORT)"
	@echo "make test   - set up, then ruff, mypy and pytest (with coverage) on Postgres"
	@echo "make bench  - seed the large scale into its own database and measure every page"

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Pathways needs Python 3.12 or newer; found $$($(PYTHON) --version)."; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

# Re-sync whenever the lock file changes.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --python $(PYTHON_EXE)
	@touch $@

install: $(VENV)/.synced

run: install
	$(PY) manage.py migrate --no-input
	@# seed_demo adds only what is missing, so this seeds a fresh database once and then
	@# just prints the logins again.
	$(PY) manage.py seed_demo --scale small
	@# The broker may come from the environment or from .env: ask the settings.
	@BROKER="$$($(PY) scripts/setting.py CELERY_BROKER_URL)"; \
	if [ -n "$$BROKER" ]; then \
		echo "Starting the Celery worker and beat (broker: $$BROKER)"; \
		$(VENV)/bin/celery -A config worker --beat --loglevel INFO --concurrency 2 & \
		trap "kill $$! 2>/dev/null" EXIT; \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	else \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	fi

test: install
	@$(PY) scripts/wait_for_postgres.py "$${DATABASE_URL:-$(TEST_DATABASE_URL)}"
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	@# -n auto: one pytest worker per core (pytest-xdist), each with its own test database;
	@# loadgroup: the tests that start real worker processes run on one of them, in turn.
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(VENV)/bin/pytest -n auto --dist loadgroup \
		--cov --cov-report=term --cov-fail-under=90 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles .coverage htmlcov .mypy_cache .ruff_cache
