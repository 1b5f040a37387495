# Waypoint. Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export FLASK_APP := wsgi.py

.PHONY: run test lint venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

## Start Waypoint on http://127.0.0.1:5000 with demo data on SQLite (instance/waypoint.sqlite3).
run: $(STAMP)
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Every test: ruff, mypy, pip-audit, pytest on SQLite, on PostgreSQL, and in Chromium.
test: $(STAMP)
	bash tests/run_all.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
