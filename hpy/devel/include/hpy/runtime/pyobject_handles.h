/* Where the C API is visible (the cpython ABI, and inside the CPython host),
 * a handle is the PyObject* itself: converting costs nothing. This is private
 * to those two; universal extensions never look inside a handle. */
#ifndef HPY_RUNTIME_PYOBJECT_HANDLES_H
#define HPY_RUNTIME_PYOBJECT_HANDLES_H

#include "hpy/runtime/pycompat.h"

static inline PyObject *_h2py(HPy h)
{
    return (PyObject *)h._i;
}
static inline HPy _py2h(PyObject *o)
{
    HPy h;
    h._i = (intptr_t)o;
    return h;
}
static inline PyObject *_hf2py(HPyField f)
{
    return (PyObject *)f._i;
}
static inline HPyField _py2hf(PyObject *o)
{
    HPyField f;
    f._i = (intptr_t)o;
    return f;
}
static inline PyObject *_hg2py(HPyGlobal g)
{
    return (PyObject *)g._i;
}
static inline HPyGlobal _py2hg(PyObject *o)
{
    HPyGlobal g;
    g._i = (intptr_t)o;
    return g;
}
static inline PyThreadState *_h2threads(HPyThreadState t)
{
    return (PyThreadState *)t._i;
}
static inline HPyThreadState _threads2h(PyThreadState *s)
{
    HPyThreadState t;
    t._i = (intptr_t)s;
    return t;
}

#ifdef HPY_WASM_HOST
#    include "hpy_wasm_fast_paths.h" /* the stable ABI only: no fast paths */
#else
#    include "hpy/runtime/fast_paths.h"
#endif

/* The items of a tuple of arguments as an array of handles: the tuple's own
 * item array, except in the WebAssembly host, which sees only the stable ABI
 * (where the tuple layout is not fixed) and copies them onto the stack. */
#ifdef HPY_WASM_HOST
#    define _HPy_TUPLE_ITEMS(t) \
        _HPyWasm_TupleItems((t), (HPy *)__builtin_alloca(sizeof(HPy) * (size_t)PyTuple_Size(t) + 1))
#else
#    define _HPy_TUPLE_ITEMS(t) ((const HPy *)&PyTuple_GET_ITEM((t), 0))
#endif

#endif /* HPY_RUNTIME_PYOBJECT_HANDLES_H */
