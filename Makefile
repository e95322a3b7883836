# Two commands set everything up: `make lab` opens the course, `make test` runs every test.
# Both create .venv on first use and refresh it only when pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test sync bench clean

lab: $(STAMP)
	$(BIN)/course lab

test: $(STAMP)
	$(BIN)/python -m pytest

sync: $(STAMP)
	$(BIN)/course sync

bench: $(STAMP)
	$(BIN)/course bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (found " + sys.version.split()[0] + "); install it, or run: make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build
