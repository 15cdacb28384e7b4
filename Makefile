# The two commands a newcomer needs:  `make lab`  and  `make test`.
# Each bootstraps what it needs (the .venv, a Docker engine, the lab images),
# and does nothing twice: a second call skips what is already in place.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
# Role scenarios first, the whole-site scenario last.
SCENARIOS := $(filter-out site,$(SCENARIOS)) $(filter site,$(SCENARIOS))

export PATH := $(BIN):$(PATH)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0
export NO_COLOR := 1

.PHONY: help lab lab-down ports bench test lint docs unit molecule images docker venv clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: $(VENV)/.installed ## Python tools from requirements.txt into .venv
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

docker: ## make sure a Docker engine answers (installs Debian's docker.io if needed)
	lab/bin/ensure-docker

images: venv docker ## the lab's images and its registry mirror (each rebuilt only when its recipe changes)
	lab/images/build
	lab/images/mirror

lab: venv images ## start the two lab servers and converge them over SSH with site.yml
	ansible-playbook lab/up.yml
	lab/bin/converge

ports: venv ## docs/ports.md, ports.json, topology.svg from the inventory (INVENTORY=...; contacts no host)
	command -v dot >/dev/null || lab/bin/apt-install graphviz
	ansible-playbook playbooks/ports.yml $(if $(INVENTORY),-i $(INVENTORY))

bench: venv images ## recreate the lab and time a first converge and a no-op run (.cache/bench/)
	lab/bin/bench

lab-down: venv ## remove the lab servers
	ansible-playbook lab/down.yml

lint: venv ## yamllint, ansible-lint (production profile), role READMEs current with their specs
	yamllint --strict .
	ansible-lint
	$(BIN)/python plugins/plugin_utils/role_docs.py --check

docs: venv ## rewrite the role READMEs' variable tables from meta/argument_specs.yml
	$(BIN)/python plugins/plugin_utils/role_docs.py

unit: venv ## plain pytest for the project's own code
	mkdir -p .cache/test-logs
	pytest tests/unit 2>&1 | tee .cache/test-logs/unit.log

molecule: venv images ## every Molecule scenario (or SCENARIOS="base users")
	tests/run-molecule $(SCENARIOS)

# Every step runs even when one fails, and the summary is always the last line
# (what CI reads); the status is non-zero when any step failed.
test: ## everything CI runs: lint, unit tests, every Molecule scenario
	rm -rf .cache/test-logs
	mkdir -p .cache/test-logs
	rc=0; \
	if $(MAKE) --no-print-directory lint; then echo "== 1 passed in 0s (lint) ==" > .cache/test-logs/lint.log; \
	else rc=1; echo "== 1 failed in 0s (lint) ==" > .cache/test-logs/lint.log; fi; \
	$(MAKE) --no-print-directory unit || rc=1; \
	$(MAKE) --no-print-directory molecule || rc=1; \
	$(BIN)/python tests/summarize.py .cache/test-logs || rc=1; \
	exit $$rc

clean: ## remove the lab and the .venv (without building a .venv to do it)
	if [ -x $(BIN)/ansible-playbook ]; then $(BIN)/ansible-playbook lab/down.yml; fi
	rm -rf $(VENV) .cache
