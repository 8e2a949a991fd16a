"""The public headers compile cleanly (-Wall -Wextra -Werror) in every ABI,
as C99 and as C++, at -O0 and -O3, including the definition macros."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import include_flags

SOURCE = r"""
#include "hpy.h"

typedef struct { long x; double y; HPyField f; } PointObject;
HPyType_HELPERS(PointObject)

HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
static HPy noargs_impl(HPyContext *ctx, HPy self) { (void)self; return HPyLong_FromLong(ctx, 1); }
HPyDef_METH(o, "o", HPyFunc_O, .doc = "o(x)")
static HPy o_impl(HPyContext *ctx, HPy self, HPy x) { (void)self; return HPy_Dup(ctx, x); }
HPyDef_METH(varargs, "varargs", HPyFunc_VARARGS)
static HPy varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{ (void)self; return nargs ? HPy_Dup(ctx, args[0]) : HPy_Dup(ctx, ctx->h_None); }
HPyDef_METH(keywords, "keywords", HPyFunc_KEYWORDS)
static HPy keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{ (void)self; (void)args; (void)nargs; (void)kwnames; return HPy_Dup(ctx, ctx->h_None); }
HPyDef_SLOT(Point_new, HPy_tp_new)
static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{ PointObject *p; (void)args; (void)nargs; (void)kw; return HPy_New(ctx, cls, &p); }
HPyDef_SLOT(Point_traverse, HPy_tp_traverse)
static int Point_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
{ PointObject *p = (PointObject *)self; HPy_VISIT(&p->f); return 0; }
HPyDef_SLOT(Point_add, HPy_nb_add)
static HPy Point_add_impl(HPyContext *ctx, HPy a, HPy b) { (void)b; return HPy_Dup(ctx, a); }
HPyDef_SLOT(Point_destroy, HPy_tp_destroy)
static void Point_destroy_impl(void *obj) { (void)obj; }
HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x), .readonly = 1)
HPyDef_GETSET(Point_y, "y", .doc = "y", .closure = (void *)1)
static HPy Point_y_get(HPyContext *ctx, HPy self, void *closure)
{ (void)closure; return HPyFloat_FromDouble(ctx, PointObject_AsStruct(ctx, self)->y); }
static int Point_y_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{ (void)closure; PointObject_AsStruct(ctx, self)->y = HPyFloat_AsDouble(ctx, value); return 0; }
HPyDef_CALL_FUNCTION(Point_call)
static HPy Point_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{ (void)self; (void)args; (void)nargs; (void)kwnames; return HPy_Dup(ctx, ctx->h_None); }
HPyCapsule_DESTRUCTOR(capsule_destructor)
static void capsule_destructor_impl(const char *name, void *pointer, void *context)
{ (void)name; (void)pointer; (void)context; }
HPyDef_SLOT(create, HPy_mod_exec)
static int create_impl(HPyContext *ctx, HPy m) { (void)ctx; (void)m; return 0; }

static HPyDef *Point_defines[] = { &Point_new, &Point_traverse, &Point_add, &Point_destroy,
                                   &Point_x, &Point_y, NULL };
static HPyType_Spec Point_spec = { "t.Point", sizeof(PointObject), 0,
                                   HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC, SHAPE(PointObject),
                                   NULL, Point_defines, "a point" };
static HPyDef *module_defines[] = { &noargs, &o, &varargs, &keywords, &create, NULL };
static HPyGlobal g;
static HPyGlobal *module_globals[] = { &g, NULL };
static HPyModuleDef moduledef = { "doc", 0, NULL, module_defines, module_globals };
HPy_MODINIT(headers_test, moduledef)

void *keep_used(void);
void *keep_used(void) { (void)Point_call; (void)capsule_destructor; return &Point_spec; }
"""

COMPILERS = [("gcc", ["-x", "c", "-std=c99"]), ("g++", ["-x", "c++", "-std=c++11"])]
if shutil.which("clang"):
    COMPILERS += [("clang", ["-x", "c", "-std=c99"]), ("clang", ["-x", "c++", "-std=c++11"])]


@pytest.mark.parametrize("abi", ["cpython", "universal", "hybrid"])
@pytest.mark.parametrize("opt", ["-O0", "-O3"])
@pytest.mark.parametrize("compiler,lang", COMPILERS, ids=lambda v: v if isinstance(v, str) else v[1])
def test_headers_compile_cleanly(abi, opt, compiler, lang, tmp_path: Path):
    src = tmp_path / "headers_test.c"
    src.write_text(SOURCE)
    cmd = [compiler, *lang, "-Wall", "-Wextra", "-Werror", opt, *include_flags(abi),
           "-c", str(src), "-o", str(tmp_path / "out.o")]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout


def test_no_abi_macro_is_an_error(tmp_path: Path):
    src = tmp_path / "x.c"
    src.write_text('#include "hpy.h"\n')
    inc = include_flags("universal")[-1]
    proc = subprocess.run(["gcc", "-c", str(src), inc, "-o", str(tmp_path / "x.o")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode != 0
    assert "define exactly one of HPY_ABI_CPYTHON" in proc.stdout


def test_hpy_abi_macro(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(abi, "abi", HPyFunc_NOARGS)
        static HPy abi_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, HPY_ABI);
        }
        @EXPORT(abi)
        @INIT
    """)
    from support import build_abi

    assert mod.abi() == build_abi(hpy.abi)


def test_context_name(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(name, "name", HPyFunc_NOARGS)
        static HPy name_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, ctx->name);
        }
        HPyDef_METH(abi_version, "abi_version", HPyFunc_NOARGS)
        static HPy abi_version_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, ctx->abi_version);
        }
        @EXPORT(name)
        @EXPORT(abi_version)
        @INIT
    """)
    # upstream's names, which tools compare with
    expected = {"cpython": "HPy CPython ABI",
                "universal": "HPy Universal ABI (CPython backend)",
                "hybrid": "HPy Universal ABI (CPython backend)",
                "debug": "HPy Debug Mode ABI", "trace": "HPy Trace Mode ABI"}[hpy.abi]
    assert mod.name() == expected
    assert mod.abi_version() == 0


def test_public_include_dir_holds_only_what_extensions_include(tmp_path: Path):
    """Every header under hpy/devel/include is reached from hpy.h in some
    extension ABI; headers only the host or the runtime sources need live
    next to those sources."""
    from support import INCLUDE

    src = tmp_path / "x.c"
    src.write_text('#include "hpy.h"\n')
    reached = set()
    for abi in ("cpython", "universal", "hybrid"):
        proc = subprocess.run(["gcc", "-M", *include_flags(abi), str(src)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.returncode == 0, proc.stdout
        deps = proc.stdout.replace("\\\n", " ").split()
        reached |= {Path(d).resolve() for d in deps if d.endswith(".h")}
    # the stand-in for Python.h that universal builds put on the include path
    forbid = (INCLUDE / "hpy" / "forbid_python_h" / "Python.h").resolve()
    headers = {h.resolve() for h in INCLUDE.rglob("*.h")} - {forbid}
    assert sorted(str(h.relative_to(INCLUDE.resolve())) for h in headers - reached) == []
