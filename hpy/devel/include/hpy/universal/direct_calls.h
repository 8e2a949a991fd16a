/* The universal ABI's hand-written wrappers of hot calls on built-in objects
 * (`universalInline` in api/context.ts): HPy_Length and HPy_GetItem_i of an
 * exact tuple, HPyUnicode_AsUTF8AndSize of an exact compact ASCII str, and
 * HPyLong_FromInt64_t/HPyLong_FromSsize_t of a value in CPython's cache of
 * small ints. In those cases each answers in the extension what the host's
 * context function would answer; everything else, and every call in a
 * binary the host did not enable (upstream's hosts, debug and trace
 * modes), calls the context as before.
 *
 * Included by hpy_universal.h, after the inline reference counts these
 * paths use. */
#ifndef HPY_UNIVERSAL_DIRECT_CALLS_H
#define HPY_UNIVERSAL_DIRECT_CALLS_H

/* What the host hands over through _HPyInitDirectCalls_<name> (see
 * HPy_MODINIT), all zero until then:
 * - `tuple_type`: the address of the tuple type (an exact tuple keeps its
 *   size and items where _hpy_direct_trampolines says);
 * - `str_type`: the address of the str type; an exact str whose 32-bit word
 *   at `str_state_at`, masked with `str_ascii_mask`, is `str_ascii_bits` is
 *   compact ASCII: its UTF-8 is its own data, at `str_data_at`, and its
 *   length a Py_ssize_t at `str_length_at`;
 * - `small_ints`: the object of the int `small_int_min`; the int `v` for
 *   `small_int_min <= v < small_int_min + small_int_count` is the object
 *   at `small_ints + (v - small_int_min) * small_int_stride`, the one
 *   CPython returns for it (the host checked each at start-up). */
typedef struct {
    intptr_t tuple_type;
    intptr_t str_type;
    HPy_ssize_t str_state_at;
    uint32_t str_ascii_mask;
    uint32_t str_ascii_bits;
    HPy_ssize_t str_length_at;
    HPy_ssize_t str_data_at;
    intptr_t small_ints;
    HPy_ssize_t small_int_stride;
    int64_t small_int_min;
    uint64_t small_int_count;
    /* Not from the host: set by the binary to `tuple_type` where it has
     * the reference-count model (HPy_GetItem_i returns a new reference),
     * else 0. */
    intptr_t tuple_type_rc;
} _HPyDirectCalls;

#ifndef HPY_HOST
#    ifdef HPY_EMBEDDED_MODULES
static _HPyDirectCalls _hpy_direct_calls;
#    else
extern _HPy_HIDDEN _HPyDirectCalls _hpy_direct_calls;
#    endif
#endif

#if _HPY_DIRECT_INLINE
#    define _HPY_DIRECT_TYPE_OF(o) \
        ((intptr_t)_HPY_DIRECT_AT((o), _hpy_direct_trampolines.ob_type_at, void *))
/* The int `v` from CPython's cache as a new reference, where the host
 * enabled it (`small_int_count` is 0 until then, and without the
 * reference-count model). */
#    define _HPY_DIRECT_SMALL_INT(v)                                                \
        do {                                                                        \
            const _HPyDirectCalls *c_ = &_hpy_direct_calls;                         \
            uint64_t i_ = (uint64_t)(v) - (uint64_t)c_->small_int_min;              \
            if (i_ < c_->small_int_count) {                                         \
                intptr_t o_ = c_->small_ints + (intptr_t)i_ * c_->small_int_stride; \
                _HPy_DirectIncref(&_hpy_direct_trampolines, o_);                    \
                return _HPy_STRUCT_VALUE(HPy, o_);                                  \
            }                                                                       \
        } while (0)
#endif

/* Creates a Python `int` from a C `int64_t`; HPy_NULL with an exception set on error. */
HPyAPI_FUNC HPy HPyLong_FromInt64_t(HPyContext *ctx, int64_t v)
{
#if _HPY_DIRECT_INLINE
    _HPY_DIRECT_SMALL_INT(v);
#endif
    return ctx->ctx_Long_FromInt64_t(ctx, v);
}

/* Like `PyLong_FromSsize_t`: creates a Python `int` from an `HPy_ssize_t`; HPy_NULL on error. */
HPyAPI_FUNC HPy HPyLong_FromSsize_t(HPyContext *ctx, HPy_ssize_t value)
{
#if _HPY_DIRECT_INLINE
    _HPY_DIRECT_SMALL_INT(value);
#endif
    return ctx->ctx_Long_FromSsize_t(ctx, value);
}

