"""Module definitions: doc, methods, exec and create slots, globals,
legacy methods, and invalid definitions."""
from __future__ import annotations

import pytest

from support import build_abi


def test_doc_and_methods(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(f, "f", HPyFunc_O, .doc = "f(x): return x")
        static HPy f_impl(HPyContext *ctx, HPy self, HPy x)
        {
            return HPy_Dup(ctx, x);
        }
        @EXPORT(f)
        @INIT
    """)
    assert mod.__doc__ == "a test module"
    assert mod.f.__doc__ == "f(x): return x"
    assert mod.f.__name__ == "f"
    sentinel = object()
    assert mod.f(sentinel) is sentinel
    with pytest.raises(TypeError):
        mod.f()


def test_exec_slots_run_in_order(hpy):
    mod = hpy.make_module("""
        HPyDef_SLOT(first, HPy_mod_exec)
        static int first_impl(HPyContext *ctx, HPy m)
        {
            HPy order = HPyList_New(ctx, 0);
            if (HPy_IsNull(order)) return -1;
            HPy one = HPyLong_FromLong(ctx, 1);
            HPyList_Append(ctx, order, one);
            HPy_Close(ctx, one);
            int res = HPy_SetAttr_s(ctx, m, "order", order);
            HPy_Close(ctx, order);
            return res;
        }
        HPyDef_SLOT(second, HPy_mod_exec)
        static int second_impl(HPyContext *ctx, HPy m)
        {
            HPy order = HPy_GetAttr_s(ctx, m, "order");
            if (HPy_IsNull(order)) return -1;
            HPy two = HPyLong_FromLong(ctx, 2);
            int res = HPyList_Append(ctx, order, two);
            HPy_Close(ctx, two);
            HPy_Close(ctx, order);
            return res;
        }
        @EXPORT(first)
        @EXPORT(second)
        @INIT
    """)
    assert mod.order == [1, 2]


def test_exec_slot_error_fails_the_import(hpy):
    with pytest.raises(ValueError, match="exec says no"):
        hpy.make_module("""
            HPyDef_SLOT(bad, HPy_mod_exec)
            static int bad_impl(HPyContext *ctx, HPy m)
            {
                HPyErr_SetString(ctx, ctx->h_ValueError, "exec says no");
                return -1;
            }
            @EXPORT(bad)
            @INIT
        """)


def test_mod_create_returning_an_object(hpy):
    source = """
        #include "hpy.h"
        HPyDef_SLOT(create, HPy_mod_create)
        static HPy create_impl(HPyContext *ctx, HPy spec)
        {
            HPy types = HPyImport_ImportModule(ctx, "types");
            if (HPy_IsNull(types)) return HPy_NULL;
            HPy ns = HPy_GetAttr_s(ctx, types, "SimpleNamespace");
            HPy_Close(ctx, types);
            if (HPy_IsNull(ns)) return HPy_NULL;
            HPy obj = HPy_Call(ctx, ns, NULL, 0, HPy_NULL);
            HPy_Close(ctx, ns);
            if (HPy_IsNull(obj)) return HPy_NULL;
            HPy name = HPy_GetAttr_s(ctx, spec, "name");
            if (HPy_IsNull(name) || HPy_SetAttr_s(ctx, obj, "created_for", name) < 0) {
                HPy_Close(ctx, obj);
                obj = HPy_NULL;
            }
            HPy_Close(ctx, name);
            return obj;
        }
        static HPyDef *defines[] = { &create, NULL };
        static HPyModuleDef moduledef = { .defines = defines };
        HPy_MODINIT(created, moduledef)
    """
    path = hpy.compile("created", source)
    obj = hpy.load("created", path)
    assert type(obj).__name__ == "SimpleNamespace"
    assert obj.created_for == "created"


def test_mod_create_returning_a_module_is_rejected(hpy):
    source = """
        #include "hpy.h"
        HPyDef_SLOT(create, HPy_mod_create)
        static HPy create_impl(HPyContext *ctx, HPy spec)
        {
            return HPyImport_ImportModule(ctx, "math");
        }
        static HPyDef *defines[] = { &create, NULL };
        static HPyModuleDef moduledef = { .defines = defines };
        HPy_MODINIT(badcreate, moduledef)
    """
    path = hpy.compile("badcreate", source)
    with pytest.raises(SystemError, match=r"^HPy_mod_create slot returned a builtin module "
                                          r"object\. This is currently not supported\.$"):
        hpy.load("badcreate", path)


def test_globals(hpy):
    source = """
        #include "hpy.h"
        static HPyGlobal saved;
        HPyDef_METH(store, "store", HPyFunc_O)
        static HPy store_impl(HPyContext *ctx, HPy self, HPy x)
        {
            HPyGlobal_Store(ctx, &saved, x);
            return HPy_Dup(ctx, ctx->h_None);
        }
        HPyDef_METH(load, "load", HPyFunc_NOARGS)
        static HPy load_impl(HPyContext *ctx, HPy self)
        {
            return HPyGlobal_Load(ctx, saved);
        }
        static HPyDef *defines[] = { &store, &load, NULL };
        static HPyGlobal *globals[] = { &saved, NULL };
        static HPyModuleDef moduledef = { .defines = defines, .globals = globals };
        HPy_MODINIT(withglobals, moduledef)
    """
    mod = hpy.load("withglobals", hpy.compile("withglobals", source))
    value = object()
    mod.store(value)
    assert mod.load() is value
    mod.store(42)
    assert mod.load() == 42


def test_nonzero_size_is_rejected(hpy):
    source = """
        #include "hpy.h"
        static HPyModuleDef moduledef = { .size = 16 };
        HPy_MODINIT(sized, moduledef)
    """
    path = hpy.compile("sized", source)
    with pytest.raises(SystemError, match=r"^Module state is not supported yet in HPy, set "
                                          r"HPyModuleDef\.size = 0 if module state is not "
                                          r"needed"):
        hpy.load("sized", path)


def test_legacy_methods(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("legacy methods need the C API (cpython and hybrid ABIs)")
    source = """
        #include <Python.h>
        #include "hpy.h"
        static PyObject *legacy_add(PyObject *self, PyObject *args)
        {
            long a, b;
            (void)self;
            if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
            return PyLong_FromLong(a + b);
        }
        static PyMethodDef legacy_methods[] = {
            {"legacy_add", legacy_add, METH_VARARGS, "add two ints the old way"},
            {NULL, NULL, 0, NULL}
        };
        HPyDef_METH(modern, "modern", HPyFunc_NOARGS)
        static HPy modern_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, "hpy");
        }
        static HPyDef *defines[] = { &modern, NULL };
        static HPyModuleDef moduledef = { .legacy_methods = legacy_methods, .defines = defines };
        HPy_MODINIT(legacy, moduledef)
    """
    mod = hpy.load("legacy", hpy.compile("legacy", source))
    assert mod.legacy_add(2, 3) == 5
    assert mod.modern() == "hpy"


def test_legacy_methods_do_not_compile_in_universal(hpy):
    if build_abi(hpy.abi) != "universal":
        pytest.skip("universal only")
    from support import CompileError

    with pytest.raises(CompileError, match="Python.h is forbidden"):
        hpy.compile("legacy", '#include <Python.h>\n#include "hpy.h"\n')


BAD_DEFS = """
    #include "hpy.h"
    HPyDef_SLOT(create, HPy_mod_create)
    static HPy create_impl(HPyContext *ctx, HPy spec)
    {
        return HPyLong_FromLong(ctx, 1);
    }
    HPyDef_SLOT(create2, HPy_mod_create)
    static HPy create2_impl(HPyContext *ctx, HPy spec)
    {
        return HPyLong_FromLong(ctx, 2);
    }
    HPyDef_SLOT(exec, HPy_mod_exec)
    static int exec_impl(HPyContext *ctx, HPy m)
    {
        return 0;
    }
    HPyDef_METH(meth, "meth", HPyFunc_NOARGS)
    static HPy meth_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(badmeth, "badmeth", HPyFunc_UNARYFUNC)
    static HPy badmeth_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Dup(ctx, self);
    }
    HPyDef_SLOT(repr, HPy_tp_repr)
    static HPy repr_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Dup(ctx, self);
    }
    HPyDef_MEMBER(memb, "memb", HPyMember_INT, 0)
    static HPyDef *d_twocreate[] = { &create, &create2, NULL };
    static HPyDef *d_typeslot[] = { &meth, &repr, NULL };
    static HPyDef *d_create_exec[] = { &create, &exec, NULL };
    static HPyDef *d_create_meth[] = { &meth, &create, NULL };
    static HPyDef *d_create[] = { &create, NULL };
    static HPyDef *d_badmeth[] = { &badmeth, NULL };
    static HPyDef *d_create_member[] = { &create, &memb, NULL };
    static HPyDef *d_member[] = { &memb, &meth, NULL };
    static HPyModuleDef twocreate = { .defines = d_twocreate };
    static HPyModuleDef typeslot = { .defines = d_typeslot };
    static HPyModuleDef createexec = { .defines = d_create_exec };
    static HPyModuleDef createmeth = { .defines = d_create_meth };
    static HPyModuleDef negsize = { .size = -1 };
    static HPyModuleDef createdoc = { .doc = "a doc", .defines = d_create };
    static HPyModuleDef badmethsig = { .defines = d_badmeth };
    static HPyModuleDef createonly = { .defines = d_create };
    static HPyModuleDef createmember = { .defines = d_create_member };
    static HPyModuleDef member = { .defines = d_member };
    HPy_MODINIT(twocreate, twocreate)
    HPy_MODINIT(typeslot, typeslot)
    HPy_MODINIT(createexec, createexec)
    HPy_MODINIT(createmeth, createmeth)
    HPy_MODINIT(negsize, negsize)
    HPy_MODINIT(createdoc, createdoc)
    HPy_MODINIT(badmethsig, badmethsig)
    HPy_MODINIT(createonly, createonly)
    HPy_MODINIT(createmember, createmember)
    HPy_MODINIT(member, member)
