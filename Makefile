# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mobilize migrate
	$(BIN)/mobilize seed-demo
	@echo "mobilize is serving on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(BIN)/mobilize serve

# The whole suite, once per database backend (SQLite, then PostgreSQL).
test: $(STAMP)
	MOBILIZE_TEST_DB=sqlite $(BIN)/python -m pytest
	MOBILIZE_TEST_DB=postgres $(BIN)/python -m pytest

test-sqlite: $(STAMP)
	MOBILIZE_TEST_DB=sqlite $(BIN)/python -m pytest

test-postgres: $(STAMP)
	MOBILIZE_TEST_DB=postgres $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check mobilize workers tests bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
