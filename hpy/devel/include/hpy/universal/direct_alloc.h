/* Allocation in the extension for the universal ABI (included by
 * hpy_universal.h): HPy_New of a type with the host's tp_alloc marker,
 * HPyTuple_FromArray, HPyField_Store and HPyField_Load answer without a
 * context call where the host enabled it, and otherwise call the context.
 *
 * What they need besides the inline state (_HPyInitDirectInline_<name>)
 * and the reference-count model (_HPyInitDirectRefcount_<name>) comes from
 * _HPyInitDirectAlloc_<name>: the type of plain types (HPy_New reads a
 * type's tp_alloc only after checking that the object is such a type, so
 * that any other object it is given goes to the host, which raises), the
 * allocator that the host's marker stands for, and the host's function
 * that makes a tuple of NULL items. A host calls it only in the state that
 * promises that handles are the PyObject pointers and that these functions
 * would do nothing else (never in the debug and trace modes). */
#ifndef HPY_UNIVERSAL_DIRECT_ALLOC_H
#define HPY_UNIVERSAL_DIRECT_ALLOC_H

/* Allocates an instance of the HPy type `h_type` and returns its zeroed struct via `*data`. */
HPyAPI_FUNC HPy _HPy_New(HPyContext *ctx, HPy h_type, void **data)
{
#if _HPY_DIRECT_INLINE
    /* A type with the marker has the struct at `struct_at` and needs
     * nothing from HPy_New but its tp_alloc (no call function to install,
     * no variable-size base), whose GC tracking is the allocator's. */
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    if (d->alloc_new != NULL && h_type._i != 0) {
        const void *tp = (const void *)h_type._i;
        int cpy64 = _HPY_DIRECT_CPY64(d);
        if (cpy64 ? _HPy_DirectMarkedBy(d, tp, 1, _HPY_CPY64_OB_TYPE_AT, _HPY_CPY64_TP_ALLOC_AT)
                  : _HPy_DirectMarkedBy(d, tp, 1, d->ob_type_at, d->tp_alloc_at)) {
            char *obj = (char *)d->alloc_new((void *)h_type._i, 0);
            if (obj != NULL && data != NULL)
                *data = obj + (cpy64 ? _HPY_CPY64_STRUCT_AT : d->struct_at);
            return _HPy_STRUCT_VALUE(HPy, (intptr_t)obj);
        }
    }
    {
        /* through a local, as in the cpython ABI: the caller's variable
         * (HPy_New(ctx, cls, &self)) then stays in a register on the fast
         * path, where its address escaping to this call kept it in memory */
        void *st;
        HPy h = ctx->ctx_New(ctx, h_type, data != NULL ? &st : NULL);
        if (!HPy_IsNull(h) && data != NULL)
            *data = st;
        return h;
    }
#else
    return ctx->ctx_New(ctx, h_type, data);
#endif
}

/* Creates a `tuple` holding the `n` objects of the array `items`; HPy_NULL with an exception set on error. */
HPyAPI_FUNC HPy HPyTuple_FromArray(HPyContext *ctx, const HPy items[], HPy_ssize_t n)
{
#if _HPY_DIRECT_INLINE
    /* PyTuple_New and an incref per item; bad arguments and a NULL item
     * (looked for first, so that filling cannot fail) go to the host,
     * which raises. */
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    if (d->tuple_new != NULL && d->refcnt_zero != NULL && n >= 0 && (items != NULL || n == 0)) {
        char *t;
        HPy *slots;
        HPy_ssize_t i;
        uint32_t kind;
        for (i = 0; i < n; i++)
            if (items[i]._i == 0)
                return ctx->ctx_Tuple_FromArray(ctx, items, n);
        t = (char *)d->tuple_new(n);
        if (t == NULL)
            return HPy_NULL;
        slots = (HPy *)(void *)(t + d->tuple_items_at);
        kind = d->refcnt_kind; /* once: the stores below may alias `d` */
        for (i = 0; i < n; i++) {
            intptr_t o = items[i]._i;
            if (!_HPy_DirectIncrefKind(d, o, kind))
                _HPy_DirectIncref(d, o);
            slots[i]._i = o;
        }
        return _HPy_STRUCT_VALUE(HPy, (intptr_t)t);
    }
#endif
    return ctx->ctx_Tuple_FromArray(ctx, items, n);
}

/* Writes `h` (or HPy_NULL) into the HPyField `*target_field` inside the struct of `target_object`. */
HPyAPI_FUNC void HPyField_Store(HPyContext *ctx, HPy target_object, HPyField *target_field, HPy h)
{
#if _HPY_DIRECT_INLINE
    /* A field holds the PyObject pointer and a reference to it (the host's
     * ctx_Field_Store): no write barrier in CPython. */
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    if (d->refcnt_zero != NULL && target_field != NULL) {
        intptr_t old = target_field->_i;
        if (h._i != 0)
            _HPy_DirectIncref(d, h._i);
        target_field->_i = h._i;
        /* last: releasing the old value may run arbitrary code */
        if (old != 0)
            _HPy_DirectDecref(d, old);
        return;
    }
#endif
    ctx->ctx_Field_Store(ctx, target_object, target_field, h);
}

/* Reads the HPyField `source_field` of `source_object` as a new handle, or HPy_NULL if the field is empty. */
HPyAPI_FUNC HPy HPyField_Load(HPyContext *ctx, HPy source_object, HPyField source_field)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    if (d->refcnt_zero != NULL) {
        if (source_field._i != 0)
            _HPy_DirectIncref(d, source_field._i);
        return _HPy_STRUCT_VALUE(HPy, source_field._i);
    }
#endif
    return ctx->ctx_Field_Load(ctx, source_object, source_field);
}

/* The binary's part of the handshake (HPy_MODINIT); `alloc_new` is
 * accepted only together with the marker it stands for. */
#ifdef _HPY_NO_DIRECT_TRAMPOLINES
#    define _HPY_DIRECT_ALLOC_SETTER(ext_name)
#else
#    define _HPY_DIRECT_ALLOC_SETTER(ext_name)                                              \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectAlloc_##ext_name(                       \
            const void *type_type, void *(*alloc_new)(void *, HPy_ssize_t),                 \
            void *(*tuple_new)(HPy_ssize_t));                                               \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectAlloc_##ext_name(                       \
            const void *type_type, void *(*alloc_new)(void *, HPy_ssize_t),                 \
            void *(*tuple_new)(HPy_ssize_t))                                                \
        {                                                                                   \
            int marked = _hpy_direct_trampolines.alloc_marker != NULL && type_type != NULL; \
            _hpy_direct_trampolines.type_type = type_type;                                  \
            _hpy_direct_trampolines.alloc_new = marked ? alloc_new : NULL;                  \
            _hpy_direct_trampolines.tuple_new =                                             \
                _hpy_direct_trampolines.tuple_items_at != 0 ? tuple_new : NULL;             \
            return 1;                                                                       \
        }
#endif

#endif /* HPY_UNIVERSAL_DIRECT_ALLOC_H */