/* Like `len(h)` (`PyObject_Length`): returns the length of the object, or -1 with an exception set. */
HPyAPI_FUNC HPy_ssize_t HPy_Length(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectCalls *c = &_hpy_direct_calls;
    if (c->tuple_type != 0 && h._i != 0 && _HPY_DIRECT_TYPE_OF(h._i) == c->tuple_type)
        return _HPy_DIRECT_TUPLE_SIZE(h._i);
#endif
    return ctx->ctx_Length(ctx, h);
}

/* Returns `obj[idx]` for a C integer index; HPy_NULL with an exception set on error. */
HPyAPI_FUNC HPy HPy_GetItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
#if _HPY_DIRECT_INLINE
    /* an index out of range goes to the host, which raises IndexError */
    const _HPyDirectCalls *c = &_hpy_direct_calls;
    if (c->tuple_type_rc != 0 && obj._i != 0 && _HPY_DIRECT_TYPE_OF(obj._i) == c->tuple_type_rc &&
        (size_t)idx < (size_t)_HPy_DIRECT_TUPLE_SIZE(obj._i)) {
        HPy item = _HPy_DIRECT_TUPLE_ITEMS(obj._i)[idx];
        _HPy_DirectIncref(&_hpy_direct_trampolines, item._i);
        return item;
    }
#endif
    return ctx->ctx_GetItem_i(ctx, obj, idx);
}

/* Like `PyUnicode_AsUTF8AndSize`: returns a `str` as UTF-8, its length in `*size` if non-NULL; NULL on error. */
HPyAPI_FUNC const char *HPyUnicode_AsUTF8AndSize(HPyContext *ctx, HPy h, HPy_ssize_t *size)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectCalls *c = &_hpy_direct_calls;
    if (c->str_type != 0 && h._i != 0 && _HPY_DIRECT_TYPE_OF(h._i) == c->str_type &&
        (_HPY_DIRECT_AT(h._i, c->str_state_at, uint32_t) & c->str_ascii_mask) ==
            c->str_ascii_bits) {
        if (size != NULL)
            *size = _HPY_DIRECT_AT(h._i, c->str_length_at, HPy_ssize_t);
        return (const char *)h._i + c->str_data_at;
    }
#endif
    return ctx->ctx_Unicode_AsUTF8AndSize(ctx, h, size);
}

/* Defined by HPy_MODINIT. _HPyInitDirectCalls_<name> is one more step of
 * this implementation's private handshake (docs/internals.md), which the
 * host takes only after _HPyInitDirectInline_<name>: it copies what the
 * host offers if the host's struct has this binary's size, and returns
 * whether it did. The host takes it after _HPyInitDirectRefcount_<name>. */
#ifdef HPY_EMBEDDED_MODULES
#    define _HPY_DIRECT_CALLS_DEFINITION
#else
#    define _HPY_DIRECT_CALLS_DEFINITION _HPy_HIDDEN _HPyDirectCalls _hpy_direct_calls;
#endif

#ifdef _HPY_NO_DIRECT_TRAMPOLINES
#    define _HPY_DIRECT_CALLS_SETTER(ext_name)
#else
#    define _HPY_DIRECT_CALLS_SETTER(ext_name)                                                     \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectCalls_##ext_name(const _HPyDirectCalls *offer, \
                                                                     size_t offer_size);           \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectCalls_##ext_name(const _HPyDirectCalls *offer, \
                                                                     size_t offer_size)            \
        {                                                                                          \
            if (offer_size != sizeof(_HPyDirectCalls))                                             \
                return 0;                                                                          \
            _hpy_direct_calls = *offer;                                                            \
            /* new references: only with the host's model */                                       \
            _hpy_direct_calls.tuple_type_rc = 0;                                                   \
            if (_hpy_direct_trampolines.refcnt_zero != NULL)                                       \
                _hpy_direct_calls.tuple_type_rc = offer->tuple_type;                               \
            else                                                                                   \
                _hpy_direct_calls.small_int_count = 0;                                             \
            return 1;                                                                              \
        }
#endif

#endif /* HPY_UNIVERSAL_DIRECT_CALLS_H */
