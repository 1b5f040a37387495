# Waypoint. Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export FLASK_APP := wsgi.py

.PHONY: run test lint venv clean messages

venv: $(STAMP)

# The translation catalogues, compiled from the .po files in the repository (app/catalogues.py).
PO := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
%.mo: %.po $(STAMP)
	$(BIN)/python -c 'import sys; from pathlib import Path; from app.catalogues import compile_one; compile_one(Path(sys.argv[1]))' $<

## After changing any user-facing string: add it to every catalogue (then translate it there).
messages: $(STAMP)
	$(BIN)/python -m app.catalogues update

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

## Start Waypoint on http://127.0.0.1:5000 with demo data on SQLite (instance/waypoint.sqlite3).
run: $(STAMP) $(MO)
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Every test: ruff, mypy, pip-audit, pytest on SQLite, on PostgreSQL, and in Chromium.
test: $(STAMP) $(MO)
	bash tests/run_all.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
