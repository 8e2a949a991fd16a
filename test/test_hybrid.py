"""The hybrid ABI (and the cpython ABI, where the same code compiles): HPy and
legacy PyObject* code in one module, objects crossing between the two, and
capsules shared with the C API."""
from __future__ import annotations

import sys

import pytest

from support import build_abi

SOURCE = """
    #include <Python.h>
    static int payload = 42;

    /* legacy: make a capsule with the C API */
    static PyObject *legacy_capsule(PyObject *self, PyObject *unused)
    {
        return PyCapsule_New(&payload, "hybrid.payload", NULL);
    }
    /* legacy: read a capsule made by HPy */
    static PyObject *legacy_read(PyObject *self, PyObject *capsule)
    {
        int *p = (int *)PyCapsule_GetPointer(capsule, "hybrid.payload");
        return p ? PyLong_FromLong(*p) : NULL;
    }
    static PyMethodDef legacy_methods[] = {
        {"legacy_capsule", legacy_capsule, METH_NOARGS, NULL},
        {"legacy_read", legacy_read, METH_O, NULL},
        {NULL, NULL, 0, NULL}
    };

    /* HPy: make a capsule */
    HPyDef_METH(hpy_capsule, "hpy_capsule", HPyFunc_NOARGS)
    static HPy hpy_capsule_impl(HPyContext *ctx, HPy self)
    {
        return HPyCapsule_New(ctx, &payload, "hybrid.payload", NULL);
    }
    /* HPy: read a capsule made by the C API */
    HPyDef_METH(hpy_read, "hpy_read", HPyFunc_O)
    static HPy hpy_read_impl(HPyContext *ctx, HPy self, HPy capsule)
    {
        int *p = (int *)HPyCapsule_GetPointer(ctx, capsule, "hybrid.payload");
        return p ? HPyLong_FromLong(ctx, *p) : HPy_NULL;
    }
    /* HPy calling into legacy code and back: the object crosses both ways */
    HPyDef_METH(roundtrip, "roundtrip", HPyFunc_O)
    static HPy roundtrip_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        PyObject *o = HPy_AsPyObject(ctx, obj);       /* new reference */
        PyObject *lst = PyList_New(0);
        PyList_Append(lst, o);
        Py_DECREF(o);
        HPy h = HPy_FromPyObject(ctx, lst);           /* new handle */
        Py_DECREF(lst);
        return h;
    }
    static HPyDef *defines[] = { &hpy_capsule, &hpy_read, &roundtrip, NULL };
    static HPyModuleDef moduledef = { .legacy_methods = legacy_methods, .defines = defines };
    HPy_MODINIT(hybrid, moduledef)
"""


@pytest.fixture
def mod(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("legacy code needs the C API: hybrid and cpython ABIs only")
    import textwrap

    return hpy.load("hybrid", hpy.compile("hybrid", '#include "hpy.h"\n' + textwrap.dedent(SOURCE)))


def test_capsules_cross_between_hpy_and_the_c_api(mod):
    assert mod.hpy_read(mod.legacy_capsule()) == 42
    assert mod.legacy_read(mod.hpy_capsule()) == 42
    assert type(mod.hpy_capsule()) is type(mod.legacy_capsule())
    assert type(mod.hpy_capsule()).__name__ == "PyCapsule"


def test_objects_cross_both_ways_without_leaks(mod):
    obj = object()
    assert mod.roundtrip(obj) == [obj]
    before = sys.getrefcount(obj)
    for _ in range(100):
        mod.roundtrip(obj)
    assert sys.getrefcount(obj) == before
