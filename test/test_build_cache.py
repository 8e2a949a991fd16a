"""The suite's build cache (support.Builder.compile): a snippet is compiled
once per process for all the modes that load the same binary, each test gets
its own copy of it, and a copy is a module of its own."""
from __future__ import annotations

import os
from typing import List

import pytest

import support
from support import Builder

COUNTER = """
        static long counter = 0;

        HPyDef_METH(bump, "bump", HPyFunc_NOARGS)
        static HPy bump_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, ++counter);
        }
        @EXPORT(bump)
        @INIT
"""


@pytest.fixture
def builds(monkeypatch) -> List[str]:
    """The names of the modules compiled during the test (the runtime
    library's objects are not counted)."""
    names: List[str] = []
    run, wasm_compile = support._run, support.wasm_compile

    def counting_run(cmd):
        if "-shared" in cmd:
            names.append(os.path.basename(cmd[cmd.index("-o") + 1]))
        run(cmd)

    def counting_wasm_compile(src, out, *args, **kwargs):
        names.append(out.name)
        return wasm_compile(src, out, *args, **kwargs)

    monkeypatch.setattr(support, "_run", counting_run)
    monkeypatch.setattr(support, "wasm_compile", counting_wasm_compile)
    return names


def builder(abi: str, tmp_path_factory, cache) -> Builder:
    return Builder(abi, tmp_path_factory.mktemp(f"cache-{abi}"), cache)


@pytest.mark.skipif("debug" not in support.ABIS, reason="no debug mode in this host")
def test_debug_mode_gets_a_copy_of_the_universal_binary(builds, tmp_path_factory, _runtime_cache):
    universal = builder("universal", tmp_path_factory, _runtime_cache)
    debug = builder("debug", tmp_path_factory, _runtime_cache)
    mod_u = universal.make_module(COUNTER, name="cache_copy")
    mod_d = debug.make_module(COUNTER, name="cache_copy")
    assert len(builds) == 1
    path_u = universal.workdir / f"cache_copy{support.ext_suffix('universal')}"
    path_d = debug.workdir / f"cache_copy{support.ext_suffix('debug')}"
    assert path_u.read_bytes() == path_d.read_bytes()
    assert not os.path.samefile(path_u, path_d)
    # each copy has its own static variables
    assert (mod_u.bump(), mod_u.bump(), mod_d.bump(), mod_u.bump()) == (1, 2, 1, 3)


def test_another_source_name_or_flag_is_built_again(builds, tmp_path_factory, _runtime_cache):
    abi = support.ABIS[-1]

    def make(source=COUNTER, name="cache_again", flags=()):
        return builder(abi, tmp_path_factory, _runtime_cache).make_module(source, name=name, extra_cflags=flags)

    make()
    assert make().bump() == 1
    assert len(builds) == 1
    assert make(COUNTER.replace("++counter", "counter += 2")).bump() == 2
    assert make(name="cache_other").bump() == 1
    assert make(flags=["-DUNUSED_FLAG"]).bump() == 1
    assert len(builds) == 4


@pytest.mark.skipif(support.WASM, reason="one binary only in WebAssembly")
def test_abis_with_their_own_binary_are_built_for_each(builds, tmp_path_factory, _runtime_cache):
    for abi in ("cpython", "hybrid", "universal"):
        assert builder(abi, tmp_path_factory, _runtime_cache).make_module(COUNTER, name="cache_abi").bump() == 1
    assert len(builds) == 3


def test_a_failed_build_is_not_remembered(builds, tmp_path_factory, _runtime_cache):
    abi = support.ABIS[-1]
    broken = COUNTER.replace("++counter", "++no_such_variable")
    for _ in range(2):
        with pytest.raises(support.CompileError, match="no_such_variable"):
            builder(abi, tmp_path_factory, _runtime_cache).make_module(broken, name="cache_broken")
    assert len(builds) == 2
