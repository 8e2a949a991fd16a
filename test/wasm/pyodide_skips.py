"""What of the test-suite does not apply inside Pyodide, and why.

test/conftest.py installs these hooks when the suite runs in Pyodide
(`sys.platform == "emscripten"`, started by wasm/src/pytest.ts). Only the
universal binary exists there, loaded in universal or debug mode:
tests of the cpython and hybrid ABIs, legacy code, the setuptools path,
other CPythons, child processes, fork and threads skip with the reason
below. Everything else runs, so a test of the universal ABI that fails in
Pyodide shows up as a failure, never as a skip.
"""
from __future__ import annotations

import fnmatch
from typing import Dict, List

import pytest

from support import ABIS

NO_SUBPROCESS = "Pyodide cannot start processes (subprocess/fork)"
NO_THREADS = "Pyodide has no threads"
NATIVE_CC = "compiles with the machine's C/C++ compiler in a child process"
NO_VARARGS_CTYPES = (
    "CPython's PyUnicode_FromFormat is the oracle, called through ctypes: "
    "a C variadic call by ctypes crashes Pyodide"
)
NO_DEBUG = "the debug mode is not in the WebAssembly host yet"
NO_DEVEL = "hpy.devel (the setuptools integration) is not part of HPy in Pyodide"

# Test files that do not apply at all.
FILES: Dict[str, str] = {
    "test_abitag.py": NO_DEVEL + " (native extension suffixes)",
    "test_bench_smoke.py": "bench/run.py runs native builds in child processes",
    "test_devel.py": NO_DEVEL,
    "test_devel_debug.py": "the Python side of the native host's hpy.debug/hpy.trace packages",
    "test_devel_install.py": "pip, virtual environments and setup.py builds",
    "test_examples.py": "the examples build with setup.py (the wasm build of the examples is tested apart)",
    "test_headers.py": NATIVE_CC,
    "test_hybrid.py": "the hybrid ABI does not exist on WebAssembly",
    "test_multi_python.py": "other CPythons under pyenv",
    "test_readme.py": "the README's setup.py and shell commands",
    "test_stub_zip.py": "the loader stub of native binaries, built with setuptools",
    "test_type_legacy.py": "legacy types need the cpython or hybrid ABI",
    "test_wasm_examples.py": "it drives Pyodide from outside (Node.js, hpy-wasm)",
    "test_wasm_debug.py": "it drives Pyodide from outside (Node.js, hpy-wasm)",
    "test_wasm_faults.py": "it drives Pyodide from outside (Node.js, hpy-wasm)",
}

# Single tests (fnmatch patterns on the node id without parameters).
TESTS: Dict[str, str] = {
    "test/test_core_misc.py::test_leave_and_reenter_python_execution": NO_THREADS,
    "test/test_core_err.py::test_fatal_error": NO_SUBPROCESS,
    "test/test_public_names.py::test_every_public_name_compiles": NATIVE_CC,
    "test/test_public_names.py::test_missing_name_fails_to_compile": NATIVE_CC,
    "test/test_public_names.py::test_legacy_bridge_is_a_compile_error_in_universal": NATIVE_CC,
    "test/test_public_names.py::test_return_richcompare_bad_op_aborts": NO_SUBPROCESS,
    "test/test_loader.py::test_subprocess_import_via_stub": NO_SUBPROCESS,
    "test/test_entry_points.py::test_pool_exhaustion_falls_back": NO_SUBPROCESS,
    "test/test_type_spec.py::test_types_across_extensions": "its first extension is built in the cpython ABI",
    "test/test_type_metaclass.py::test_c_metaclasses": NATIVE_CC + " (a legacy C metaclass)",
    "test/test_type_metaclass.py::test_data_is_in_tp_cache_of_each_type":
        "the WebAssembly host keeps a type's data in its tp_methods block (tp_cache is not in the stable ABI)",
    **{
        f"test/test_format.py::{name}": NO_VARARGS_CTYPES
        for name in ("test_int_like_cpython", "test_length_modifiers", "test_c", "test_s_like_cpython",
                     "test_p", "test_percent", "test_objects_width_precision")
    },
}

