/* The fast paths of runtime/fast_paths.h read CPython's object layouts,
 * which the stable ABI does not fix: the WebAssembly host has none, and the
 * shared runtime sources take their general path. */
#ifndef HPY_WASM_FAST_PATHS_H
#define HPY_WASM_FAST_PATHS_H
static inline int _HPyLong_SmallValue(PyObject *o, long long *v)
{
    (void)o;
    (void)v;
    return 0;
}
static inline int _HPy_FastLength(PyObject *o, HPy_ssize_t *n)
{
    (void)o;
    (void)n;
    return 0;
}
static inline int _HPy_FastGetItem(PyObject *o, HPy_ssize_t i, PyObject **item)
{
    (void)o;
    (void)i;
    (void)item;
    return 0;
}
static inline int _HPy_FastUTF8(PyObject *o, const char **data, HPy_ssize_t *size)
{
    (void)o;
    (void)data;
    (void)size;
    return 0;
}
/* Only the exact type is decided here; PyObject_TypeCheck does the rest. */
static inline int _HPy_FastTypeCheck(PyObject *o, PyTypeObject *t, int *result)
{
    if (Py_TYPE(o) != t)
        return 0;
    *result = 1;
    return 1;
}
/* The items of a tuple, copied into `items` (see _HPy_TUPLE_ITEMS). */
static inline const HPy *_HPyWasm_TupleItems(PyObject *t, HPy *items)
{
    Py_ssize_t n = PyTuple_Size(t);
    for (Py_ssize_t i = 0; i < n; i++)
        items[i] = _py2h(PyTuple_GetItem(t, i));
    return items;
}
#endif
