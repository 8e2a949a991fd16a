/* The members the cpython ABI implements by hand as inline code, because
 * they are on hot paths (the `inline` members of api/context.ts). */
#ifndef HPY_CPYTHON_API_INLINE_H
#define HPY_CPYTHON_API_INLINE_H

HPyAPI_FUNC HPy HPy_Dup(HPyContext *ctx, HPy h)
{
    (void)ctx;
    Py_XINCREF(_h2py(h));
    return h;
}

HPyAPI_FUNC void HPy_Close(HPyContext *ctx, HPy h)
{
    (void)ctx;
    Py_XDECREF(_h2py(h));
}

HPyAPI_FUNC int HPy_Is(HPyContext *ctx, HPy obj, HPy other)
{
    (void)ctx;
    return _h2py(obj) == _h2py(other);
}

HPyAPI_FUNC HPy HPy_Type(HPyContext *ctx, HPy obj)
{
    PyObject *tp = (PyObject *)Py_TYPE(_h2py(obj));
    (void)ctx;
    Py_INCREF(tp);
    return _py2h(tp);
}

HPyAPI_FUNC int HPy_TypeCheck(HPyContext *ctx, HPy obj, HPy type)
{
    PyTypeObject *t = (PyTypeObject *)_h2py(type);
    int r;
    (void)ctx;
    if (_HPy_FastTypeCheck(_h2py(obj), t, &r))
        return r;
    return PyType_IsSubtype(Py_TYPE(_h2py(obj)), t);
}

HPyAPI_FUNC int HPyErr_Occurred(HPyContext *ctx)
{
    (void)ctx;
    return PyErr_Occurred() != NULL;
}

HPyAPI_FUNC HPy HPy_FromPyObject(HPyContext *ctx, cpy_PyObject *obj)
{
    (void)ctx;
    Py_XINCREF(obj);
    return _py2h(obj);
}

HPyAPI_FUNC cpy_PyObject *HPy_AsPyObject(HPyContext *ctx, HPy h)
{
    PyObject *obj = _h2py(h);
    (void)ctx;
    Py_XINCREF(obj);
    return obj;
}

HPyAPI_FUNC void HPyField_Store(HPyContext *ctx, HPy target_object, HPyField *target_field, HPy h)
{
    PyObject *old = _hf2py(*target_field);
    (void)ctx;
    (void)target_object;
    Py_XINCREF(_h2py(h));
    *target_field = _py2hf(_h2py(h));
    Py_XDECREF(old);
}

HPyAPI_FUNC HPy HPyField_Load(HPyContext *ctx, HPy source_object, HPyField source_field)
{
    PyObject *obj = _hf2py(source_field);
    (void)ctx;
    (void)source_object;
    Py_XINCREF(obj);
    return _py2h(obj);
}

HPyAPI_FUNC void HPyGlobal_Store(HPyContext *ctx, HPyGlobal *global, HPy h)
{
    PyObject *old = _hg2py(*global);
    (void)ctx;
    Py_XINCREF(_h2py(h));
    *global = _py2hg(_h2py(h));
    Py_XDECREF(old);
}

HPyAPI_FUNC HPy HPyGlobal_Load(HPyContext *ctx, HPyGlobal global)
{
    PyObject *obj = _hg2py(global);
    (void)ctx;
    Py_XINCREF(obj);
    return _py2h(obj);
}

/* Integer conversions: exact ints in range are converted here; anything
 * else (int subclasses, __index__, errors) goes to the runtime, which also
 * words the errors. */
HPyAPI_FUNC int64_t HPyLong_AsInt64_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    if (o != NULL && PyLong_CheckExact(o)) {
        int overflow;
        long long v;
        if (_HPyLong_SmallValue(o, &v))
            return (int64_t)v;
        v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0)
            return (int64_t)v;
    }
    return ctx_Long_AsInt64_t(ctx, h);
}

HPyAPI_FUNC int32_t HPyLong_AsInt32_t(HPyContext *ctx, HPy h)
{
    PyObject *o = _h2py(h);
    if (o != NULL && PyLong_CheckExact(o)) {
        int overflow;
        long long v;
        if (_HPyLong_SmallValue(o, &v))
            return (int32_t)v;
        v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0 && v >= INT32_MIN && v <= INT32_MAX)
            return (int32_t)v;
    }
    return ctx_Long_AsInt32_t(ctx, h);
}

/* A tuple of the items, built in place (for a constant `n` the compiler
 * unrolls the loops); bad arguments go to the runtime, which reports them. */
HPyAPI_FUNC HPy HPyTuple_FromArray(HPyContext *ctx, const HPy items[], HPy_ssize_t n)
{
    PyObject *t;
    HPy_ssize_t i;
    if (n < 0 || (items == NULL && n > 0))
        return ctx_Tuple_FromArray(ctx, items, n);
    for (i = 0; i < n; i++) {
        if (HPy_IsNull(items[i]))
            return ctx_Tuple_FromArray(ctx, items, n);
    }
    t = PyTuple_New((Py_ssize_t)n);
    if (t == NULL)
        return HPy_NULL;
    for (i = 0; i < n; i++) {
        PyObject *item = _h2py(items[i]);
        Py_INCREF(item);
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, item);
    }
    return _py2h(t);
}

/* The UTF-8 of a compact ASCII str is its data, read in place (see
 * runtime/ctx_unicode.c); anything else goes to the runtime. */
HPyAPI_FUNC const char *HPyUnicode_AsUTF8AndSize(HPyContext *ctx, HPy h, HPy_ssize_t *size)
{
    const char *data;
    if (_HPy_FastUTF8(_h2py(h), &data, size))
        return data;
    return ctx_Unicode_AsUTF8AndSize(ctx, h, size);
}

/* Length of an exact tuple or list read in place, else the general path. */
HPyAPI_FUNC HPy_ssize_t HPy_Length(HPyContext *ctx, HPy h)
{
    HPy_ssize_t n;
    if (_HPy_FastLength(_h2py(h), &n))
        return n;
    return ctx_Length(ctx, h);
}

/* Item of an exact tuple or list by index, else the general path. */
HPyAPI_FUNC HPy HPy_GetItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
    PyObject *item;
    if (_HPy_FastGetItem(_h2py(obj), idx, &item))
        return _py2h(item);
    return ctx_GetItem_i(ctx, obj, idx);
}

/* The struct of an instance of a pure HPy type (Object shape): the fast
 * path of runtime/ctx_type.c's lookup, inline (a type made by this
 * extension on top of `object`; anything else goes to the runtime). */
HPyAPI_FUNC void *_HPy_AsStruct_Object(HPyContext *ctx, HPy h)
{
    void *data = _HPyType_MarkedStruct(_h2py(h));
    return data != NULL ? data : ctx_AsStruct_Object(ctx, h);
}

#endif /* HPY_CPYTHON_API_INLINE_H */
