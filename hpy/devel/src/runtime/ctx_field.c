/* HPyField (a reference stored inside an object's C struct) and HPyGlobal
 * (a reference stored in a static variable of the extension). Both hold a
 * strong reference to the PyObject* (0 when empty): Store takes a new
 * reference and releases the previous value, Load returns a new handle, or
 * HPy_NULL without an exception if empty.
 *
 * The reference held by a field is released by the object's traverse/clear
 * machinery or by storing HPy_NULL; a global lives as long as the process.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

void ctx_Field_Store(HPyContext *ctx, HPy target_object, HPyField *target_field, HPy h)
{
    PyObject *old, *obj = _h2py(h);
    (void)ctx;
    (void)target_object;
    if (target_field == NULL)
        return;
    old = _hf2py(*target_field);
    Py_XINCREF(obj);
    *target_field = _py2hf(obj);
    /* Last: releasing the old value may run arbitrary code. */
    Py_XDECREF(old);
}

HPy ctx_Field_Load(HPyContext *ctx, HPy source_object, HPyField source_field)
{
    PyObject *obj = _hf2py(source_field);
    (void)ctx;
    (void)source_object;
    Py_XINCREF(obj);
    return _py2h(obj);
}

void ctx_Global_Store(HPyContext *ctx, HPyGlobal *global, HPy h)
{
    PyObject *old, *obj = _h2py(h);
    (void)ctx;
    if (global == NULL)
        return;
    old = _hg2py(*global);
    Py_XINCREF(obj);
    *global = _py2hg(obj);
    Py_XDECREF(old);
}

HPy ctx_Global_Load(HPyContext *ctx, HPyGlobal global)
{
    PyObject *obj = _hg2py(global);
    (void)ctx;
    Py_XINCREF(obj);
    return _py2h(obj);
}