# The debug mode: what runs a child process (the abort mode, the
# environment variables read at start-up, fork) or needs more than the
# WebAssembly host has (threads, backtrace(), the hybrid ABI). Its
# WebAssembly behaviour (raw data without memory protection, the entry
# guard) is tested by test_wasm_debug.py from outside.
TESTS.update({
    **{f"test/test_debug_handles.py::{name}": NO_SUBPROCESS
       for name in ("test_hpy_environment_variable", "test_load_arguments", "test_pytest_fixture",
                    "test_raw_data_across_fork", "test_raw_data_at_once_from_environment",
                    "test_raw_data_checks_after_pool_reuse",
                    "test_raw_data_closed_in_its_call_faults_once_protected",
                    "test_raw_data_use_after_close_aborts")},
    **{f"test/test_debug_checks.py::{name}": NO_SUBPROCESS
       for name in ("test_abort_mode", "test_message_without_stack_trace",
                    "test_no_abort_in_universal_mode", "test_raise_mode_from_environment",
                    "test_raise_mode_is_off_by_default", "test_stack_trace_in_the_message")},
    **{f"test/test_debug_misses.py::{name}": NO_SUBPROCESS
       for name in ("test_as_struct_legacy_aborts_by_default", "test_call_while_python_execution_is_left",
                    "test_field_written_without_store_aborts_by_default",
                    "test_pytest_fixture_reports_unfinished_builders",
                    "test_return_while_python_execution_is_left")},
    "test/test_debug_handles.py::test_hybrid_binary_in_debug_mode": "the hybrid ABI does not exist on WebAssembly",
    "test/test_debug_checks.py::test_raise_mode_with_threads": NO_THREADS,
    "test/test_trace.py::test_durations_with_either_clock": NO_SUBPROCESS,
})

if "debug" not in ABIS:
    FILES.update({"test_debug_checks.py": NO_DEBUG, "test_debug_handles.py": NO_DEBUG,
                  "test_debug_misses.py": NO_DEBUG})
    for _name in ("test_debug_module_keeps_its_checks", "test_copy_of_binary_loads_in_another_mode",
                  "test_bootstrap_in_another_mode_is_refused",
                  "test_other_module_of_the_same_binary_in_another_mode_is_refused"):
        TESTS[f"test/test_loader.py::{_name}"] = NO_DEBUG

# Parameters naming an ABI or a mode, besides the `hpy` fixture's (which
# offers only ABIS).
ABI_PARAMS = ("abi", "hpy_abi", "mode", "first", "second")


class _SkippedModule(pytest.Module):
    reason = ""

    def collect(self):
        raise pytest.skip.Exception(self.reason, allow_module_level=True)


def pytest_pycollect_makemodule(module_path, parent):
    reason = FILES.get(module_path.name)
    if reason is None:
        return None
    mod = _SkippedModule.from_parent(parent, path=module_path)
    # The skip is reported at this file's line: the reason names the test file.
    mod.reason = f"{module_path.name}: {reason}"
    return mod


def _reason(item: pytest.Item) -> str | None:
    base = item.nodeid.split("[", 1)[0]
    for pattern, reason in TESTS.items():
        if fnmatch.fnmatchcase(base, pattern):
            return reason
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name in ABI_PARAMS:
        abi = params.get(name)
        # (the trace mode is in the host whenever the debug mode is)
        if isinstance(abi, str) and abi not in ABIS and abi in ("cpython", "hybrid", "debug") + (
                () if "debug" in ABIS else ("trace",)):
            return f"the {abi} ABI or mode does not exist in this WebAssembly host"
    return None


def pytest_collection_modifyitems(config, items: List[pytest.Item]) -> None:
    for item in items:
        reason = _reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
