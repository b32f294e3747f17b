# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ical.js (Thunderbird's parser) checks the calendar feeds in the tests; installed once, when missing.
CALENDAR_STAMP := tests/calendar/node_modules/.installed
# axe-core checks every page for accessibility problems in the browser tests; installed the same way.
AXE_STAMP := tests/web/axe/node_modules/.installed

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

# Without npm the feed tests that need ical.js say so and are skipped (they fail under CI=true).
$(CALENDAR_STAMP): tests/calendar/package.json tests/calendar/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/calendar && npm install --no-audit --no-fund && touch node_modules/.installed; \
	else \
		echo "!!! npm not found: the calendar feed checks with ical.js will be skipped"; \
	fi

# Without npm the browser tests say axe-core is missing and are skipped (they fail under CI=true).
$(AXE_STAMP): tests/web/axe/package.json tests/web/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/web/axe && npm install --no-audit --no-fund && touch node_modules/.installed; \
	else \
		echo "!!! npm not found: the accessibility checks with axe-core will be skipped"; \
	fi

run: $(STAMP)
	$(BIN)/mobilize migrate
	$(BIN)/mobilize seed-demo
	@echo "mobilize is serving on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(BIN)/mobilize serve

# The whole suite, once per database backend, the two passes side by side: each is one Python process, so on
# two cores they take together about what the PostgreSQL pass takes alone. The PostgreSQL pass has its own
# Redis database (PG_PASS_REDIS), temporary folder and no pytest cache, and leaves docs/screenshots to the
# SQLite pass; its output is printed after the SQLite pass's. Both always run; the target fails if either did.
# Interrupted (Ctrl-C), it stops the PostgreSQL pass too (a background job of `sh` ignores SIGINT).
PG_PASS_REDIS ?= redis://127.0.0.1:6379/13
test: $(STAMP) $(CALENDAR_STAMP) $(AXE_STAMP)
	@work=$$(mktemp -d); failed=""; \
	MOBILIZE_TEST_DB=postgres MOBILIZE_TEST_REDIS_URL=$(PG_PASS_REDIS) MOBILIZE_SCREENSHOTS=0 \
		$(BIN)/python -m pytest -p no:cacheprovider --basetemp=$$work/tmp >$$work/postgres.log 2>&1 & pg=$$!; \
	trap 'kill $$pg 2>/dev/null; rm -rf $$work; exit 130' INT TERM; \
	echo "make test: the PostgreSQL pass runs beside this one (its output follows)"; \
	MOBILIZE_TEST_DB=sqlite $(BIN)/python -m pytest || failed="$$failed sqlite"; \
	wait $$pg || failed="$$failed postgres"; \
	echo; echo "===== make test: the PostgreSQL pass ====="; cat $$work/postgres.log; rm -rf $$work; \
	if [ -n "$$failed" ]; then echo "!!! make test: the suite failed on:$$failed"; exit 1; fi

test-sqlite: $(STAMP) $(CALENDAR_STAMP) $(AXE_STAMP)
	MOBILIZE_TEST_DB=sqlite $(BIN)/python -m pytest

test-postgres: $(STAMP) $(CALENDAR_STAMP) $(AXE_STAMP)
	MOBILIZE_TEST_DB=postgres $(BIN)/python -m pytest

# Schemathesis over the OpenAPI document against the app under uvicorn on PostgreSQL (a few minutes). The
# PostgreSQL pass of `make test` runs it too under CI=true (tests/web/test_schemathesis.py).
.PHONY: schemathesis
schemathesis: $(STAMP)
	MOBILIZE_TEST_DB=postgres MOBILIZE_SCHEMATHESIS=1 $(BIN)/python -m pytest tests/web/test_schemathesis.py

# Sign-up surge on PostgreSQL (uvicorn with 2 workers, Redis db 14) against a raw asyncpg baseline.
bench: $(STAMP)
	$(BIN)/python bench/signup_surge.py

lint: $(STAMP)
	$(BIN)/ruff check mobilize workers tests bench
	$(BIN)/mypy mobilize workers

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache tests/calendar/node_modules tests/web/axe/node_modules
