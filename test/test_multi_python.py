"""One binary, every CPython: a universal module built once, with the default
interpreter, is imported and exercised on every other CPython that pyenv
provides. Each interpreter gets its own build of the host hpy.universal
(installed with pip into a scratch directory); the extension binary is the
very same file for all of them."""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest

from support import Builder, copy_hpy_source

# The integer conversions behave as the running CPython's C API: on 3.8 and
# 3.9 that honours __int__ (with a DeprecationWarning). Used by both the
# universal module and the cpython-ABI one below.
CONVERSIONS_METH = """
HPyDef_METH(conversions, "conversions", HPyFunc_O)
static HPy conversions_impl(HPyContext *ctx, HPy self, HPy arg)
{
    long a = HPyLong_AsLong(ctx, arg);
    if (a == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    int32_t b = HPyLong_AsInt32_t(ctx, arg);
    if (b == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    unsigned long c = HPyLong_AsUnsignedLongMask(ctx, arg);
    if (c == (unsigned long)-1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    int d;
    if (!HPyArg_Parse(ctx, NULL, &arg, 1, "i", &d))
        return HPy_NULL;
    return HPy_BuildValue(ctx, "(llki)", a, (long)b, c, d);
}
"""

SOURCE = """
    HPyDef_METH(add_ints, "add_ints", HPyFunc_VARARGS)
    static HPy add_ints_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 2) {
            HPyErr_SetString(ctx, ctx->h_TypeError, "add_ints() takes exactly 2 arguments");
            return HPy_NULL;
        }
        long a = HPyLong_AsLong(ctx, args[0]);
        long b = HPyLong_AsLong(ctx, args[1]);
        if ((a == -1 || b == -1) && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, a + b);
    }

    HPyDef_METH(greet, "greet", HPyFunc_O)
    static HPy greet_impl(HPyContext *ctx, HPy self, HPy name)
    {
        HPy hello = HPyUnicode_FromString(ctx, "hello ");
        if (HPy_IsNull(hello))
            return HPy_NULL;
        HPy res = HPy_Add(ctx, hello, name);
        HPy_Close(ctx, hello);
        return res;
    }

    HPyDef_METH(items, "items", HPyFunc_O)
    static HPy items_impl(HPyContext *ctx, HPy self, HPy d)
    {
        HPy keys = HPyDict_Keys(ctx, d);
        if (HPy_IsNull(keys))
            return HPy_NULL;
        HPy_ssize_t n = HPy_Length(ctx, keys);
        HPy res = HPyList_New(ctx, 0);
        for (HPy_ssize_t i = 0; i < n && !HPy_IsNull(res); i++) {
            HPy k = HPy_GetItem_i(ctx, keys, i);
            HPy v = HPy_GetItem(ctx, d, k);
            HPy pair[2] = { k, v };
            HPy t = HPyTuple_FromArray(ctx, pair, 2);
            HPyList_Append(ctx, res, t);
            HPy_Close(ctx, t);
            HPy_Close(ctx, k);
            HPy_Close(ctx, v);
        }
        HPy_Close(ctx, keys);
        return res;
    }
""" + textwrap.indent(CONVERSIONS_METH, "    ") + """    typedef struct { long x; HPyField tag; } BoxObject;
    HPyType_HELPERS(BoxObject)

    HPyDef_SLOT(Box_new, HPy_tp_new)
    static HPy Box_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        BoxObject *b;
        HPy h = HPy_New(ctx, cls, &b);
        if (HPy_IsNull(h))
            return HPy_NULL;
        b->x = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        HPyField_Store(ctx, h, &b->tag, nargs > 1 ? args[1] : ctx->h_None);
        return h;
    }
    HPyDef_SLOT(Box_traverse, HPy_tp_traverse)
    static int Box_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((BoxObject *)self)->tag);
        return 0;
    }
    HPyDef_SLOT(Box_add, HPy_nb_add)
    static HPy Box_add_impl(HPyContext *ctx, HPy a, HPy b)
    {
        return HPyLong_FromLong(ctx, BoxObject_AsStruct(ctx, a)->x + HPyLong_AsLong(ctx, b));
    }
    HPyDef_MEMBER(Box_x, "x", HPyMember_LONG, offsetof(BoxObject, x))
    HPyDef_MEMBER(Box_tag, "tag", HPyMember_OBJECT, offsetof(BoxObject, tag))
    static HPyDef *Box_defines[] = { &Box_new, &Box_traverse, &Box_add, &Box_x, &Box_tag, NULL };
    static HPyType_Spec Box_spec = {
        .name = "onebinary.Box", .basicsize = sizeof(BoxObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
        .builtin_shape = SHAPE(BoxObject), .defines = Box_defines,
    };
    /* refs(obj, n): n HPy_Dup and n HPy_Type of obj kept, and whether
     * the host gave this binary a reference-count model; unrefs() closes
     * them (in universal mode all in the binary, by that model) */
    static HPy kept[2000];
    static int nkept;
    HPyDef_METH(refs, "refs", HPyFunc_VARARGS)
    static HPy refs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long n = HPyLong_AsLong(ctx, args[1]);
        for (long i = 0; i < n && nkept < 1998; i++) {
            kept[nkept++] = HPy_Dup(ctx, args[0]);
            kept[nkept++] = HPy_Type(ctx, args[0]);
        }
        return HPyLong_FromLong(ctx, _hpy_direct_trampolines.refcnt_zero != NULL);
    }
    HPyDef_METH(unrefs, "unrefs", HPyFunc_NOARGS)
    static HPy unrefs_impl(HPyContext *ctx, HPy self)
    {
        while (nkept > 0)
            HPy_Close(ctx, kept[--nkept]);
        return HPy_Dup(ctx, ctx->h_None);
    }
    /* ints(list): HPyLong_AsInt64_t of each item (None for an error,
     * cleared), and whether the host offered the int layout (in universal
     * mode they are then read in the binary) */
    HPyDef_METH(ints, "ints", HPyFunc_O)
    static HPy ints_impl(HPyContext *ctx, HPy self, HPy list)
    {
        HPy_ssize_t n = HPy_Length(ctx, list);
        HPy res = HPyList_New(ctx, 0);
        for (HPy_ssize_t i = 0; i < n && !HPy_IsNull(res); i++) {
            HPy item = HPy_GetItem_i(ctx, list, i);
            int64_t v = HPyLong_AsInt64_t(ctx, item);
            HPy r;
            HPy_Close(ctx, item);
            if (v == -1 && HPyErr_Occurred(ctx)) {
                HPyErr_Clear(ctx);
                r = HPy_Dup(ctx, ctx->h_None);
            } else {
                r = HPyLong_FromInt64_t(ctx, v);
            }
            HPyList_Append(ctx, res, r);
            HPy_Close(ctx, r);
        }
        HPy offered = HPyBool_FromLong(ctx, _hpy_direct_calls.long_type_size != 0 ||
                                                _hpy_direct_calls.long_type_tag != 0);
        HPy pair[2] = { res, offered };
        HPy t = HPyTuple_FromArray(ctx, pair, 2);
        HPy_Close(ctx, res);
        HPy_Close(ctx, offered);
        return t;
    }
    @EXPORT(ints)
    /* checks(obj): HPy_TypeCheck against int, str, tuple, BaseException and
     * type, and how many types the binary took with fast-subclass flags */
    HPyDef_METH(checks, "checks", HPyFunc_O)
    static HPy checks_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        int i, n = 0;
        for (i = 0; i < _HPY_TFLAGS_SLOTS; i++)
            n += _hpy_direct_trampolines.tflags_types[i] != NULL;
        return HPy_BuildValue(ctx, "(iiiii)i", HPy_TypeCheck(ctx, obj, ctx->h_LongType),
                              HPy_TypeCheck(ctx, obj, ctx->h_UnicodeType),
                              HPy_TypeCheck(ctx, obj, ctx->h_TupleType),
                              HPy_TypeCheck(ctx, obj, ctx->h_BaseException),
                              HPy_TypeCheck(ctx, obj, ctx->h_TypeType), n);
    }
    @EXPORT(checks)
    @EXPORT(refs)
    @EXPORT(unrefs)
    @EXPORT(add_ints)
    @EXPORT(greet)
    @EXPORT(items)
    @EXPORT(conversions)
    @EXPORT_TYPE("Box", Box_spec)
    @INIT
"""

