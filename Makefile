# Trip-booking saga. Every target bootstraps what it needs from pinned dependencies.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
NODE_STAMP := scripts/hcl/node_modules/.installed
TFPROVIDER_STAMP := scripts/tfprovider/node_modules/.installed
REQS := scripts/requirements

WORKSPACE ?= local

.PHONY: help demo test checks suites pytest-suites lint hcl scan validate fmt docs lock clean package package-local local-up local-down integration soak race bench browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): lambdas/requirements.txt $(REQS)/dev.txt $(REQS)/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(REQS)/dev.txt -c $(REQS)/dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	touch $@

# checkov pins its own boto3 and replaces python-hcl2's module: it gets a virtual environment of its own.
$(CHECKOV_STAMP): $(REQS)/checkov.txt $(REQS)/checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(REQS)/checkov.txt -c $(REQS)/checkov.lock
	touch $@

# HCL's own parser and formatter, as WASM from npm (no terraform binary needed).
$(NODE_STAMP): scripts/hcl/package.json scripts/hcl/package-lock.json
	npm ci --prefix scripts/hcl --no-audit --no-fund --silent
	touch $@

# hashicorp/aws 6.66.0's schema as @cdktn/provider-aws generated it: the stand-in provider's schema (no JavaScript of it runs).
$(TFPROVIDER_STAMP): scripts/tfprovider/package.json scripts/tfprovider/package-lock.json
	npm ci --prefix scripts/tfprovider --legacy-peer-deps --no-audit --no-fund --silent
	touch $@

demo: $(STAMP) ## run four bookings (one success, three rollbacks) on the local engine
	$(PY) scripts/demo.py

# The static checks and their installs (PyPI, npm) run side by side: much of that time is waiting on the network.
test: ## lint, HCL checks, checkov, terraform validate and plans, every pytest suite, the integration suite on a local workspace (what CI runs)
	$(MAKE) --no-print-directory -j 4 --output-sync=target checks
	$(MAKE) --no-print-directory -j 2 --output-sync=target suites

checks: lint hcl scan validate package-local browser

# The integration suite beside the pytest suites: it waits on retries and the workspace's endpoint half
# of its time, which the other suites' two workers fill. Each prints when it ends.
suites: pytest-suites integration

pytest-suites: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup --durations=15

bench: package-local $(TFPROVIDER_STAMP) browser ## measure saga time, DynamoDB requests, cold start, packaging, cost; writes docs/benchmarks.md
	$(PY) scripts/bench.py

soak: N ?= 5000
soak: $(STAMP) ## N random fault schedules (default 5000) through the local engine; ends with "<n> violations"
	$(PY) -m tests.support.soak -n $(N)

race: N ?= 100
race: S ?= 10
race: package-local $(TFPROVIDER_STAMP) ## N bookings (default 100) racing for S seats (default 10) on the local workspace; prints "race: confirmed=…"
	$(PY) scripts/local_workspace.py race --bookings $(N) --seats $(S)

package: $(STAMP) ## build/lambda: byte-deterministic function zips and dependencies layer (what Terraform deploys)
	$(PY) scripts/package_lambdas.py --target lambda

package-local: package ## build/local: the same layer for this machine's Python, and the local Lambda runtime
	$(PY) scripts/package_lambdas.py --target local

local-up: package-local $(TFPROVIDER_STAMP) ## start the local workspace: an AWS endpoint on 127.0.0.1, the saga deployed into it by terraform apply (the stand-in provider)
	$(PY) scripts/local_workspace.py up

local-down: $(STAMP) ## terraform destroy of the local workspace, then stop it and its workers
	$(PY) scripts/local_workspace.py down

integration: package-local $(TFPROVIDER_STAMP) browser ## the integration suite on a fresh local workspace (the booking page's browser tests too), or on WORKSPACE=<terraform workspace>
	$(PY) scripts/local_workspace.py integration --workspace $(WORKSPACE)

# The browser the booking page's tests drive (Playwright downloads none of its own): Debian's chromium,
# installed here if missing; or any Chromium-based browser CHROMIUM names (the GitHub workflow: the runner's Chrome).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

browser: ## install Debian's chromium for the page's browser tests, if missing (apt-get: needs root), unless CHROMIUM names another
	@if [ "$(CHROMIUM)" = /usr/bin/chromium ] && [ "$$(dpkg-query -W -f='$${Status}\n' chromium fonts-liberation 2>/dev/null | grep -c ' installed$$')" != 2 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; fi
	@"$(CHROMIUM)" --version 2>/dev/null || { echo "no browser at CHROMIUM=$(CHROMIUM)"; exit 1; }

hcl: $(NODE_STAMP) ## every .tf parses with HCL's parser and is formatted (terraform fmt when available)
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive terraform; fi
	node scripts/hcl/hcl-check.mjs terraform

scan: $(CHECKOV_STAMP) ## checkov over terraform/: must report 0 failed checks
	$(CHECKOV_VENV)/bin/checkov --directory terraform --framework terraform --skip-download --compact --quiet

validate: package $(TFPROVIDER_STAMP) ## terraform init + validate, and a plan per environment (dev, staging, prod), by Terraform itself on a stand-in for hashicorp/aws (~15 s; VALIDATE_PROVIDER=real: the real provider)
	$(PY) scripts/validate.py

fmt: $(NODE_STAMP) ## format the Terraform in place
	@if command -v terraform >/dev/null; then terraform fmt -recursive terraform; else node scripts/hcl/hcl-check.mjs --write terraform; fi

docs: $(STAMP) ## regenerate the Terraform module READMEs' inputs and outputs
	$(PY) scripts/tfdocs.py

lint: $(STAMP) ## ruff, mypy, and the GitHub Actions workflow (actionlint, zizmor)
	$(VENV)/bin/ruff check lambdas scripts tests
	$(VENV)/bin/ruff format --check lambdas scripts tests
	$(VENV)/bin/mypy
	$(VENV)/bin/actionlint -shellcheck= -pyflakes= .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --persona=auditor --quiet .github/workflows

lock: $(STAMP) $(CHECKOV_STAMP) ## re-pin scripts/requirements/*.lock from the current environments
	{ echo "# The whole development environment, pinned (direct pins: lambdas/requirements.txt, scripts/requirements/dev.txt). Regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable; } > $(REQS)/dev.lock
	{ echo "# checkov's environment, pinned. Regenerate with: make lock"; \
	  $(CHECKOV_VENV)/bin/python -m pip freeze --exclude-editable; } > $(REQS)/checkov.lock

clean: ## remove the virtual environment and build output
	-$(PY) scripts/local_workspace.py down 2>/dev/null
	rm -rf $(VENV) $(CHECKOV_VENV) scripts/hcl/node_modules scripts/tfprovider/node_modules build .pytest_cache .mypy_cache .ruff_cache
