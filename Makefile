# The two commands of README.md: `make demo` runs the product, `make test` runs every test.
PYTHON := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AUPRES_VAR_DIR ?= $(CURDIR)/var
PORT ?= 8000
# Both cores by default (pytest-xdist); PYTEST_ARGS= runs in one process.
PYTEST_ARGS ?= -n 2

.PHONY: demo demo-reset worker serve test lint install migrate messages clean mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# axe-core (accessibility test, issue #13) from the npm registry, pinned by package-lock.json; never served.
# Without npm the accessibility test is skipped locally (and fails in CI: AUPRES_REQUIRE_BROWSER=1).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "npm is missing (apt-get install npm): the accessibility test will be skipped."; fi

install: $(STAMP) $(AXE)

migrate: install
	mkdir -p $(AUPRES_VAR_DIR)/static
	AUPRES_DEV=1 $(BIN)/python manage.py migrate --no-input

# The demo runs without the second factor (AUPRES_REQUIRE_2FA=0; the sign-in page says so): docs/security.md.
# The background worker (report PDFs, periodic jobs) runs beside the server and stops with it.
demo: migrate
	AUPRES_DEMO=1 AUPRES_REQUIRE_2FA=0 $(BIN)/python manage.py load_demo --port $(PORT)
	AUPRES_DEMO=1 AUPRES_REQUIRE_2FA=0 $(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	AUPRES_DEMO=1 AUPRES_REQUIRE_2FA=0 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Start the demo afresh: wipes the data directory (SQLite database, uploaded files) after a confirmation
# (type « oui », or run `make demo-reset CONFIRM=oui`). Running `make demo` again after use keeps your changes.
demo-reset:
	@if [ -n "$$AUPRES_DATABASE_URL" ]; then \
	  echo "AUPRES_DATABASE_URL est défini : la base n'est pas dans $(AUPRES_VAR_DIR), rien n'est effacé."; exit 1; fi
	@case "$(AUPRES_VAR_DIR)" in ""|/|"$(HOME)"|"$(HOME)/") echo "Dossier de données refusé : « $(AUPRES_VAR_DIR) »."; exit 1;; esac
	@if [ ! -e "$(AUPRES_VAR_DIR)" ]; then echo "Rien à effacer : $(AUPRES_VAR_DIR) n'existe pas. Lancez « make demo »."; exit 0; fi; \
	answer="$(CONFIRM)"; \
	if [ -z "$$answer" ]; then \
	  printf "Effacer toutes les données de %s (base SQLite, fichiers déposés) ? Tapez « oui » pour confirmer : " "$(AUPRES_VAR_DIR)"; \
	  read answer || answer=""; fi; \
	if [ "$$answer" != "oui" ]; then echo "Rien n'a été effacé."; exit 1; fi; \
	rm -rf "$(AUPRES_VAR_DIR)"; \
	echo "Données effacées. Lancez « make demo » pour repartir d'une démo neuve."

# The embedded worker alone, for a development server started by hand (README.md, "Background work").
worker: migrate
	AUPRES_DEV=1 $(BIN)/python manage.py run_worker

# Production (README.md, « Mettre en production »): the settings come from the environment (or ENV_FILE,
# default /etc/aupres/aupres.env when it exists); granian (deploy/serve.sh) serves on AUPRES_BIND behind the reverse proxy and the
# embedded worker runs beside it (with AUPRES_TASKS=celery, run the Celery units instead). systemd runs the same
# programs as separate units (deploy/systemd/).
ENV_FILE ?= $(wildcard /etc/aupres/aupres.env)
serve: install
	set -a; $(if $(ENV_FILE),. $(ENV_FILE);) set +a; mkdir -p "$$AUPRES_VAR_DIR"; \
	$(BIN)/python manage.py check --deploy --fail-level ERROR && \
	$(BIN)/python manage.py migrate --no-input && \
	$(BIN)/python manage.py collectstatic --no-input -v0 && \
	{ if [ "$${AUPRES_TASKS:-database}" = database ]; then $(BIN)/python manage.py run_worker & worker=$$!; fi; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	  AUPRES_VENV=$(VENV) deploy/serve.sh; }

test: install
	$(BIN)/ruff check src bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Mutation testing of the modules that protect people (issue #22; hours of CPU: not part of `make test`).
mutation: install
	nice -n 10 $(BIN)/python bench/mutation.py run after
	nice -n 10 $(BIN)/python bench/mutation.py decorated

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/lint-imports

# Regenerate the French catalogue after changing texts (needs Debian's gettext).
messages: install
	cd src/aupres && AUPRES_DEV=1 ../../$(BIN)/django-admin makemessages -l fr --no-obsolete --settings=aupres.settings --pythonpath=..
	cd src/aupres && AUPRES_DEV=1 ../../$(BIN)/django-admin compilemessages -l fr --settings=aupres.settings --pythonpath=..

clean:
	rm -rf $(VENV) var
