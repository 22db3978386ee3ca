# Two commands do all the set-up: `make lab` and `make test` (see README.md).
# Both create or update .venv and reinstall only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
# Run as root (e.g. in a container) JupyterLab needs --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint format bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The notebook environment: the package (editable) and JupyterLab with its extensions.
$(VENV)/.installed-notebook: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[notebook]'
	$(BIN)/python -m gumbel_lib.lab_settings $(VENV)
	touch $@

# The same environment plus the test tools.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-notebook
	$(BIN)/python -m pip install --quiet -e '.[notebook,test]'
	touch $@

## lab: set up .venv and start JupyterLab on 127.0.0.1 with a fresh random token
lab: $(VENV)/.installed-notebook
	@token=$${JUPYTER_TOKEN:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))')}; \
	echo "JupyterLab: http://127.0.0.1:$(PORT)/lab/tree/notebooks/00_overview.md?token=$$token"; \
	exec $(BIN)/jupyter lab --no-browser $(ROOT_FLAG) \
		--ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
		--IdentityProvider.token="$$token" --ServerApp.root_dir="$(CURDIR)"

## test: set up .venv with the test tools, lint, and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

## lint/format: ruff alone
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: speed ratios against baselines measured in the same run
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean-venv:
	rm -rf $(VENV)
