# Wazstagram: `make run` serves a living site, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Options of manage.py rundemo, e.g. make run RUN_ARGS="--rate 5 --burst 12".
RUN_ARGS ?=
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
# One test database per checkout, so two checkouts can test at once.
TEST_DATABASE_NAME ?= test_wz_$(shell basename "$(CURDIR)" | tr -c 'a-zA-Z0-9\n' '_')

.PHONY: install run test lint bench lock

# The exact versions of requirements.lock (with their hashes), then the project itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After changing the dependencies in pyproject.toml: pin them again, with hashes.
lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Migrate, serve with daphne, subscribe against the built-in source, simulate photos; Ctrl-C stops.
# The map draws no tiles unless MAP_TILE_URL is set, so it works offline.
run: install
	DEBUG=$${DEBUG:-true} MAP_TILE_URL=$${MAP_TILE_URL-} $(BIN)/python manage.py rundemo $(RUN_ARGS)

# JavaScript linting with eslint from the npm registry (package-lock.json pins it).
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch node_modules/.installed-stamp

lint: install node_modules/.installed-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/deptry .
	npx --no-install eslint feed/static/feed eslint.config.js

test: install lint
	scripts/ensure-chromium.sh
	. scripts/ensure-redis.sh && \
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) && . scripts/ensure-postgres.sh && \
	$(BIN)/python -m pytest && \
	echo "--- the suite again on PostgreSQL ($$TEST_DATABASE_URL)" && \
	DATABASE_URL=$$TEST_DATABASE_URL TEST_DATABASE_NAME=$(TEST_DATABASE_NAME) $(BIN)/python -m pytest -m "not browser and not live"

bench: install
	scripts/ensure-chromium.sh
	. scripts/ensure-redis.sh && $(BIN)/python -m bench
