# Orchestrates the TypeScript tools (api/, codegen/, tools/) and the Python
# package (hpy/). Every target sets up what it needs from nothing:
#   make test      the fast run: every check and test except those marked slow
#   make test-all  everything, the slow tests too (other CPythons, installs; CI)
#   make test-wasm  the core of the pytest suite inside Pyodide in Node (WebAssembly
#                   host; part of make test); make test-wasm-all: all of it (test-all)
#   make demo   build and run the examples in every ABI
#   make gen    regenerate the generated files from api/

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST_SOURCES := $(wildcard hpy/universal/src/*.[ch] hpy/debug/src/*.[ch] hpy/trace/src/*.[ch] \
                  hpy/devel/src/runtime/*.c) $(shell find hpy/devel/include -name '*.h')

.PHONY: all setup test test-all test-ts test-py test-py-all test-all-pythons test-wasm test-wasm-all wasm-wheels gen gen-check lint typecheck demo bench clean

all: test

setup: node_modules/.package-lock.json $(STAMP) host

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel pytest
	$(PY) -m pip install --quiet --no-build-isolation -e .
	touch $@

# The host module hpy.universal, built in place for the editable install.
host: hpy/universal/.built-stamp
hpy/universal/.built-stamp: $(STAMP) $(HOST_SOURCES)
	$(PY) setup.py --quiet build_ext --inplace
	touch $@

gen: node_modules/.package-lock.json
	npm run --silent gen

gen-check: node_modules/.package-lock.json
	npm run --silent gen:check

typecheck: node_modules/.package-lock.json
	npm run --silent typecheck

lint: node_modules/.package-lock.json
	npm run --silent lint

test-ts: node_modules/.package-lock.json
	npm test

test-py: setup
	$(PY) -m pytest test -q -p no:cacheprovider -m "not slow"

# The slow tests build wheels, virtual environments and the same binary for
# every other CPython under pyenv.
test-py-all: setup
	$(PY) -m pytest test -q -p no:cacheprovider

# pytest and its pure-Python dependencies for Pyodide, which has no
# installer that works offline: wasm/src/pytest.ts unpacks these wheels.
WASM_WHEELS := build/wasm/wheels/.stamp
$(WASM_WHEELS): test/wasm/requirements.txt $(STAMP)
	rm -rf build/wasm/wheels
	$(PY) -m pip download --quiet --only-binary :all: --platform any --python-version 3.13 \
	    --implementation py --no-deps -r test/wasm/requirements.txt -d build/wasm/wheels
	touch $@

wasm-wheels: $(WASM_WHEELS)

# The suite inside Pyodide, against the WebAssembly host (needs clang-19 and
# lld-19, or HPY_WASM_CC); what does not apply there skips with its reason.
# make test runs the core files (loading, every context function family,
# modules); make test-all runs every file.
WASM_FAST_TESTS := test/test_smoke.py test/test_core_*.py test/test_module.py test/test_loader.py
test-wasm: node_modules/.package-lock.json $(WASM_WHEELS)
	npx hpy-wasm pytest -q $(WASM_FAST_TESTS)

test-wasm-all: node_modules/.package-lock.json $(WASM_WHEELS)
	npx hpy-wasm pytest -q test

test: gen-check typecheck lint test-ts test-py test-wasm

test-all: gen-check typecheck lint test-ts test-py-all test-wasm-all

demo: setup
	$(PY) examples/demo.py

bench: setup node_modules/.package-lock.json
	$(PY) bench/run.py

clean:
	rm -rf build $(VENV) node_modules hpy/universal/.built-stamp hpy/universal*.so hpy/*.so
