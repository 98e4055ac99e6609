# Quick start targets; each creates the virtualenv on first use (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
STAMP := $(VENV)/.installed-stamp

# constraints.txt pins the tested versions of every dependency (pip freeze of a dev venv).
$(STAMP): setup.cfg pyproject.toml sandbox/pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ./sandbox -e '.[dev]'
	touch $(STAMP)

.PHONY: install demo test lint
install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/connector demo

test: $(STAMP)
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check connector tasks sandbox tests bench migrations
	$(VENV)/bin/ruff format --check connector tasks sandbox tests bench migrations
	$(VENV)/bin/mypy connector tasks
	$(VENV)/bin/lint-imports
