/* Porting, step 1: an HPy module that still carries legacy code. norm() is
 * ported to HPy; scale() is the unchanged C-API function, exported through
 * legacy_methods. Builds in the hybrid (and cpython) ABI, not universal. */
#include <Python.h> /* the legacy part still uses the C API */
#include "hpy.h"
#include <math.h>

HPyDef_METH(norm, "norm", HPyFunc_VARARGS, .doc = "norm(x, y): the length of the vector (x, y)")
static HPy norm_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    double x, y;
    (void)self;
    if (!HPyArg_Parse(ctx, NULL, args, nargs, "dd:norm", &x, &y))
        return HPy_NULL;
    return HPyFloat_FromDouble(ctx, sqrt(x * x + y * y));
}

/* Unchanged from step 0. */
static PyObject *scale(PyObject *self, PyObject *args)
{
    PyObject *items, *factor, *result;
    Py_ssize_t i, n;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO:scale", &items, &factor))
        return NULL;
    if (!PyList_Check(items)) {
        PyErr_SetString(PyExc_TypeError, "scale() expects a list");
        return NULL;
    }
    n = PyList_GET_SIZE(items);
    result = PyList_New(n);
    if (result == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v = PyNumber_Multiply(PyList_GET_ITEM(items, i), factor);
        if (v == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, i, v);
    }
    return result;
}

static PyMethodDef legacy_methods[] = {
    { "scale", scale, METH_VARARGS, "scale(items, factor): items multiplied by factor" },
    { NULL, NULL, 0, NULL },
};

static HPyDef *module_defines[] = { &norm, NULL };

static HPyModuleDef moduledef = {
    .doc = "vector helpers",
    .legacy_methods = legacy_methods,
    .defines = module_defines,
};

HPy_MODINIT(vecmath, moduledef)