CHECK = textwrap.dedent("""
    import importlib.util, sys
    sys.path.insert(0, {target!r})
    import hpy.universal
    spec = importlib.util.spec_from_file_location("onebinary", {binary!r})
    m = hpy.universal.load("onebinary", {binary!r}, spec)
    assert m.add_ints(2, 40) == 42
    assert m.greet("world") == "hello world"
    assert sorted(m.items({{"a": 1, "b": 2}})) == [("a", 1), ("b", 2)]
    try:
        m.add_ints(1)
    except TypeError as e:
        assert "exactly 2" in str(e)
    else:
        raise AssertionError("no TypeError")
    import gc, weakref
    b = m.Box(40, "tag")
    assert (b + 2, b.x, b.tag, type(b).__module__) == (42, 40, "tag", "onebinary")
    class Sub(m.Box):
        pass
    s = Sub(1)
    s.tag = s  # a cycle through an HPyField
    w = weakref.ref(s) if hasattr(s, "__weakref__") else None
    del s
    gc.collect()
    assert w is None or w() is None
    class IntOnly:
        def __int__(self):
            return 7
    import warnings
    assert m.conversions(True) == (1, 1, 1, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if sys.version_info < (3, 10):
            assert m.conversions(IntOnly()) == (7, 7, 7, 7)
            assert caught and all(w.category is DeprecationWarning for w in caught), caught
        else:
            try:
                m.conversions(IntOnly())
            except TypeError as e:
                assert "cannot be interpreted as an integer" in str(e), e
            else:
                raise AssertionError("__int__ accepted")
    # ints of one 30-bit digit are read in the binary, by the layout the
    # host found for this interpreter (ob_size up to 3.11, lv_tag from 3.12)
    class Int(int):
        pass
    values = [0, 1, -1, 7, -300, 2**30 - 1, -(2**30 - 1), 2**30, -(2**30), 2**62, 2**63, True,
              Int(-4), "x"]
    want = [v if isinstance(v, int) and -2**63 <= v < 2**63 else None for v in values]
    assert m.ints(values) == (want, True), m.ints(values)
    # HPy_TypeCheck by the fast-subclass flags of this interpreter
    class IntSub(int):
        pass
    for obj, want in [(5, (1, 0, 0, 0, 0)), (True, (1, 0, 0, 0, 0)), (IntSub(2), (1, 0, 0, 0, 0)),
                      ("s", (0, 1, 0, 0, 0)), ((1,), (0, 0, 1, 0, 0)), (KeyError(), (0, 0, 0, 1, 0)),
                      (Sub, (0, 0, 0, 0, 1)), (b, (0, 0, 0, 0, 0)), (None, (0, 0, 0, 0, 0))]:
        assert m.checks(obj) == (want, 8), (obj, m.checks(obj))
    # reference counts by the host's model of this interpreter, as
    # CPython's own counts go (immortal objects from 3.12); shared objects
    # may gain or lose a few references elsewhere meanwhile
    class Fresh:
        pass
    immortal = sys.version_info >= (3, 12)
    for obj in (Fresh(), None, 7, int):
        tp = type(obj)
        exact, tp_exact = isinstance(obj, Fresh), tp is Fresh
        before, tp_before = sys.getrefcount(obj), sys.getrefcount(tp)
        assert m.refs(obj, 500) == 1, "no reference-count model"
        delta = sys.getrefcount(obj) - before
        tp_delta = sys.getrefcount(tp) - tp_before
        want = 0 if immortal and not exact else 500
        tp_want = 0 if immortal and not tp_exact else 500
        assert abs(delta - want) <= (0 if exact else 20), (obj, delta)
        assert abs(tp_delta - tp_want) <= (0 if tp_exact else 20), (tp, tp_delta)
        m.unrefs()
        assert abs(sys.getrefcount(obj) - before) <= (0 if exact else 20), obj
        assert abs(sys.getrefcount(tp) - tp_before) <= (0 if tp_exact else 20), tp
    freed = []
    f = Fresh()
    wf = weakref.ref(f, lambda _: freed.append(1))
    m.refs(f, 1)
    del f
    assert not freed
    m.unrefs()
    assert freed == [1] and wf() is None
    print("ok", sys.version_info[:2])
""")


