/* Reporting violations: abort with a message (the default), record them in
 * the running frame to raise HPyDebugError when it returns (raise mode), or
 * call the Python callbacks of set_on_invalid_handle /
 * set_on_invalid_builder_handle (and go on). */
#include "debug_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- growable strings ---- */

void debug_str_vprintf(DebugStr *s, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    if (s->len + (size_t)n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + (size_t)n + 1)
            cap *= 2;
        char *buf = (char *)realloc(s->buf, cap);
        if (buf == NULL)
            return;
        s->buf = buf;
        s->cap = cap;
    }
    vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    s->len += (size_t)n;
}

void debug_str_printf(DebugStr *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    debug_str_vprintf(s, fmt, ap);
    va_end(ap);
}

/* ---- violations ---- */

static char *last_violation;

const char *debug_last_violation(void)
{
    return last_violation != NULL ? last_violation : "HPy debug mode: invalid use of the HPy API";
}

static void call_callback(PyObject *callback)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *res = PyObject_CallFunctionObjArgs(callback, NULL);
    if (res == NULL)
        PyErr_WriteUnraisable(callback);
    Py_XDECREF(res);
    PyErr_Restore(type, value, tb);
}

_HPy_NO_RETURN static void fatal(const char *msg, const char *why)
{
    fflush(stdout);
    fprintf(stderr, "HPy debug mode: fatal error: %s\n", msg);
    if (why != NULL)
        fprintf(stderr, "(%s)\n", why);
    fflush(stderr);
    abort();
}

int debug_violation(DebugViolationKind kind, DebugHandle *dh, const char *fmt, ...)
{
    DebugStr s = { NULL, 0, 0 };
    va_list ap;
    va_start(ap, fmt);
    debug_str_vprintf(&s, fmt, ap);
    va_end(ap);
    if (dh != NULL) {
        debug_str_printf(&s, ": ");
        debug_describe_handle(&s, dh);
    }
    const char *msg = s.buf != NULL ? s.buf : "invalid use of the HPy API (out of memory)";

    if (kind == V_FATAL)
        fatal(msg, NULL);

    PyObject *callback = kind == V_HANDLE    ? debug_state.on_invalid_handle
                         : kind == V_BUILDER ? debug_state.on_invalid_builder
                                             : NULL;
    if (callback == NULL && !debug_state.raise_on_violation)
        fatal(msg, "set HPY_DEBUG_RAISE=1 or call hpy.debug.set_raise_on_violation(True) to get "
                   "an hpy.debug.HPyDebugError exception instead");
    DebugFrame *f = debug_current_frame();
    if (callback == NULL && f == NULL)
        fatal(msg, "this cannot be raised as an HPyDebugError: no call from Python into an "
                   "HPy function is running");

    free(last_violation);
    last_violation = s.buf != NULL ? strdup(s.buf) : NULL;
    if (callback != NULL) {
        free(s.buf);
        call_callback(callback);
        return 1;
    }
    else {
        if (f->violation == NULL) {
            /* nviolations is valid from the first one on */
            f->violation = s.buf;
            f->nviolations = 1;
            s.buf = NULL;
        }
        else {
            f->nviolations++;
        }
    }
    free(s.buf);
    return 0;
}

static PyObject *error_class(void)
{
    return debug_state.debug_error != NULL ? debug_state.debug_error : PyExc_RuntimeError;
}

void debug_not_executed(const char *fn)
{
    (void)fn;
    if (!PyErr_Occurred())
        PyErr_SetString(error_class(), debug_last_violation());
}

void debug_frame_raise(DebugFrame *f)
{
    PyObject *type, *value, *tb;
    PyObject *cls = error_class();
    PyErr_Fetch(&type, &value, &tb);
    if (type != NULL && PyErr_GivenExceptionMatches(type, cls)) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        type = value = tb = NULL;
    }
    if (type != NULL) {
        /* with no exception set: normalizing may call Python code */
        PyErr_NormalizeException(&type, &value, &tb);
        if (tb != NULL && value != NULL)
            PyException_SetTraceback(value, tb);
    }
    if (f->nviolations > 1)
        PyErr_Format(cls, "%s\n(and %d more violation%s in the same call)", f->violation,
                     f->nviolations - 1, f->nviolations > 2 ? "s" : "");
    else
        PyErr_SetString(cls, f->violation);
    if (type != NULL) {
        PyObject *t2, *v2, *tb2;
        PyErr_Fetch(&t2, &v2, &tb2);
        PyErr_NormalizeException(&t2, &v2, &tb2);
        if (v2 != NULL && value != NULL)
            PyException_SetContext(v2, value); /* steals value */
        else
            Py_XDECREF(value);
        PyErr_Restore(t2, v2, tb2);
        Py_DECREF(type);
        Py_XDECREF(tb);
    }
    free(f->violation);
    f->violation = NULL;
    f->nviolations = 0;
}
