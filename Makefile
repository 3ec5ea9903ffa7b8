# Hubei Market: `make run` serves the demo store, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_PRODUCTS ?= 2000
SERVICES := scripts/services.sh
# Both runs in parallel processes: on SQLite each has its own in-memory database and
# cache; on PostgreSQL + Redis each its own test database (pytest-django) and Redis
# database (tests/support/xdist_redis.py).
TEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres lint messages bench clean stop-services

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/pip || $(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: fresh machine -> virtualenv, migrate, demo data, serve with worker and beat
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --products $(DEMO_PRODUCTS)
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops the web server, worker and beat)"
	$(VENV)/bin/honcho start -f Procfile.dev

## make test: lint, migrations check, the suite on SQLite and on PostgreSQL + Redis
test: $(VENV)/.installed lint
	$(SERVICES) packages
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check_function_imports.py
	$(PY) scripts/check_type_hints.py
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

# The browser journeys run once, on PostgreSQL + Redis (the production profile, whose
# page cache they see); everything else runs on both.
test-sqlite: $(VENV)/.installed
	@echo "== test suite on SQLite, local-memory cache (browser journeys: on PostgreSQL) =="
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -q -n $(TEST_WORKERS) --durations=15 \
	  -m "not browser"

test-postgres: $(VENV)/.installed
	@echo "== test suite on PostgreSQL and Redis =="
	set -e; \
	db=$${DATABASE_URL:-$$($(SERVICES) postgres)}; \
	redis=$${REDIS_URL:-$$($(SERVICES) redis)}; \
	DEBUG=1 DATABASE_URL=$$db REDIS_URL=$$redis PYTHONPATH=. $(VENV)/bin/pytest -q -n $(TEST_WORKERS) --durations=15 \
	  -p tests.support.xdist_redis

## make messages: extract and compile the Chinese translations after changing strings
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

bench: $(VENV)/.installed
	$(SERVICES) packages
	bench/run.sh

stop-services:
	$(SERVICES) stop

clean: stop-services
	rm -rf $(VENV) var db.sqlite3 test-artifacts