def other_pythons() -> List[str]:
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = []
    for exe in sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3"))):
        out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             stdout=subprocess.PIPE, text=True)
        version = out.stdout.strip()
        if out.returncode == 0 and version != "%d.%d" % sys.version_info[:2]:
            minor = int(version.split(".")[1])
            if 8 <= minor <= 13:
                found.append(exe)
    return found


PYTHONS = other_pythons()


@pytest.fixture(scope="module")
def universal_binary(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("onebinary")
    builder = Builder("universal", workdir, {})
    from support import expand_markers

    return builder.compile("onebinary", expand_markers(SOURCE, "onebinary"))


def install_hpy(python: str, target: Path) -> Path:
    """Installs this checkout's hpy for `python` into `target` (a directory
    for PYTHONPATH), and returns it. pip builds from a private copy: tests
    for other interpreters may be installing at the same time."""
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(target), str(copy_hpy_source(target.parent / "hpy-src"))],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert install.returncode == 0, install.stdout
    return target


@pytest.mark.slow
@pytest.mark.skipif(not PYTHONS, reason="no other CPython found under pyenv")
@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: Path(p).parent.parent.name)
def test_same_binary_on_every_cpython(python: str, universal_binary: Path, tmp_path: Path) -> None:
    target = install_hpy(python, tmp_path / "site")
    code = CHECK.format(target=str(target), binary=str(universal_binary))
    run = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0, run.stdout
    assert run.stdout.startswith("ok")


