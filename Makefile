# caseflow — build / run / test. `make run` for a demo, `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

VENV   := .venv
SECRET_FILE := .local/secret_key
PY     := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)

# With no DATABASE_URL, use the project-local cluster (scripts/localdb.sh).
# Evaluated lazily and at most once, and only when DATABASE_URL is unset/empty.
ifeq ($(strip $(DATABASE_URL)),)
LOCAL_DB := 1
DATABASE_URL = $(eval DATABASE_URL := $$(shell scripts/localdb.sh url))$(DATABASE_URL)
endif
export DATABASE_URL

PYTEST_ARGS ?=
# The suite is spread over the cores (pytest-xdist; each worker has its own test
# database, named by its process in tests/conftest.py). JOBS=0 runs it in one process.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: venv browser office db migrate seed run mail lint test bench drill stopdb clean lock

venv: $(VENV)/.installed browser office node_modules/.installed $(SECRET_FILE)

# A random SECRET_KEY for this checkout (settings read it when the environment
# has none; production sets SECRET_KEY itself, see docs/production.md).
$(SECRET_FILE):
	mkdir -p .local
	umask 077; $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(64))" > $@

$(PY):
	$(PYTHON) -m venv $(VENV)

# reinstall only when requirements.lock is newer than the stamp
$(VENV)/.installed: requirements.lock | $(PY)
	$(PY) -m pip install -q -r requirements.lock
	touch $@

# Debian's chromium for the Playwright browser tests (no browser downloads here)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update && apt-get install -y chromium fonts-dejavu-core; \
	  else \
	    echo "*** /usr/bin/chromium is missing: browser tests need it." >&2; \
	    echo "*** Install it with: sudo apt-get install -y chromium fonts-dejavu-core" >&2; \
	  fi; \
	fi

# LibreOffice (no GUI) and poppler for the printed-document tests: the .docx
# files are converted to PDF and read back (tests/documents/). Liberation Serif
# has Times New Roman's metrics, so lines break as in Word.
# gettext: the catalogue test runs makemessages (tests/vietnamese/test_catalogue.py).
OFFICE_PACKAGES := libreoffice-writer-nogui poppler-utils fonts-liberation2 gettext
office:
	@if [ ! -x /usr/bin/soffice ] || [ ! -x /usr/bin/pdftotext ] || [ ! -x /usr/bin/xgettext ] || \
	    [ ! -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update && apt-get install -y --no-install-recommends $(OFFICE_PACKAGES); \
	  else \
	    echo "*** LibreOffice or poppler is missing: the document tests need them." >&2; \
	    echo "*** Install them with: sudo apt-get install -y --no-install-recommends $(OFFICE_PACKAGES)" >&2; \
	  fi; \
	fi

# axe-core from npm for the accessibility browser tests, the exact version in
# package-lock.json; `npm ci` again only when the lock changes.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "*** npm is missing: the accessibility tests need axe-core (apt-get install -y npm)." >&2; \
	fi

db:
ifdef LOCAL_DB
	scripts/localdb.sh start
else
	@echo "using DATABASE_URL from the environment"
endif

migrate: venv db
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The notification worker, the reminder scheduler and the export worker run
# beside the web server and stop with it. With no EMAIL_HOST/EMAIL_BACKEND in
# the environment, emails go by SMTP to a local mailbox (.local/mail; `make
# mail` lists it).
run: venv db migrate seed
	$(PY) manage.py demo_logins
	mailbox=; \
	if [ -z "$${EMAIL_HOST:-}" ] && [ -z "$${EMAIL_BACKEND:-}" ]; then \
	  $(PY) manage.py run_mailbox --port $${MAILBOX_PORT:-1025} & mailbox=$$!; \
	  export EMAIL_HOST=127.0.0.1 EMAIL_PORT=$${MAILBOX_PORT:-1025}; \
	  for i in $$(seq 100); do \
	    (exec 3<>/dev/tcp/127.0.0.1/$$EMAIL_PORT) 2>/dev/null && break; sleep 0.1; \
	  done; \
	  echo "Emails: SMTP to the local mailbox; read them with: make mail"; \
	fi; \
	$(PY) manage.py deliver_notifications & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	$(PY) manage.py run_exports & exports=$$!; \
	trap 'kill $$worker $$scheduler $$exports $$mailbox 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# The demo mailbox: the last emails the worker sent (TO=address to filter).
mail: venv
	$(PY) manage.py run_mailbox --list --to "$${TO:-}"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy .

test: venv db lint
	$(VENV)/bin/pytest -n $(JOBS) --dist loadfile $(PYTEST_ARGS)

bench: venv db
	for f in bench/bench_*.py; do \
	  [ -e "$$f" ] || { echo "no bench/bench_*.py yet"; break; }; \
	  DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. $(PY) $$f || exit 1; \
	done

# The fault drill: load over HTTP, PostgreSQL stopped and started, the worker
# killed twice, then the tally (bench/drill_faults.py; its own throwaway cluster).
drill: venv db
	DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. $(PY) bench/drill_faults.py

stopdb:
	scripts/localdb.sh stop

# regenerate requirements.lock from requirements.in in a throwaway venv
lock:
	rm -rf .local/lockvenv
	$(PYTHON) -m venv .local/lockvenv
	.local/lockvenv/bin/pip install -q -r requirements.in
	{ echo "# Generated: fresh venv (Python 3.11), pip install -r requirements.in, pip freeze."; \
	  echo "# Regenerate with: make lock"; \
	  .local/lockvenv/bin/pip freeze; } > requirements.lock
	rm -rf .local/lockvenv

clean:
	-scripts/localdb.sh stop
	rm -rf $(VENV) .local "$$(scripts/localdb.sh dir)"
