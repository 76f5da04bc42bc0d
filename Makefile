# The course's commands. Each target creates .venv and installs the project into it first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# nbgrader starts `alembic` and kernels by name: the venv's scripts must come first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install demo test lab formgrader hub build grade mutation clean

help:
	@echo "make demo   build, grade a synthetic cohort, write feedback, grades.csv and the report"
	@echo "make test   the whole test suite"
	@echo "make lab    JupyterLab on the student notebooks (release/)"
	@echo "make formgrader  JupyterLab on the course folder, opening nbgrader's formgrader"
	@echo "make hub    as root: the course on a local JupyterHub (accounts, exchange, formgrader service); ARGS=--demo|--stop|--clean"
	@echo "make build  regenerate release/ and solutions/ from source/"
	@echo "make grade  autograde every submission under submitted/ in parallel (course grade)"
	@echo "make mutation  mutmut on every chapter's answers with its test cells; kill rates into benchmarks/RESULTS.md"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m course demo

# JupyterHub's proxy comes from npm, pinned, into a project-local folder (git-ignored).
PROXY_VERSION := 5.3.0
PROXY := .hub/npm/node_modules/.bin/configurable-http-proxy
$(PROXY):
	npm install --silent --no-audit --no-fund --prefix .hub/npm configurable-http-proxy@$(PROXY_VERSION)

# The hub's accounts (students, graders) run Python from their own venv, made from an interpreter
# every account may run: the one behind .venv may sit in root's home (pyenv). Same pins.
HUB_PYTHON ?= /usr/bin/python3.11
HUB_VENV   := .hub/venv
HUB_STAMP  := $(HUB_VENV)/.installed-stamp
$(HUB_STAMP): pyproject.toml
	test -x $(HUB_VENV)/bin/python || $(HUB_PYTHON) -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install --quiet -e '.[hub]'
	touch $(HUB_STAMP)

test: $(STAMP) $(PROXY) $(HUB_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --durations=15

# Jupyter refuses to run as root unless told: containers and CI machines often are root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# The student view: course/student_view/ switches off nbgrader's instructor tools (formgrader,
# create assignment, course list); Validate and the assignment list (fetch, submit) stay.
# The local exchange must exist for the assignment list and for release/collect.
lab: $(STAMP)
	mkdir -p .exchange
	JUPYTER_CONFIG_PATH=$(abspath course/student_view) $(BIN)/jupyter lab --ServerApp.root_dir=release $(AS_ROOT)

# The instructor view: every nbgrader tool, on the course folder, opening the formgrader.
formgrader: $(STAMP)
	mkdir -p .exchange
	$(BIN)/jupyter lab --LabApp.default_url=/formgrader $(AS_ROOT)

# The course on a local JupyterHub (course/hub.py, README "The course on JupyterHub"), as root.
# make hub ARGS=--demo runs a class's loop on chapter 1; ARGS=--stop; ARGS=--clean removes everything.
hub: $(STAMP) $(PROXY) $(HUB_STAMP)
	$(BIN)/python -m course hub $(ARGS)

build: $(STAMP)
	$(BIN)/python -m course build

# Options pass through ARGS, e.g. make grade ARGS="--jobs 4 --timeout 60 --force".
grade: $(STAMP)
	@test -d submitted || { echo "no submitted/ folder: collect submissions first"; exit 1; }
	$(BIN)/python -m course grade $(ARGS)

# Mutation testing of the hidden tests (slow: minutes per chapter; not part of `make test`).
# make mutation CHAPTERS="ch01_linear_regression ch02_newton_irls" MUTATION_WORKERS=2 ARGS="--mutants-dir /tmp/m"
MUTATION_STAMP := $(VENV)/.mutation-stamp
MUTATION_WORKERS ?= 1
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/python benchmarks/mutation.py $(CHAPTERS) --max-children $(MUTATION_WORKERS) $(ARGS)

clean:
	rm -rf $(VENV) .hub gradebook.db .grading-cache .pytest_cache
