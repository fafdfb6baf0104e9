# Trip-booking saga. Every target bootstraps what it needs from pinned dependencies.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help demo test unit lint lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

demo: $(STAMP) ## run four bookings (one success, three rollbacks) on the local engine
	$(PY) scripts/demo.py

test: lint ## lint, then the unit, state-machine and static tests (what CI runs)
	$(PY) -m pytest -n 2 --dist loadfile

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check lambdas scripts tests
	$(VENV)/bin/ruff format --check lambdas scripts tests
	$(VENV)/bin/mypy

lock: $(STAMP) ## re-pin constraints.txt from the current environment
	{ echo "# The whole development environment, pinned (direct pins live in requirements*.txt). Regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean: ## remove the virtual environment and build output
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
