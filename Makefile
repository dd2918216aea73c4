# Two commands on a fresh machine: `make run` and `make test`. Python 3.11+ and make suffice;
# without DATABASE_URL an embedded PostgreSQL 18 runs in .pg/ (stop it with `make stop`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
FUZZ_CASES ?= 10000
KILLS ?= 20
N ?= 100000
LETTERS ?= fixtures/letters
export DJANGO_SETTINGS_MODULE := archive.settings

.PHONY: run setup install db migrate import index static test test-fast lint format check-deploy bench bench-serve stop clean audit fuzz faults loadtest

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop; 'make stop' stops the database)"
	PORT=$(PORT) GUNICORN_ACCESS_LOG=- $(VENV)/bin/gunicorn archive.wsgi --config gunicorn.conf.py

setup: install db migrate import index static

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

db: install
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m archive.embedded_postgresql start; fi

migrate: db
	$(PY) manage.py migrate --no-input

import: migrate
	$(PY) manage.py import_letters $(LETTERS)

# The search index (.search-index/, derived from PostgreSQL): built when missing, else brought
# up to date with the change log; the web workers then follow the log themselves.
index: migrate
	$(PY) manage.py search_index update

static: install
	$(PY) manage.py collectstatic --no-input --verbosity 0

test: install db
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: install
	PRODUCTION=1 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-key-but-long-enough-for-django \
	  ALLOWED_HOSTS=archive.example.org $(PY) manage.py check --deploy --fail-level WARNING

bench: install db
	$(PY) manage.py bench --letters $(N)

# The benchmark corpus (N synthetic letters, flagged and shown as such) served on PORT, to read
# its results in a browser and page through /api/search/.
bench-serve: install db
	$(PY) manage.py bench --letters $(N) --generate-only
	$(PY) manage.py bench --letters $(N) --serve --port $(PORT)

# The site under load (scripts/loadtest.py): gunicorn with production settings on the bench
# corpus (made by `make bench`'s generator), 50 clients for 60 s, a bulk import running.
# Ends with `LOAD requests=N errors=N p50_ms=.. p95_ms=.. p99_ms=..`.
loadtest: install db
	$(PY) manage.py bench --letters $(N) --generate-only > /dev/null
	$(PY) scripts/loadtest.py --letters $(N) --clients 50 --seconds 60

# Known vulnerabilities in the runtime dependencies (pip-audit). Exits 2, saying so, when the
# advisory service cannot be reached: an audit that did not happen is not a pass.
audit: install
	$(PY) scripts/audit.py

# Hostile input, measured: query strings over every page and endpoint (hypothesis), and the
# whole corpus of 200+ malformed uploads through the admin and import_letters, and the JSON
# API against its OpenAPI schema (schemathesis). Ends with `FUZZ cases=N server_errors=N`.
# `make test` runs samples of each (300 cases, 30 files, 25 examples per API operation).
fuzz: install db
	@FUZZ_CASES=$(FUZZ_CASES) HOSTILE_SAMPLE=0 API_SCHEMA_CASES=300 $(PY) -m pytest \
	  tests/test_api_schema.py tests/test_hostile_uploads.py tests/test_fuzz.py \
	  -q -s -p no:cacheprovider > .fuzz.log 2>&1; status=$$?; \
	  cat .fuzz.log; grep '^HOSTILE' .fuzz.log; grep '^FUZZ' .fuzz.log; rm -f .fuzz.log; exit $$status

# Faults: a bulk import (and a search index follower) SIGKILLed at $(KILLS) random points and
# rerun, the index then in step (make test runs 3); PostgreSQL stopped and the site answering
# 503 with a message; then PostgreSQL restarted under load (scripts/loadtest.py --restart-db:
# 20 clients for 30 s on a $(FAULTS_N)-letter bench corpus, an import running, the database
# down 5 s from 10 s in): no error, and the same gunicorn serves again by itself.
# Ends with the KILLS, RESTART and LOAD lines.
FAULTS_N ?= 2000
faults: install db
	@KILLS=$(KILLS) $(PY) -m pytest tests/test_kills.py tests/test_faults.py tests/test_health.py \
	  -q -s -p no:cacheprovider > .faults.log 2>&1; status=$$?; cat .faults.log; \
	  kills=$$(grep '^KILLS' .faults.log); rm -f .faults.log; \
	  if [ -n "$$DATABASE_URL" ]; then \
	    echo "RESTART not run: it stops and starts the embedded PostgreSQL (DATABASE_URL is set)"; \
	  else \
	    $(PY) manage.py bench --letters $(FAULTS_N) --generate-only > /dev/null; \
	    $(PY) scripts/loadtest.py --letters $(FAULTS_N) --clients 20 --seconds 30 \
	      --restart-db 10 > .restart.log 2>&1; restart=$$?; \
	    grep -E '^([0-9]+ clients|machine|  [a-z]+ +n=|  error:|RESTART|LOAD)' .restart.log; \
	    if [ $$restart -ne 0 ]; then tail -40 .restart.log; status=$$restart; fi; \
	    rm -f .restart.log; \
	  fi; \
	  echo "$$kills"; exit $$status

stop:
	@if [ -x $(PY) ]; then $(PY) -m archive.embedded_postgresql stop; fi

clean: stop
	rm -rf .pg .pg-bench staticfiles .search-index .search-index-*
