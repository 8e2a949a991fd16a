"""The host's own entry points (hpy/universal/src/entry_points.c): modules and
types loaded in universal mode get host stubs instead of the extension's
trampolines; debug and trace modes keep the trampolines; a full pool falls
back to the trampolines; what Python sees does not change.

The binaries are built as HPy's own headers build them (without direct
trampolines, which keep most of their trampolines: test_direct_trampolines.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from support import build_abi

FUNCS = """
    HPyDef_METH(f_noargs, "f_noargs", HPyFunc_NOARGS, .doc = "f_noargs()")
    static HPy f_noargs_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Dup(ctx, self);
    }
    HPyDef_METH(f_o, "f_o", HPyFunc_O, .doc = "f_o(x)")
    static HPy f_o_impl(HPyContext *ctx, HPy self, HPy x)
    {
        return HPy_Dup(ctx, x);
    }
    HPyDef_METH(f_varargs, "f_varargs", HPyFunc_VARARGS)
    static HPy f_varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromSize_t(ctx, nargs);
    }
    HPyDef_METH(f_kw, "f_kw", HPyFunc_KEYWORDS)
    static HPy f_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
        return HPyLong_FromSize_t(ctx, nargs * 10 + (size_t)nkw);
    }
"""

TYPE = """
    typedef struct { long x; } Point;
    HPyType_HELPERS(Point)

    HPyDef_SLOT(Point_new, HPy_tp_new)
    static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        Point *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (HPy_IsNull(h)) return HPy_NULL;
        p->x = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        return h;
    }
    HPyDef_SLOT(Point_len, HPy_sq_length)
    static HPy_ssize_t Point_len_impl(HPyContext *ctx, HPy self)
    {
        return Point_AsStruct(ctx, self)->x;
    }
    HPyDef_SLOT(Point_add, HPy_nb_add)
    static HPy Point_add_impl(HPyContext *ctx, HPy a, HPy b)
    {
        return HPyLong_FromLong(ctx, Point_AsStruct(ctx, a)->x + HPyLong_AsLong(ctx, b));
    }
    HPyDef_SLOT(Point_richcmp, HPy_tp_richcompare)
    static HPy Point_richcmp_impl(HPyContext *ctx, HPy a, HPy b, HPy_RichCmpOp op)
    {
        return HPyLong_FromLong(ctx, (long)op);
    }
    HPyDef_METH(Point_get_x, "get_x", HPyFunc_NOARGS, .doc = "get_x()")
    static HPy Point_get_x_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, Point_AsStruct(ctx, self)->x);
    }
    HPyDef_GETSET(Point_y, "y", .doc = "y")
    static HPy Point_y_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, Point_AsStruct(ctx, self)->x * 2);
    }
    static int Point_y_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        if (HPy_IsNull(value)) {
            HPyErr_SetString(ctx, ctx->h_AttributeError, "cannot delete y");
            return -1;
        }
        Point_AsStruct(ctx, self)->x = HPyLong_AsLong(ctx, value) / 2;
        return 0;
    }
    static HPyDef *Point_defines[] = {
        &Point_new, &Point_len, &Point_add, &Point_richcmp, &Point_get_x, &Point_y, NULL
    };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(Point),
        .builtin_shape = HPyType_BuiltinShape_Object,
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = Point_defines,
    };
