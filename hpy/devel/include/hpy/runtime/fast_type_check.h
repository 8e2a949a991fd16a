/* The fast path of HPy_TypeCheck, for both hosts: the CPython host's
 * runtime/fast_paths.h and the WebAssembly host's hpy_wasm_fast_paths.h
 * include it. The WebAssembly host sees type objects only through the
 * stable ABI, so it reads the flags of a type in its own way and turns the
 * fast path on only after a start-up check of the layout: it defines
 * _HPy_FAST_TYPE_FLAGS(t) and _HPy_FAST_TYPE_ENABLED() before including
 * this header. By default the flags are read in place and the fast path
 * is always on, so natively the code is what it would be without them. */
#ifndef HPY_RUNTIME_FAST_TYPE_CHECK_H
#define HPY_RUNTIME_FAST_TYPE_CHECK_H

#ifndef _HPy_FAST_TYPE_FLAGS
#    define _HPy_FAST_TYPE_FLAGS(t) ((t)->tp_flags)
#endif
#ifndef _HPy_FAST_TYPE_ENABLED
#    define _HPy_FAST_TYPE_ENABLED() 1
#endif

/* The tp_flags bits CPython gives every subclass of int, list, tuple,
 * bytes, str, dict, BaseException and type (PyLong_Check and co. test them). */
#define _HPy_FAST_SUBCLASS_BITS                                                           \
    (Py_TPFLAGS_LONG_SUBCLASS | Py_TPFLAGS_LIST_SUBCLASS | Py_TPFLAGS_TUPLE_SUBCLASS |    \
     Py_TPFLAGS_BYTES_SUBCLASS | Py_TPFLAGS_UNICODE_SUBCLASS | Py_TPFLAGS_DICT_SUBCLASS | \
     Py_TPFLAGS_BASE_EXC_SUBCLASS | Py_TPFLAGS_TYPE_SUBCLASS)

/* The index of the fast-subclass flag `bit` (one of the bits above, or
 * several: then the lowest), 0 for Py_TPFLAGS_LONG_SUBCLASS (1 << 24) to 7
 * for Py_TPFLAGS_TYPE_SUBCLASS (1 << 31). */
static inline unsigned int _HPy_FastSubclassIndex(unsigned long bit)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned int)__builtin_ctzl(bit) - 24u;
#else
    unsigned int i = 0;
    while (!(bit & (Py_TPFLAGS_LONG_SUBCLASS << i)))
        i++;
    return i;
#endif
}

/* The builtin type whose fast-subclass flag has the index `i` (0 to 7, as
 * above): one list of the eight, which the CPython host also offers to the
 * universal binaries (entry_points.c). */
static inline PyTypeObject *_HPy_FastSubclassBuiltin(unsigned int i)
{
    /* in the order of the bits (BaseException is a variable, not an
     * address: it is read on its own) */
    static PyTypeObject *const builtins[8] = {
        &PyLong_Type,    &PyList_Type, &PyTuple_Type, &PyBytes_Type,
        &PyUnicode_Type, &PyDict_Type, NULL,          &PyType_Type,
    };
    return i == 6 ? (PyTypeObject *)PyExc_BaseException : builtins[i];
}

/* isinstance(o, t) for an object `o` and a type `t`, where the flags decide
 * it without walking the MRO: `o`'s type is `t`, or `t` is one of the
 * builtin types above and the flag of `o`'s type answers, as PyLong_Check
 * and friends do. Checking an object against int, tuple... is then as cheap
 * as in C API code. The flag is trusted only on those eight types
 * themselves: a C type may set one in its flags without having the base,
 * and its subclasses do not inherit it (CPython gives it by the base), so
 * for any other `t` the flag of `o`'s type proves nothing. Returns whether
 * it decided (then *result is the answer). */
static inline int _HPy_FastTypeCheck(PyObject *o, PyTypeObject *t, int *result)
{
    PyTypeObject *ot = Py_TYPE(o);
    unsigned long bit;
    if (ot == t) {
        *result = 1;
        return 1;
    }
    if (!_HPy_FAST_TYPE_ENABLED())
        return 0;
    if (t == &PyLong_Type) { /* the common check first, without the flags of `t` */
        bit = Py_TPFLAGS_LONG_SUBCLASS;
    }
    else {
        bit = _HPy_FAST_TYPE_FLAGS(t) & _HPy_FAST_SUBCLASS_BITS;
        if (bit == 0)
            return 0;
        if (t != _HPy_FastSubclassBuiltin(_HPy_FastSubclassIndex(bit)))
            return 0;
    }
    *result = (_HPy_FAST_TYPE_FLAGS(ot) & bit) != 0;
    return 1;
}

#endif /* HPY_RUNTIME_FAST_TYPE_CHECK_H */
