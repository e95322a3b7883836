# Two commands set everything up: `make lab` opens the course, `make test` runs every test.
# Both create .venv on first use and refresh it only when pyproject.toml changes.

# Python 3.11 to 3.13: the first of python3.11, python3.12, python3.13, python3 found.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test sync bench clean

lab: $(STAMP)
	$(BIN)/course lab

# One worker per core (at most 4); a notebook's cells share a kernel, so each file stays on one worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile

sync: $(STAMP)
	$(BIN)/course sync

bench: $(STAMP)
	$(BIN)/course bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13) and "Python 3.11, 3.12 or 3.13 is required (found " + sys.version.split()[0] + "); install one, or run: make PYTHON=/path/to/python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build
