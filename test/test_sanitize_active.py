"""Under `make test-sanitize` (HPY_TEST_CFLAGS holds -fsanitize=...), the
sanitizers really are on: a module with a heap overflow or a signed
overflow, loaded by the host in a subprocess, is stopped with ASan's or
UBSan's report. Without the sanitizer flags there is nothing to check."""
from __future__ import annotations

import os

import pytest

from debug_support import Loaded, make_builder, run_debug_subprocess, snippet

SANITIZED = "-fsanitize=address,undefined" in os.environ.get("HPY_TEST_CFLAGS", "")
pytestmark = pytest.mark.skipif(not SANITIZED, reason="only under make test-sanitize")

SOURCE = snippet("""
    #include <stdlib.h>
    #include <limits.h>

    HPyDef_METH(overflow_heap, "overflow_heap", HPyFunc_O)
    static HPy overflow_heap_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        long n = HPyLong_AsLong(ctx, arg);
        char *p = malloc(8);
        if (p == NULL)
            return HPyErr_NoMemory(ctx);
        p[n] = 1;
        free(p);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(overflow_int, "overflow_int", HPyFunc_O)
    static HPy overflow_int_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        int n = (int)HPyLong_AsLong(ctx, arg);
        return HPyLong_FromLong(ctx, (long)(n + INT_MAX));
    }

    @EXPORT(overflow_heap)
    @EXPORT(overflow_int)
    @INIT
""")


@pytest.fixture(scope="module")
def bad(tmp_path_factory, _runtime_cache) -> Loaded:
    return Loaded(make_builder("universal", tmp_path_factory, _runtime_cache), "bad", SOURCE)


def test_in_bounds_runs(bad):
    proc = run_debug_subprocess(bad, "mod.overflow_heap(7); mod.overflow_int(0)", mode="universal")
    assert proc.returncode == 0, proc.stderr
    assert "SUBPROCESS DONE" in proc.stdout


def test_asan_stops_a_heap_overflow(bad):
    proc = run_debug_subprocess(bad, "mod.overflow_heap(8)", mode="universal")
    assert proc.returncode != 0
    assert "AddressSanitizer: heap-buffer-overflow" in proc.stderr


def test_ubsan_stops_a_signed_overflow(bad):
    proc = run_debug_subprocess(bad, "mod.overflow_int(1)", mode="universal")
    assert proc.returncode != 0
    assert "signed integer overflow" in proc.stderr
