"""Direct trampolines (hpy/universal/hpy_universal.h, hpy/universal/src/load.c):
a binary built with these headers and loaded in universal mode is told by
the host, through _HPyInitDirectTrampolines_<name>, that its trampolines may
call the implementations themselves; the host then keeps those trampolines
instead of installing its own entry points. In debug and trace mode, and for
a binary without that function (as HPy's own headers build it), nothing
changes: the trampolines go through the context."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pytest

from direct_snippets import DIRECT_MASK, universal_only, with_switch_off, without_handshake
from support import WASM, build_abi, expand_markers, include_flags
from test_entry_points import FUNCS, TYPE, _check_behaviour, _in_use

# The state of the binary's trampolines, read from inside the binary.
MASKS = DIRECT_MASK + """
    HPyDef_METH(direct_signatures, "direct_signatures", HPyFunc_NOARGS)
    static HPy direct_signatures_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromUInt64_t(ctx, _HPY_DIRECT_TRAMPOLINE_SIGNATURES);
    }
    HPyDef_METH(leak, "leak", HPyFunc_O)
    static HPy leak_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Dup(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }
"""

EXPORTS = """
    @EXPORT(direct_mask)
    @EXPORT(direct_signatures)
    @EXPORT(leak)
    @EXPORT(f_noargs)
    @EXPORT(f_o)
    @EXPORT(f_varargs)
    @EXPORT(f_kw)
    @EXPORT_TYPE("Point", Point_spec)
    @INIT
"""

# The signatures of FUNCS and TYPE.
SIGNATURES = {"NOARGS", "O", "VARARGS", "KEYWORDS", "NEWFUNC", "LENFUNC", "BINARYFUNC",
              "RICHCMPFUNC", "GETTER", "SETTER"}


def _bit(name):
    """The mask bit of a signature (its HPyFunc_Signature value)."""
    values = {"VARARGS": 1, "KEYWORDS": 2, "NOARGS": 3, "O": 4, "NEWFUNC": 31}
    return 1 << values[name]


def _grown(before, after):
    return {k for k in after if not k.startswith("_") and after[k] > before[k]}


def _not_full(before, names):
    return {k for k in names if before[k] < before["_pool_size"] - 1}


def test_direct_in_universal_mode(hpy):
    if build_abi(hpy.abi) == "cpython":
        pytest.skip("no trampolines of the universal ABI in the cpython ABI")
    before = _in_use()
    mod = hpy.make_module(FUNCS + TYPE + MASKS + EXPORTS, name="mytest_direct")
    after = _in_use()
    wanted = mod.direct_signatures()
    assert all(wanted & _bit(n) for n in ("NOARGS", "KEYWORDS", "O", "VARARGS", "NEWFUNC"))
    if hpy.abi in ("universal", "hybrid"):
        assert mod.direct_mask() == wanted
        # the trampolines stay: no host entry points
        assert _grown(before, after) == set()
    else:
        # debug and trace: every call goes through their context
        assert mod.direct_mask() == 0
        assert _grown(before, after) == set()
    _check_behaviour(mod)


def test_without_the_setter_host_entry_points_as_before(hpy):
    """A binary without _HPyInitDirectTrampolines_<name>, as HPy's own
    headers build it, gets the host's entry points for every signature."""
    universal_only(hpy)
    before = _in_use()
    mod = without_handshake(hpy, FUNCS + TYPE + MASKS + EXPORTS, "mytest_nodirect")
    after = _in_use()
    assert mod.direct_mask() == 0
    assert _grown(before, after) == _not_full(before, SIGNATURES)
    _check_behaviour(mod)


def test_switched_off_by_the_host(hpy):
    universal_only(hpy)
    before = _in_use()
    mod = with_switch_off(hpy, "trampolines", FUNCS + TYPE + MASKS + EXPORTS, "mytest_direct_off")
    after = _in_use()
    assert mod.direct_mask() == 0
    assert _grown(before, after) == _not_full(before, SIGNATURES)
    _check_behaviour(mod)


def _load(name, path, mode):
    import hpy.universal

    spec = importlib.util.spec_from_file_location(name, str(path))
    return hpy.universal.load(name, str(path), spec, mode=getattr(hpy.universal, f"MODE_{mode.upper()}"))


