# The course's commands. Each target creates .venv and installs the project into it first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# nbgrader starts `alembic` and kernels by name: the venv's scripts must come first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install demo test lab build grade clean

help:
	@echo "make demo   build every chapter, autograde solution and blank release, print the table"
	@echo "make test   the whole test suite"
	@echo "make lab    JupyterLab on the student notebooks (release/)"
	@echo "make build  regenerate release/ and solutions/ from source/"
	@echo "make grade  autograde every submission under submitted/ with nbgrader"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m course demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

# Jupyter refuses to run as root unless told: containers and CI machines often are root.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=release $(if $(filter 0,$(shell id -u)),--allow-root)

build: $(STAMP)
	$(BIN)/python -m course build

grade: $(STAMP)
	@test -d submitted || { echo "no submitted/ folder: collect submissions first"; exit 1; }
	for dir in source/ch*/; do $(BIN)/nbgrader autograde "$$(basename $$dir)"; done

clean:
	rm -rf $(VENV) gradebook.db .pytest_cache
