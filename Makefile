# Orchestrates the TypeScript tools (api/, codegen/, tools/) and the Python
# package (hpy/). Every target sets up what it needs from nothing:
#   make test      the fast run: every check and test except those marked slow
#   make test-all  everything, the slow tests too (other CPythons, installs; CI)
#   make demo   build and run the examples in every ABI
#   make gen    regenerate the generated files from api/
#   make test-sanitize / test-valgrind / fuzz   see docs/testing.md

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST_SOURCES := $(wildcard hpy/universal/src/*.[ch] hpy/debug/src/*.[ch] hpy/trace/src/*.[ch] \
                  hpy/devel/src/runtime/*.c) $(shell find hpy/devel/include -name '*.h')

.PHONY: all setup test test-all test-ts test-py test-py-all test-all-pythons gen gen-check lint typecheck demo bench clean \
        test-sanitize test-valgrind fuzz

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

test: gen-check typecheck lint test-ts test-py

test-all: gen-check typecheck lint test-ts test-py-all

# The fast pytest run with the host, the runtime and every test module built
# with ASan and UBSan (gcc), in a copy of the tree under build/sanitize so
# that the normal in-place host is left alone. CPython itself is not
# instrumented: the sanitizer runtimes are preloaded (subprocesses inherit
# LD_PRELOAD), and leak detection is off because CPython keeps its own
# memory alive at exit. PYTHONMALLOC=malloc lets ASan see object memory.
SAN_TREE := build/sanitize
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV = LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
          ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
          PYTHONMALLOC=malloc HPY_TEST_CFLAGS="$(SAN_FLAGS)" CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)"

test-sanitize: node_modules/.package-lock.json
	mkdir -p $(SAN_TREE)
	find $(SAN_TREE) -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
	git ls-files -co --exclude-standard -z | xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' _ \
	    | xargs -0 cp --parents -t $(SAN_TREE)
	ln -s $(CURDIR)/node_modules $(SAN_TREE)/node_modules
	[ -x $(SAN_TREE)/.venv/bin/pytest ] || ($(PYTHON) -m venv $(SAN_TREE)/.venv && \
	    $(SAN_TREE)/.venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel pytest)
	cd $(SAN_TREE) && CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
	    .venv/bin/python -m pip install --quiet --no-build-isolation -e . && \
	    CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" .venv/bin/python setup.py --quiet build_ext --inplace --force
	cd $(SAN_TREE) && $(SAN_ENV) .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow" $(or $(PYTEST_ARGS),test)

demo: setup
	$(PY) examples/demo.py

bench: setup node_modules/.package-lock.json
	$(PY) bench/run.py

clean:
	rm -rf build $(VENV) node_modules hpy/universal/.built-stamp hpy/universal*.so hpy/*.so
