/* The module hpy.universal._trace: the Python interface of the trace mode
 * (see hpy.trace). */
#include "trace_internal.h"
#include "utf8_cut.h"

_HPy_HIDDEN int trace_state_init(void);

/* {name: value[id]} for every context function (durations: converted from
 * ticks of the clock to nanoseconds). */
static PyObject *per_function(const uint64_t *values, int durations)
{
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (int id = 0; id < trace_member_count(); id++) {
        if (trace_state.names[id] == NULL)
            continue;
        uint64_t value = durations ? trace_ticks_to_ns(values[id]) : values[id];
        PyObject *v = PyLong_FromUnsignedLongLong(value);
        if (v == NULL || PyDict_SetItem(d, trace_state.names[id], v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *get_call_counts(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return per_function(trace_state.counts, 0);
}

static PyObject *get_durations(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return per_function(trace_state.durations, 1);
}

static PyObject *get_frequency(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromUnsignedLongLong(trace_clock_frequency());
}

/* A function argument of set_trace_functions: NULL (not given) keeps the
 * current one, None clears it. */
static int check_function(PyObject *f, const char *what)
{
    if (f != NULL && f != Py_None && !PyCallable_Check(f)) {
        char tn[_HPy_UTF8_CUT_SIZE(100)];
        PyErr_Format(PyExc_TypeError,
                     "Expected a callable object or None (set_trace_functions: %s is '%s')", what,
                     _HPy_Utf8Cut(tn, Py_TYPE(f)->tp_name, 100));
        return -1;
    }
    return 0;
}

static void set_function(PyObject **slot, PyObject *f)
{
    if (f == NULL)
        return;
    f = f == Py_None ? NULL : f;
    Py_XINCREF(f);
    Py_XSETREF(*slot, f);
}

static PyObject *set_trace_functions(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "on_enter", "on_exit", NULL };
    PyObject *on_enter = NULL, *on_exit = NULL;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:set_trace_functions", kwlist, &on_enter,
                                     &on_exit))
        return NULL;
    if (check_function(on_enter, "on_enter") < 0 || check_function(on_exit, "on_exit") < 0)
        return NULL;
    set_function(&trace_state.on_enter, on_enter);
    set_function(&trace_state.on_exit, on_exit);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    { "get_call_counts", get_call_counts, METH_NOARGS,
      "{name: count}: how many times each context function (e.g. 'ctx_Add') was called by "
      "extensions loaded in trace mode." },
    { "get_durations", get_durations, METH_NOARGS,
      "{name: ns}: the total time spent in each context function, in nanoseconds." },
    { "set_trace_functions", (PyCFunction)(void (*)(void))set_trace_functions,
      METH_VARARGS | METH_KEYWORDS,
      "set_trace_functions(on_enter=None, on_exit=None): call on_enter(name) before and "
      "on_exit(name) after each context function; a function not given stays as it was, "
      "None removes it." },
    { "get_frequency", get_frequency, METH_NOARGS,
      "The frequency (Hz) of the clock used to measure durations." },
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hpy.universal._trace",
    .m_doc = "Call counts and durations of the HPy trace mode (see hpy.trace).",
    .m_size = -1,
    .m_methods = methods,
};

PyObject *hpy_trace_module_create(void)
{
    if (trace_state_init() < 0)
        return NULL;
    return PyModule_Create(&moduledef);
}