"""


def _in_use():
    import hpy.universal

    return hpy.universal._entry_points_in_use()


def _check_behaviour(mod):
    assert mod.f_noargs() is mod
    assert mod.f_noargs.__self__ is mod
    assert mod.f_noargs.__name__ == "f_noargs"
    assert mod.f_noargs.__qualname__ == "f_noargs"
    assert mod.f_noargs.__doc__ == "f_noargs()"
    assert mod.f_o.__doc__ == "f_o(x)"
    sentinel = object()
    assert mod.f_o(sentinel) is sentinel
    assert mod.f_varargs(1, 2, 3) == 3
    assert mod.f_kw(1, 2, a=3) == 21
    with pytest.raises(TypeError, match=r"f_noargs\(\) takes no arguments \(1 given\)"):
        mod.f_noargs(1)
    with pytest.raises(TypeError, match=r"f_o\(\) takes exactly one argument \(0 given\)"):
        mod.f_o()
    P = mod.Point
    p = P(5)
    assert len(p) == 5
    assert p + 1 == 6
    assert (p < 1) == 0 and (p == 1) == 2
    assert p.get_x() == 5
    assert P.get_x.__qualname__ == "Point.get_x"
    assert type(P.__dict__["get_x"]).__name__ == "method_descriptor"
    assert P.get_x.__doc__ == "get_x()"
    assert p.y == 10
    p.y = 20
    assert p.get_x() == 10
    with pytest.raises(AttributeError, match="cannot delete y"):
        del p.y

    class Sub(P):
        def get_x(self):
            return super().get_x() + 100

    s = Sub(3)
    assert len(s) == 3 and s + 1 == 4 and s.get_x() == 103 and s.y == 6


NO_DIRECT = ["-D_HPY_NO_DIRECT_TRAMPOLINES"]


def _make(hpy, name="mytest"):
    return hpy.make_module(FUNCS + TYPE + """
        @EXPORT(f_noargs)
        @EXPORT(f_o)
        @EXPORT(f_varargs)
        @EXPORT(f_kw)
        @EXPORT_TYPE("Point", Point_spec)
        @INIT
    """, name=name, extra_cflags=NO_DIRECT)


def test_used_in_universal_mode_only(hpy):
    if build_abi(hpy.abi) == "cpython":
        pytest.skip("no host in the cpython ABI")
    before = _in_use()
    mod = _make(hpy)
    after = _in_use()
    grown = {k for k in after if after[k] > before[k]}
    if hpy.abi in ("universal", "hybrid"):
        # all distinct implementations unless some other test filled a pool
        expected = {"NOARGS", "O", "VARARGS", "KEYWORDS", "NEWFUNC", "LENFUNC", "BINARYFUNC",
                    "RICHCMPFUNC", "GETTER", "SETTER"}
        full = {k for k in expected if before[k] >= after["_pool_size"] - 1}
        assert expected - full <= grown
    else:
        assert grown == set()
    _check_behaviour(mod)


def test_same_implementations_share_entry_points(hpy):
    if hpy.abi not in ("universal", "hybrid"):
        pytest.skip("universal mode only")
    mod = hpy.make_module(TYPE + """
        HPyDef_METH(make, "make", HPyFunc_NOARGS)
        static HPy make_impl(HPyContext *ctx, HPy self)
        {
            return HPyType_FromSpec(ctx, &Point_spec, NULL);
        }
        @EXPORT(make)
        @INIT
    """, extra_cflags=NO_DIRECT)
    first = mod.make()
    before = _in_use()
    for _ in range(5):
        t = mod.make()
        assert len(t(4)) == 4
    assert _in_use() == before
    assert first(2) + 1 == 3


def test_disabled(hpy):
    if hpy.abi not in ("universal", "hybrid"):
        pytest.skip("universal mode only")
    import hpy.universal as host

    old = host._set_entry_points_enabled(False)
    try:
        before = _in_use()
        mod = _make(hpy, name="mytest_disabled")
        assert _in_use() == before
    finally:
        host._set_entry_points_enabled(old)
    _check_behaviour(mod)


EXHAUST = """
import importlib.util, sys
import hpy.universal
name, path = sys.argv[1], sys.argv[2]
size = hpy.universal._entry_points_in_use()["_pool_size"]
spec = importlib.util.spec_from_file_location(name, path)
mod = hpy.universal.load(name, path, spec)
use = hpy.universal._entry_points_in_use()
assert use["NOARGS"] == size, use
for i in range(int(sys.argv[3])):
    assert getattr(mod, "f%d" % i)() == i, i
print("ok", size)
"""


def test_pool_exhaustion_falls_back(hpy):
    if hpy.abi != "universal":
        pytest.skip("universal mode only")
    n = 300
    body = []
    for i in range(n):
        body.append(textwrap.dedent(f"""
            HPyDef_METH(f{i}, "f{i}", HPyFunc_NOARGS)
            static HPy f{i}_impl(HPyContext *ctx, HPy self) {{ return HPyLong_FromLong(ctx, {i}); }}
        """))
    body += [f"@EXPORT(f{i})" for i in range(n)]
    body.append("@INIT")
    from support import expand_markers

    src = expand_markers("\n".join(body), "manyfuncs")
    path = hpy.compile("manyfuncs", src, extra_cflags=NO_DIRECT)
    # A fresh process, so that the pool starts empty and stays full only there.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", EXHAUST, "manyfuncs", str(path), str(n)],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    size = int(out.stdout.split()[1])
    assert size < n
