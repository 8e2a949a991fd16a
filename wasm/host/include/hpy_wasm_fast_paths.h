/* The fast paths of the hot context functions in the WebAssembly host (the
 * CPython host's are in runtime/fast_paths.h). They read object layouts the
 * stable ABI does not fix, so each works only if the host's start-up check
 * (ctx_type_wasm_data.c) found the layout of this CPython to be the one
 * assumed here, comparing it with what CPython's own functions return; the
 * bits of _HPyWasm_fast (Python.h, with the in-place item access of
 * tuples and lists) say which passed. When one did not, the
 * shared runtime sources take their general path (a call into CPython). */
#ifndef HPY_WASM_FAST_PATHS_H
#define HPY_WASM_FAST_PATHS_H

/* PyLongObject of CPython 3.12-3.14: lv_tag, then 30-bit digits. */
typedef struct {
    PyObject ob_base;
    uintptr_t lv_tag; /* the digit count from bit 3 on; bits 0-1: the sign */
    uint32_t ob_digit[1];
} _HPyWasm_Long;

/* PyASCIIObject of CPython 3.12-3.14; a compact ASCII str's characters
 * (NUL-terminated, its UTF-8) follow it. */
typedef struct {
    PyObject ob_base;
    Py_ssize_t length;
    Py_hash_t hash;
    uint32_t state; /* interned:2, kind:3, compact:1, ascii:1, ... */
} _HPyWasm_ASCII;
#define _HPyWasm_STATE_COMPACT_ASCII 0x7cu    /* kind, compact and ascii bits */
#define _HPyWasm_STATE_IS_COMPACT_ASCII 0x64u /* kind 1, compact, ascii */

/* The value of an int of at most one digit (compact), read in place. */
static inline int _HPyLong_SmallValue(PyObject *o, long long *v)
{
    const _HPyWasm_Long *l = (const _HPyWasm_Long *)(const void *)o;
    if (!(_HPyWasm_fast & _HPyWasm_FAST_LONG) || l->lv_tag >= (2u << 3))
        return 0;
    *v = (long long)(1 - (long long)(l->lv_tag & 3)) * (long long)l->ob_digit[0];
    return 1;
}

/* The size of an exact tuple or list (`o` may be NULL): ob_size, which the
 * stable ABI fixes (PyVarObject). */
static inline int _HPy_FastLength(PyObject *o, HPy_ssize_t *n)
{
    if (o == NULL || (Py_TYPE(o) != &PyTuple_Type && Py_TYPE(o) != &PyList_Type))
        return 0;
    *n = Py_SIZE(o);
    return 1;
}

/* A new reference to item `idx` of an exact tuple or list, for an index in
 * range (`o` may be NULL). */
static inline int _HPy_FastGetItem(PyObject *o, HPy_ssize_t idx, PyObject **item)
{
    if (o == NULL || idx < 0)
        return 0;
    if (Py_TYPE(o) == &PyTuple_Type && (_HPyWasm_fast & _HPyWasm_FAST_TUPLE) && idx < Py_SIZE(o))
        *item = _HPyWasm_TupleArray(o)[idx];
    else if (Py_TYPE(o) == &PyList_Type && (_HPyWasm_fast & _HPyWasm_FAST_LIST) && idx < Py_SIZE(o))
        *item = ((_HPyWasm_List *)(void *)o)->ob_item[idx];
    else
        return 0;
    Py_INCREF(*item);
    return 1;
}

/* The UTF-8 of an exact compact ASCII str: its own characters. */
static inline int _HPy_FastUTF8(PyObject *o, const char **data, HPy_ssize_t *size)
{
    const _HPyWasm_ASCII *s = (const _HPyWasm_ASCII *)(const void *)o;
    if (o == NULL || Py_TYPE(o) != &PyUnicode_Type || !(_HPyWasm_fast & _HPyWasm_FAST_STR) ||
        (s->state & _HPyWasm_STATE_COMPACT_ASCII) != _HPyWasm_STATE_IS_COMPACT_ASCII)
        return 0;
    if (size != NULL)
        *size = s->length;
    *data = (const char *)(s + 1);
    return 1;
}

/* HPy_TypeCheck's fast path is the CPython host's, with the flags read
 * through PyType_GetFlags (in place once checked) and only once the start-up
 * check has turned it on. */
#define _HPy_FAST_TYPE_FLAGS(t) PyType_GetFlags(t)
#define _HPy_FAST_TYPE_ENABLED() ((_HPyWasm_fast & _HPyWasm_FAST_TYPE) != 0)
#include "hpy/runtime/fast_type_check.h"

/* The items of a tuple, copied into `items` (see _HPy_TUPLE_ITEMS). */
static inline const HPy *_HPyWasm_TupleItems(PyObject *t, HPy *items)
{
    Py_ssize_t n, i;
    if (Py_TYPE(t) == &PyTuple_Type && (_HPyWasm_fast & _HPyWasm_FAST_TUPLE)) {
        PyObject **a = _HPyWasm_TupleArray(t);
        n = Py_SIZE(t);
        for (i = 0; i < n; i++)
            items[i] = _py2h(a[i]);
        return items;
    }
    n = PyTuple_Size(t);
    for (i = 0; i < n; i++)
        items[i] = _py2h(PyTuple_GetItem(t, i));
    return items;
}
#endif
