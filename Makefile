# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development runs with DEBUG on; production sets its own environment (see README).
LOCAL := DEBUG=1

.PHONY: help install run test test-postgres lint format migrate demo serve api-fuzz api-client bench bench-assignment bench-pages clean

help:
	@echo "make run            install, migrate, load the demo seminar, serve on http://$(HOST):$(PORT)/"
	@echo "make test           run the whole test suite (SQLite, or DATABASE_URL when set)"
	@echo "make test-postgres  run the suite on the local PostgreSQL server"
	@echo "make lint           ruff check, ruff format --check, makemigrations --check"
	@echo "make api-fuzz       schemathesis against the API on a throw-away server with the demo data"
	@echo "make api-client     a client generated from the API schema (openapi-python-client) imports and works, same server"
	@echo "make bench          all benchmarks: the Jekyll import of SITE, the slides zip, bench-assignment, then bench-pages"
	@echo "make bench-assignment  the sign-up assignment at 200 students x 60 papers x 30 weeks (~10 s)"
	@echo "make bench-pages    the page/API benchmark alone (PostgreSQL, Redis, gunicorn, wrk; ~25 min)"
	@echo "make serve          production-style: collectstatic, migrate, gunicorn (needs SECRET_KEY)"
	@echo "make backup         database and media files into DATA_DIR/backups/syllabus-<time>.tar (OUTPUT=path)"
	@echo "make restore FILE=… restore such an archive (FORCE=1 to overwrite a database holding data)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(LOCAL) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(LOCAL) $(BIN)/python manage.py load_demo --admin

run: migrate
	$(LOCAL) $(BIN)/python manage.py load_demo --admin --if-empty
	@echo ""
	@echo "  Site:  http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/   user: admin   password: admin"
	@echo ""
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/syllabus} $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LOCAL) $(BIN)/python manage.py makemigrations --check --dry-run

api-fuzz: install
	bash .ci/api-fuzz

api-client: install
	bash .ci/api-client

bench: install
	bash .ci/bench
	$(MAKE) --no-print-directory bench-assignment
	bash .ci/bench-pages

bench-assignment: install
	$(LOCAL) $(BIN)/python manage.py shell -v 0 -c "import runpy; runpy.run_path('bench/assignment.py', run_name='__main__')"

bench-pages: install
	bash .ci/bench-pages

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT)

# Backups (README "Backups"): the environment of the site (DATABASE_URL, DATA_DIR, MEDIA_ROOT) decides what.
.PHONY: backup restore
backup: install
	$(BIN)/python manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup.tar [FORCE=1]"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)" $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
