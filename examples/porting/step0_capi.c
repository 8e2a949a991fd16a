/* Porting, step 0: the module as it was, written with the CPython C API. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *norm(PyObject *self, PyObject *args)
{
    double x, y;
    (void)self;
    if (!PyArg_ParseTuple(args, "dd:norm", &x, &y))
        return NULL;
    return PyFloat_FromDouble(sqrt(x * x + y * y));
}

/* scale(items, factor): a new list with every item multiplied by factor. */
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
        PyList_SET_ITEM(result, i, v); /* steals v */
    }
    return result;
}

static PyMethodDef methods[] = {
    { "norm", norm, METH_VARARGS, "norm(x, y): the length of the vector (x, y)" },
    { "scale", scale, METH_VARARGS, "scale(items, factor): items multiplied by factor" },
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "vecmath", "vector helpers", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_vecmath(void);

PyMODINIT_FUNC PyInit_vecmath(void)
{
    return PyModule_Create(&moduledef);
}
