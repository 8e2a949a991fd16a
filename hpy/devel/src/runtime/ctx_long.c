/* Python int <-> fixed-width C integers (int32_t, uint32_t, int64_t,
 * uint64_t).
 *
 * The As* conversions accept an int, an int subclass, or any object with
 * __index__ (which is called once), the same on every Python version; any
 * other object is a TypeError. Values out of the C type's range raise
 * OverflowError, except for the *Mask variants, which reduce modulo 2**N
 * (negative values included) and never overflow. On error the result is
 * (T)-1 with an exception set, so callers test `== (T)-1 && HPyErr_Occurred`.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"
#include <limits.h>

#if LLONG_MAX != INT64_MAX || ULLONG_MAX != UINT64_MAX
#  error "HPy assumes long long is 64 bits wide"
#endif

/* A new reference to `h` as an int (calling __index__ if it is not one), or
 * NULL with an exception set. */
static PyObject *as_int(HPy h, const char *func)
{
    PyObject *o = _h2py(h);
    if (o == NULL) {
        PyErr_Format(PyExc_SystemError, "%s: called with HPy_NULL", func);
        return NULL;
    }
    if (PyLong_Check(o)) {
        Py_INCREF(o);
        return o;
    }
    return PyNumber_Index(o);
}

static void raise_too_large(const char *func, const char *ctype)
{
    PyErr_Format(PyExc_OverflowError, "%s: Python int too large to convert to C %s", func, ctype);
}

static void raise_negative(const char *func)
{
    PyErr_Format(PyExc_OverflowError, "%s: can't convert negative int to unsigned", func);
}

/* Converts to a signed 64-bit value checked against [lo, hi]; returns 0 on
 * success, -1 with an exception set. */
static int as_signed(HPy h, int64_t lo, int64_t hi, const char *func, const char *ctype,
                     int64_t *out)
{
    int overflow = 0;
    long long v;
    PyObject *o = _h2py(h);
    /* Fast path: an exact int in range (no reference taken). */
    if (o != NULL && PyLong_CheckExact(o)) {
        if (_HPyLong_SmallValue(o, &v) && v >= lo && v <= hi) {
            *out = (int64_t)v;
            return 0;
        }
        v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0 && v >= lo && v <= hi) {
            *out = (int64_t)v;
            return 0;
        }
        overflow = 0;
    }
    o = as_int(h, func);
    if (o == NULL)
        return -1;
    v = PyLong_AsLongLongAndOverflow(o, &overflow);
    Py_DECREF(o);
    if (v == -1 && overflow == 0 && PyErr_Occurred())
        return -1;
    if (overflow != 0 || v < lo || v > hi) {
        raise_too_large(func, ctype);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

/* Converts to an unsigned 64-bit value checked against [0, hi]. */
static int as_unsigned(HPy h, uint64_t hi, const char *func, const char *ctype, uint64_t *out)
{
    int overflow = 0;
    long long v;
    unsigned long long u;
    PyObject *o = as_int(h, func);
    if (o == NULL)
        return -1;
    v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && overflow == 0 && PyErr_Occurred()) {
        Py_DECREF(o);
        return -1;
    }
    if (overflow < 0 || (overflow == 0 && v < 0)) {
        Py_DECREF(o);
        raise_negative(func);
        return -1;
    }
    if (overflow == 0) {
        u = (unsigned long long)v;
    }
    else {
        /* Above LLONG_MAX: maybe still within 64 unsigned bits. */
        u = PyLong_AsUnsignedLongLong(o);
        if (u == (unsigned long long)-1 && PyErr_Occurred()) {
            Py_DECREF(o);
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            raise_too_large(func, ctype);
            return -1;
        }
    }
    Py_DECREF(o);
    if (u > hi) {
        raise_too_large(func, ctype);
        return -1;
    }
    *out = (uint64_t)u;
    return 0;
}

/* The low 64 bits of the two's complement of the value (any size, any sign). */
static int as_mask(HPy h, const char *func, uint64_t *out)
{
    unsigned long long u;
    PyObject *o = as_int(h, func);
    if (o == NULL)
        return -1;
    u = PyLong_AsUnsignedLongLongMask(o);
    Py_DECREF(o);
    if (u == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *out = (uint64_t)u;
    return 0;
}

/* The general paths of the two conversions below, out of line so that their
 * fast paths need no stack frame. */
static _HPy_NOINLINE int64_t as_int64_general(HPy h, int64_t lo, int64_t hi, const char *func,
                                const char *ctype)
{
    int64_t v;
    if (as_signed(h, lo, hi, func, ctype, &v) < 0)
        return -1;
    return v;
}

int32_t ctx_Long_AsInt32_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    long long v;
    (void)ctx;
    /* one digit fits an int32_t */
    if (o != NULL && PyLong_CheckExact(o) && _HPyLong_SmallValue(o, &v))
        return (int32_t)v;
    return (int32_t)as_int64_general(h, INT32_MIN, INT32_MAX, "HPyLong_AsInt32_t", "int32_t");
}

uint32_t ctx_Long_AsUInt32_t(HPyContext *ctx, HPy h)
{
    uint64_t v;
    (void)ctx;
    if (as_unsigned(h, UINT32_MAX, "HPyLong_AsUInt32_t", "uint32_t", &v) < 0)
        return (uint32_t)-1;
    return (uint32_t)v;
}

uint32_t ctx_Long_AsUInt32_tMask(HPyContext *ctx, HPy h)
{
    uint64_t v;
    (void)ctx;
    if (as_mask(h, "HPyLong_AsUInt32_tMask", &v) < 0)
        return (uint32_t)-1;
    return (uint32_t)(v & UINT32_MAX);
}

int64_t ctx_Long_AsInt64_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    long long v;
    (void)ctx;
    if (o != NULL && PyLong_CheckExact(o) && _HPyLong_SmallValue(o, &v))
        return (int64_t)v;
    return as_int64_general(h, INT64_MIN, INT64_MAX, "HPyLong_AsInt64_t", "int64_t");
}

uint64_t ctx_Long_AsUInt64_t(HPyContext *ctx, HPy h)
{
    uint64_t v;
    (void)ctx;
    if (as_unsigned(h, UINT64_MAX, "HPyLong_AsUInt64_t", "uint64_t", &v) < 0)
        return (uint64_t)-1;
    return v;
}

uint64_t ctx_Long_AsUInt64_tMask(HPyContext *ctx, HPy h)
{
    uint64_t v;
    (void)ctx;
    if (as_mask(h, "HPyLong_AsUInt64_tMask", &v) < 0)
        return (uint64_t)-1;
    return v;
}
