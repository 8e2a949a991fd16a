"""What the tests of a binary's direct paths (test_direct_*.py) share.

Those tests show whether a call entered the host by swapping context
functions for counting ones that forward to the originals (`counting`), build
the same few test types (`TYPES`), and build their snippet again with a
host switch off or without the handshake, as HPy's own headers build it.
The C parts are plain strings for support.py's markers; test/ is mounted
in Pyodide, so the WebAssembly run finds this module as the native one does.
"""
from __future__ import annotations

import types
from typing import Tuple

import pytest

from support import Builder, build_abi

# (the context field without its ctx_ prefix, the return type, the
# parameter types after the context)
CtxFunc = Tuple[str, str, Tuple[str, ...]]


def counting(*funcs: CtxFunc) -> str:
    """C of `calls`, a counting forwarder for each function, and
    count_begin(ctx) / count_end(ctx), which zero `calls` and swap the
    forwarders into the context / put the originals back."""
    out = ["", "    static int calls;"]
    begin = ["        calls = 0;"]
    end = []
    for field, ret, params in funcs:
        real, counter = f"real_{field}", f"counting_{field}"
        args = [f"a{i}" for i in range(len(params))]
        decl = ", ".join(f"{t}{'' if t.endswith('*') else ' '}a{i}" for i, t in enumerate(params))
        call = f"{real}({', '.join(['ctx', *args])})"
        body = f"calls++; {call};" if ret == "void" else f"calls++; return {call};"
        out.append(f"    static {ret} (*{real})({', '.join(['HPyContext *', *params])});")
        out.append(f"    static {ret} {counter}(HPyContext *ctx, {decl}) {{ {body} }}")
        begin.append(f"        {real} = ctx->ctx_{field};")
        begin.append(f"        ctx->ctx_{field} = {counter};")
        end.append(f"        ctx->ctx_{field} = {real};")
    out += ["    static void count_begin(HPyContext *ctx)", "    {", *begin, "    }"]
    out += ["    static void count_end(HPyContext *ctx)", "    {", *end, "    }"]
    return "\n".join(out) + "\n"


# Point: HPy_New's shortcut applies (the host's tp_alloc marker); Callable:
# the same struct, but HPy_New must set the call function; Num: another
# builtin shape, the struct after the int's digits. Each snippet that
# includes them exports all three (an unused static is an error).
TYPES = """
    typedef struct { long x; long y; } PointObject;
    HPyType_HELPERS(PointObject)
    typedef struct { long v; } NumObject;
    HPyType_HELPERS(NumObject, HPyType_BuiltinShape_Long)

    /* the tp_new of all three: HPy_New, then the first long of the struct
     * (x, v) from the argument, 0 without */
    HPyDef_SLOT(new_first, HPy_tp_new)
    static HPy new_first_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        long *first;
        HPy h = HPy_New(ctx, cls, &first);
        if (HPy_IsNull(h))
            return HPy_NULL;
        *first = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        return h;
    }

    HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
    HPyDef_MEMBER(Point_y, "y", HPyMember_LONG, offsetof(PointObject, y))
    static HPyDef *Point_defines[] = { &new_first, &Point_x, &Point_y, NULL };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point", .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines,
    };

    /* c(): x + 1 */
    HPyDef_SLOT(Callable_call, HPy_tp_call)
    static HPy Callable_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                                  HPy kwnames)
    {
        return HPyLong_FromLong(ctx, PointObject_AsStruct(ctx, self)->x + 1);
    }
    static HPyDef *Callable_defines[] = { &new_first, &Callable_call, &Point_x, NULL };
    static HPyType_Spec Callable_spec = {
        .name = "mytest.Callable", .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT, .defines = Callable_defines,
    };

    HPyDef_METH(Num_v, "v", HPyFunc_NOARGS)
    static HPy Num_v_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, NumObject_AsStruct(ctx, self)->v);
    }
    static HPyDef *Num_defines[] = { &new_first, &Num_v, NULL };
    static HPyType_Spec Num_spec = {
        .name = "mytest.Num", .basicsize = sizeof(NumObject),
        .builtin_shape = HPyType_BuiltinShape_Long,
        .flags = HPy_TPFLAGS_DEFAULT, .defines = Num_defines,
    };
"""

# direct_mask(): the signatures whose trampolines the host left direct
DIRECT_MASK = """
    HPyDef_METH(direct_mask, "direct_mask", HPyFunc_NOARGS)
    static HPy direct_mask_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromUInt64_t(ctx, _hpy_direct_trampolines.signatures);
    }
"""

TYPE_EXPORTS = """
    @EXPORT_TYPE("Point", Point_spec)
    @EXPORT_TYPE("Callable", Callable_spec)
    @EXPORT_TYPE("Num", Num_spec)
"""


def extend(src: str, snippet: str, *exports: str) -> str:
    """`src` with `snippet` and the @EXPORTs of `exports` before its @INIT
    (after everything of src, so the snippet may use count_begin)."""
    marks = "".join(f"\n    @EXPORT({e})" for e in exports)
    return src.replace("@INIT", f"{snippet}{marks}\n    @INIT")


def universal(hpy: Builder) -> bool:
    """Whether the binary is loaded in universal mode, where the host offers
    its direct paths (debug and trace mode see every call)."""
    return hpy.abi in ("universal", "hybrid")


def universal_only(hpy: Builder) -> None:
    if not universal(hpy):
        pytest.skip("universal mode only")


def context_module(hpy: Builder, src: str) -> types.ModuleType:
    """`src` built and loaded: the usual `mod` fixture of these tests."""
    if build_abi(hpy.abi) == "cpython":
        pytest.skip("no context to call in the cpython ABI")
    return hpy.make_module(src)


def with_switch_off(hpy: Builder, switch: str, src: str, name: str) -> types.ModuleType:
    """`src` loaded while the host's _set_direct_<switch>_enabled is off
    (the switch is back on, and was not left off, afterwards)."""
    import hpy.universal as host

    setter = getattr(host, f"_set_direct_{switch}_enabled")
    old = setter(False)
    try:
        return hpy.make_module(src, name=name)
    finally:
        assert setter(old) is False


def without_handshake(hpy: Builder, src: str, name: str) -> types.ModuleType:
    """`src` built as HPy's own headers build it: no setter for the host to
    call, so every call goes through the context."""
    return hpy.make_module(src, name=name, extra_cflags=["-D_HPY_NO_DIRECT_TRAMPOLINES"])
