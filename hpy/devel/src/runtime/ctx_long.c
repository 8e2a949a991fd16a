/* Python int <-> fixed-width C integers (int32_t, uint32_t, int64_t,
 * uint64_t).
 *
 * Each conversion behaves as the C API function upstream HPy maps it to, on
 * the running Python version: AsInt32_t as PyLong_AsLong (then a range
 * check), AsUInt32_t as PyLong_AsUnsignedLong (then a range check),
 * AsInt64_t as PyLong_AsLongLong, AsUInt64_t as PyLong_AsUnsignedLongLong,
 * and the *Mask variants as PyLong_AsUnsigned{Long,LongLong}Mask. So the
 * signed and the Mask conversions accept __index__ (and on CPython 3.8 and
 * 3.9 also __int__, with that version's DeprecationWarning), while
 * AsUInt32_t and AsUInt64_t want an int; the errors are CPython's, except
 * the range errors of the 32-bit types ("Python int too large to convert to
 * C int32_t"). On error the result is (T)-1 with an exception set.
 *
 * Only exact ints take the fast paths; everything else goes to the C API so
 * that the version's behaviour shows.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"
#include <limits.h>
#include <stdio.h>

#if LLONG_MAX != INT64_MAX || ULLONG_MAX != UINT64_MAX
#    error "HPy assumes long long is 64 bits wide"
#endif

/* Unused where long is 32 bits wide (wasm32). */
static _HPy_UNUSED void raise_too_large(const char *ctype)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "Python int too large to convert to C %s", ctype);
    PyErr_SetString(PyExc_OverflowError, buf);
}

/* The general paths, out of line so that the fast paths need no stack
 * frame. */
static _HPy_NOINLINE int32_t int32_general(PyObject *o)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
#if LONG_MAX > INT32_MAX
    if (v < INT32_MIN || v > INT32_MAX) {
        raise_too_large("int32_t");
        return -1;
    }
#endif
    return (int32_t)v;
}

static _HPy_NOINLINE int64_t int64_general(PyObject *o)
{
    return (int64_t)PyLong_AsLongLong(o);
}

int32_t ctx_Long_AsInt32_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    long long v;
    (void)ctx;
    /* one digit fits an int32_t */
    if (o != NULL && PyLong_CheckExact(o) && _HPyLong_SmallValue(o, &v))
        return (int32_t)v;
    return int32_general(o);
}

uint32_t ctx_Long_AsUInt32_t(HPyContext *ctx, HPy h)
{
    unsigned long v = PyLong_AsUnsignedLong(_h2py(h));
    (void)ctx;
    if (v == (unsigned long)-1 && PyErr_Occurred())
        return (uint32_t)-1;
#if ULONG_MAX > UINT32_MAX
    if (v > UINT32_MAX) {
        raise_too_large("uint32_t");
        return (uint32_t)-1;
    }
#endif
    return (uint32_t)v;
}

uint32_t ctx_Long_AsUInt32_tMask(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return (uint32_t)PyLong_AsUnsignedLongMask(_h2py(h));
}

int64_t ctx_Long_AsInt64_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    long long v;
    (void)ctx;
    if (o != NULL && PyLong_CheckExact(o) && _HPyLong_SmallValue(o, &v))
        return (int64_t)v;
    return int64_general(o);
}

uint64_t ctx_Long_AsUInt64_t(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return (uint64_t)PyLong_AsUnsignedLongLong(_h2py(h));
}

uint64_t ctx_Long_AsUInt64_tMask(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return (uint64_t)PyLong_AsUnsignedLongLongMask(_h2py(h));
}