"""


@pytest.mark.parametrize("name,cls,text", [
    ("twocreate", SystemError,
     "Multiple definitions of the HPy_mod_create slot in HPyModuleDef.defines."),
    ("typeslot", SystemError, "Unsupported slot in HPyModuleDef.defines (value: 66)."),
    ("createexec", SystemError,
     "HPyModuleDef defines a HPy_mod_create slot and some other slots or methods. "),
    ("createmeth", SystemError,
     "HPyModuleDef defines a HPy_mod_create slot and some other slots or methods. "),
    ("negsize", SystemError, "HPy does not permit HPyModuleDef.size < 0"),
    ("createdoc", SystemError,
     "HPyModuleDef defines a HPy_mod_create slot and some of the other fields are not set to "
     "their default value. "),
    ("createmember", SystemError,
     "HPyModuleDef defines a HPy_mod_create slot and some other slots or methods. "),
    ("badmethsig", ValueError, "Unsupported HPyMeth signature"),
])
def test_invalid_module_definitions(hpy, name, cls, text):
    # one binary holds all the module definitions, each under its own name
    path = hpy.compile("baddefs", BAD_DEFS)
    with pytest.raises(Exception) as e:
        hpy.load(name, path)
    assert type(e.value) is cls and str(e.value).startswith(text), repr(e.value)
    assert hpy.load("createonly", path) == 1


def test_members_in_a_module_are_ignored(hpy):
    # as in other HPy implementations: a module has no struct for them
    mod = hpy.load("member", hpy.compile("baddefs", BAD_DEFS))
    assert mod.meth() is None
    assert not hasattr(mod, "memb")
