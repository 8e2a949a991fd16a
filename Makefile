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
        test-sanitize test-valgrind fuzz fuzz-build

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
	    CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" .venv/bin/python setup.py --quiet build_ext --inplace
	cd $(SAN_TREE) && $(SAN_ENV) .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow" $(or $(PYTEST_ARGS),test)

# Memcheck over the core and type tests in the universal and debug modes,
# with CPython's allocator switched to malloc so that every object is seen.
# Only the pytest process is checked (the compilers it starts are not).
VALGRIND_TESTS := $(wildcard test/test_core_*.py test/test_type_*.py)

test-valgrind: setup
	PYTHONMALLOC=malloc valgrind --tool=memcheck --error-exitcode=99 --leak-check=no \
	    --num-callers=40 --suppressions=test/valgrind/cpython.supp $(VALGRIND_ARGS) \
	    $(PY) -m pytest -q -p no:cacheprovider -k "universal or debug" $(VALGRIND_TESTS)

# libFuzzer targets (test/fuzz/): the host and the harness module built with
# clang and ASan/UBSan, driven by an embedded CPython. Only the harness and
# the runtime helpers it links (the code under test) carry libFuzzer's
# coverage: in the host it would mostly trace debug mode's handle scans.
# `make fuzz` runs each target for FUZZ_SECONDS in FUZZ_MODE (debug or
# universal); new inputs go to
# build/fuzz/corpus/<target>, the committed seeds stay as they are.
FUZZ_CC ?= clang-19
FUZZ_BUILD := build/fuzz
FUZZ_TARGETS := parse parse_keywords parse_keywords_dict build_value from_format
FUZZ_SECONDS ?= 60
FUZZ_MODE ?= debug
# -fno-sanitize=function: the host stores functions returning PyObject* as
# context members returning HPy, on purpose (see hpy_host.h).
FUZZ_SAN := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-sanitize=function
FUZZ_PYBASE = $(shell $(PYTHON) -c 'import sys; print(sys.base_prefix)')
FUZZ_PYINC = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
FUZZ_RUNTIME := $(filter-out hpy/devel/src/runtime/ctx_%,$(wildcard hpy/devel/src/runtime/*.c))
FUZZ_ENV := PYTHONMALLOC=malloc ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

fuzz-build: $(FUZZ_BUILD)/hpy_fuzz $(FUZZ_BUILD)/universal.so $(FUZZ_BUILD)/hpyfuzz.hpy0.so

$(FUZZ_BUILD)/universal.so: $(HOST_SOURCES) Makefile
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_SAN) -fPIC -shared -DHPY -DHPY_ABI_UNIVERSAL -DHPY_HOST \
	    -Ihpy/devel/include -Ihpy/universal/src -Ihpy/debug/src -Ihpy/trace/src -I$(FUZZ_PYINC) \
	    $(filter %.c,$(HOST_SOURCES)) -o $@

$(FUZZ_BUILD)/hpyfuzz.hpy0.so: Makefile test/fuzz/harness.c $(FUZZ_RUNTIME) $(shell find hpy/devel/include -name '*.h')
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c99 -Wall -Wextra -Werror -Wno-unused-parameter \
	    -fPIC -shared -DHPY -DHPY_ABI_UNIVERSAL -Ihpy/devel/include/hpy/forbid_python_h -Ihpy/devel/include \
	    test/fuzz/harness.c $(FUZZ_RUNTIME) -lffi -o $@

$(FUZZ_BUILD)/hpy_fuzz: Makefile test/fuzz/driver.c
	mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -std=c99 -Wall -Wextra -Werror -I$(FUZZ_PYINC) \
	    -DHPY_FUZZ_SRC='"$(CURDIR)/test/fuzz"' -DHPY_FUZZ_BUILD='"$(CURDIR)/$(FUZZ_BUILD)"' \
	    test/fuzz/driver.c -rdynamic $$($(FUZZ_PYBASE)/bin/python3-config --embed --ldflags) -o $@

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t && \
	    $(FUZZ_ENV) HPY_FUZZ_MODE=$(FUZZ_MODE) HPY_FUZZ_TARGET=$$t $(FUZZ_BUILD)/hpy_fuzz -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/$$t- \
	        $(FUZZ_BUILD)/corpus/$$t test/fuzz/corpus/$$t || exit 1; \
	done

demo: setup
	$(PY) examples/demo.py

bench: setup node_modules/.package-lock.json
	$(PY) bench/run.py

clean:
	rm -rf build $(VENV) node_modules hpy/universal/.built-stamp hpy/universal*.so hpy/*.so
