# Two commands on a fresh machine: `make run` and `make test`. Python 3.11+ and make suffice;
# without DATABASE_URL an embedded PostgreSQL 18 runs in .pg/ (stop it with `make stop`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
N ?= 100000
LETTERS ?= fixtures/letters
export DJANGO_SETTINGS_MODULE := archive.settings

.PHONY: run setup install db migrate import index static test test-fast lint format check-deploy bench bench-serve stop clean

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop; 'make stop' stops the database)"
	$(VENV)/bin/gunicorn archive.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --timeout 300 --access-logfile -

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
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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

stop:
	@if [ -x $(PY) ]; then $(PY) -m archive.embedded_postgresql stop; fi

clean: stop
	rm -rf .pg .pg-bench staticfiles .search-index .search-index-*