def test_a_copy_in_debug_mode_keeps_its_checks(hpy, tmp_path):
    """One binary, direct in universal mode; a copy of the file loaded in
    debug mode goes through the debug context: it reports the leak."""
    if hpy.abi != "universal":
        pytest.skip("builds one universal binary")
    from hpy.debug import HPyLeakError, LeakDetector

    name = "mytest_direct_copy"
    path = hpy.compile(name, expand_markers(FUNCS + TYPE + MASKS + EXPORTS, name))
    uni = _load(name, path, "universal")
    assert uni.direct_mask() == uni.direct_signatures() != 0
    with LeakDetector():
        # universal mode has no leak detector: nothing is reported
        uni.leak("no one sees this")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    copy = copy_dir / path.name
    shutil.copyfile(path, copy)
    dbg = _load(name, copy, "debug")
    assert dbg.direct_mask() == 0
    with pytest.raises(HPyLeakError, match="^1 unclosed handle:") as info:
        with LeakDetector():
            dbg.leak("leaked here")
    assert [h.obj for h in info.value.leaks] == ["leaked here"]
    for h in info.value.leaks:
        h._force_close()
    _check_behaviour(dbg)
    _check_behaviour(uni)


def test_same_binary_again_and_in_another_mode(hpy):
    """A binary given the direct context is still 'in universal mode': a
    second load in universal mode works, one in debug mode is refused."""
    if hpy.abi != "universal":
        pytest.skip("builds one universal binary")
    name = "mytest_direct_twice"
    path = hpy.compile(name, expand_markers(FUNCS + TYPE + MASKS + EXPORTS, name))
    first = _load(name, path, "universal")
    second = _load(name, path, "universal")
    assert first.direct_mask() == second.direct_mask() == first.direct_signatures()
    _check_behaviour(second)
    with pytest.raises(RuntimeError, match="is already loaded in universal mode and cannot also "
                                           "be loaded in debug mode"):
        _load(name, path, "debug")


def test_every_module_of_an_embedded_binary(hpy, tmp_path):
    """Two modules, in two translation units, linked into one binary built
    with HPY_EMBEDDED_MODULES: each has its own trampolines' state, and the
    second one loaded is offered direct trampolines and the inline paths
    too."""
    if hpy.abi != "universal" or WASM:
        pytest.skip("builds one native universal binary by hand")
    sources = []
    for n in ("emb_one", "emb_two"):
        src = tmp_path / f"{n}.c"
        src.write_text(f"""
            #include "hpy.h"
            HPyDef_METH({n}_mask, "direct_mask", HPyFunc_NOARGS)
            static HPy {n}_mask_impl(HPyContext *ctx, HPy self)
            {{
                return HPyLong_FromUInt64_t(ctx, _hpy_direct_trampolines.signatures);
            }}
            HPyDef_METH({n}_inline, "inline", HPyFunc_NOARGS)
            static HPy {n}_inline_impl(HPyContext *ctx, HPy self)
            {{
                return HPyLong_FromLong(ctx, _hpy_direct_trampolines.ob_type_at != 0 &&
                                             _hpy_direct_trampolines.alloc_marker != NULL);
            }}
            HPyDef_METH({n}_name, "name", HPyFunc_NOARGS)
            static HPy {n}_name_impl(HPyContext *ctx, HPy self)
            {{
                return HPyUnicode_FromString(ctx, "{n}");
            }}
            static HPyDef *defines[] = {{ &{n}_mask, &{n}_inline, &{n}_name, NULL }};
            static HPyModuleDef def = {{ .defines = defines }};
            HPy_MODINIT({n}, def)
        """)
        sources.append(str(src))
    path = tmp_path / "emb_one.hpy0.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-DHPY_EMBEDDED_MODULES", *include_flags("universal"),
                    *sources, "-o", str(path)], check=True)
    one = _load("emb_one", path, "universal")
    two = _load("emb_two", path, "universal")
    assert one.name() == "emb_one" and two.name() == "emb_two"
    assert one.direct_mask() == two.direct_mask() != 0
    # and each its own inline paths (_HPyInitDirectInline_<name>)
    assert one.inline() == two.inline() == 1