# ---- the cpython ABI on CPython 3.8 and 3.9 ----

CONVERSIONS_C = """
#include "hpy.h"
#include <stdint.h>

/* The inline fast paths of the cpython ABI take exact ints only; anything
 * else reaches the C API of the version the module is built for. */
""" + CONVERSIONS_METH + """static HPyDef *defines[] = { &conversions, NULL };
static HPyModuleDef moddef = { .defines = defines };
HPy_MODINIT(conv, moddef)
"""

CONVERSIONS_SETUP = """
from setuptools import setup, Extension
setup(name="conv", hpy_ext_modules=[Extension("conv", sources=["conv.c"])])
"""

CONVERSIONS_CHECK = textwrap.dedent("""
    import sys, warnings
    import conv
    class IntOnly:
        def __int__(self):
            return 7
    class Idx:
        def __index__(self):
            return 8
    assert conv.conversions(5) == (5, 5, 5, 5)
    assert conv.conversions(Idx()) == (8, 8, 8, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert conv.conversions(IntOnly()) == (7, 7, 7, 7)
    assert caught and all(w.category is DeprecationWarning for w in caught), caught
    print("ok", sys.version_info[:2])
""")

OLD_PYTHONS = [p for p in PYTHONS
               if subprocess.run([p, "-c", "import sys; sys.exit(sys.version_info >= (3, 10))"]
                                 ).returncode == 0]


@pytest.mark.slow
@pytest.mark.skipif(not OLD_PYTHONS, reason="no CPython 3.8 or 3.9 found under pyenv")
@pytest.mark.parametrize("python", OLD_PYTHONS, ids=lambda p: Path(p).parent.parent.name)
def test_cpython_abi_int_conversions_honour___int__(python: str, tmp_path: Path) -> None:
    target = install_hpy(python, tmp_path / "site")
    (tmp_path / "conv.c").write_text(CONVERSIONS_C)
    (tmp_path / "setup.py").write_text(CONVERSIONS_SETUP)
    env = dict(os.environ, PYTHONPATH=str(target))
    build = subprocess.run([python, "setup.py", "--hpy-abi=cpython", "build_ext", "--inplace"],
                           cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    assert build.returncode == 0, build.stdout
    run = subprocess.run([python, "-c", CONVERSIONS_CHECK], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0, run.stdout
    assert run.stdout.startswith("ok")
