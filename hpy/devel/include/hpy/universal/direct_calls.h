/* The universal ABI's hand-written wrappers of hot calls on built-in objects
 * (`universalInline` in api/context.ts): HPy_Length and HPy_GetItem_i of an
 * exact tuple, HPyUnicode_AsUTF8AndSize of an exact compact ASCII str,
 * HPyLong_FromInt64_t/HPyLong_FromSsize_t of a value in CPython's cache of
 * small ints, and HPyLong_AsInt32_t/AsInt64_t/AsSsize_t of an exact int of
 * at most one digit. In those cases each answers in the extension what the
 * host's context function would answer; everything else, and every call
 * in a binary the host did not enable (upstream's hosts, debug and trace
 * modes), calls the context as before, through a cold out-of-line helper.
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
 *   CPython returns for it (the host checked each at start-up);
 * - from the second version of the struct on (a host of the first passes
 *   _HPY_DIRECT_CALLS_SIZE_1): `long_type`, the address of the int type,
 *   whose exact instances have the layout `long_kind` (_HPY_LONG_KIND_*,
 *   checked by the host with _HPy_DirectCompactLongBy).
 * The binary's own copy differs: a type it must not answer for is 0 (see
 * _HPy_DirectCallsTake). Each path tests its type field before it reads
 * anything through a handle: in a binary the host did not enable, handles
 * need not be pointers (upstream's host: indices into its table). */
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
     * the reference-count model (HPy_GetItem_i returns a new reference). */
    intptr_t tuple_type_rc;
    intptr_t long_type;
    uint32_t long_kind;
    uint32_t long_reserved;
    /* Not from the host: `long_type` in the field of its kind. */
    intptr_t long_type_size;
    intptr_t long_type_tag;
} _HPyDirectCalls;

/* The size of the struct's first version (up to `tuple_type_rc`). */
#define _HPY_DIRECT_CALLS_SIZE_1 ((size_t)offsetof(_HPyDirectCalls, long_type))

/* The standard object header (CPython's default builds, 64-bit and
 * wasm32): the type one word in, a tuple's size two words in (its items
 * follow at once up to 3.13, after a cached hash from 3.14: read from
 * _hpy_direct_trampolines); an int's ob_size (up to 3.11) or lv_tag (3.12
 * on) two words in and its first digit after it. The inline paths use
 * these as constants, and are enabled only where the host's offsets are
 * exactly these. */
#define _HPY_STD_OB_TYPE_AT ((HPy_ssize_t)sizeof(void *))
#define _HPY_STD_VAR_SIZE_AT ((HPy_ssize_t)(2 * sizeof(void *)))
#define _HPY_STD_VAR_ITEMS_AT ((HPy_ssize_t)(3 * sizeof(void *)))

/* long_kind: an int whose word at _HPY_STD_VAR_SIZE_AT is its signed
 * number of 30-bit digits (CPython up to 3.11), or a tag with the number
 * of digits from bit 3 and the sign in the two low bits (0 positive, 1
 * zero, 2 negative; 3.12 on); the first digit a uint32_t after it. */
#define _HPY_LONG_KIND_SIZE 1u
#define _HPY_LONG_KIND_TAG 2u

/* The value of the exact int `h` of the layout `kind` into `*v` if it has
 * at most one digit (then it fits every C integer type of the API);
 * returns 0 otherwise. The host's probe runs it too. */
static inline int _HPy_DirectCompactLongBy(intptr_t h, uint32_t kind, int64_t *v)
{
    HPy_ssize_t w = *(const HPy_ssize_t *)(const void *)((const char *)h + _HPY_STD_VAR_SIZE_AT);
    uint32_t digit = *(const uint32_t *)(const void *)((const char *)h + _HPY_STD_VAR_ITEMS_AT);
    if (kind == _HPY_LONG_KIND_SIZE && (size_t)w + 1 <= 2) {
        *v = (int64_t)w * (int64_t)digit;
        return 1;
    }
    if (kind == _HPY_LONG_KIND_TAG && (size_t)w < 16) {
        *v = (int64_t)(1 - (w & 3)) * (int64_t)digit;
        return 1;
    }
    return 0;
}

#ifndef _HPY_DIRECT_SLOW
/* the host's build of these headers (hpy_universal.h) */
#    define _HPY_DIRECT_SLOW static inline
#endif

#ifndef HPY_HOST
#    ifdef HPY_EMBEDDED_MODULES
static _HPyDirectCalls _hpy_direct_calls;
#    else
extern _HPy_HIDDEN _HPyDirectCalls _hpy_direct_calls;
#    endif
#endif

#if _HPY_DIRECT_INLINE
/* The type of `o` (o != 0), read where the inline paths are enabled. */
#    define _HPY_DIRECT_STD_TYPE(o) _HPY_DIRECT_AT((o), _HPY_STD_OB_TYPE_AT, intptr_t)
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

/* The value of `h` if it is an exact int of at most one digit (see
 * _HPy_DirectCompactLongBy); else 0, and the host must answer. */
static inline int _HPy_DirectCompactLong(intptr_t h, int64_t *v)
{
    const _HPyDirectCalls *c = &_hpy_direct_calls;
    intptr_t tp;
    if (c->long_type == 0 || h == 0)
        return 0;
    tp = _HPY_DIRECT_STD_TYPE(h);
    if (tp == c->long_type_size)
        return _HPy_DirectCompactLongBy(h, _HPY_LONG_KIND_SIZE, v);
    if (tp == c->long_type_tag)
        return _HPy_DirectCompactLongBy(h, _HPY_LONG_KIND_TAG, v);
    return 0;
}
#endif

/* The int conversions call the host from the caller (no _HPY_DIRECT_SLOW
 * helper): an int outside the small-int cache, or wider than one
 * digit, is common, not exceptional. Timed on CPython 3.11 with them cold:
 * alloc_int_tuple 1.11 -> 1.19 and slot_add_new 1.09 -> 1.16 times the
 * C API (the extra call of the helper), where call_keywords, which makes
 * none of these calls, keeps its gain from the cold paths of the others. */

/* Like `PyLong_AsLong` (so `__index__` is accepted), then checked against the range of `int32_t`; returns -1 with an exception set on error. */
HPyAPI_FUNC int32_t HPyLong_AsInt32_t(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    int64_t v;
    if (_HPy_DirectCompactLong(h._i, &v))
        return (int32_t)v;
#endif
    return ctx->ctx_Long_AsInt32_t(ctx, h);
}

/* Like `PyLong_AsLongLong` (so `__index__` is accepted); returns -1 with an exception set on error. */
HPyAPI_FUNC int64_t HPyLong_AsInt64_t(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    int64_t v;
    if (_HPy_DirectCompactLong(h._i, &v))
        return v;
#endif
    return ctx->ctx_Long_AsInt64_t(ctx, h);
}

/* Like `PyLong_AsSsize_t`: converts an `int` to `HPy_ssize_t`; -1 with an exception set on error. */
HPyAPI_FUNC HPy_ssize_t HPyLong_AsSsize_t(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    int64_t v;
    if (_HPy_DirectCompactLong(h._i, &v))
        return (HPy_ssize_t)v;
#endif
    return ctx->ctx_Long_AsSsize_t(ctx, h);
}

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

_HPY_DIRECT_SLOW HPy_ssize_t _HPy_LengthSlow(HPyContext *ctx, HPy h)
{
    return ctx->ctx_Length(ctx, h);
}

/* Like `len(h)` (`PyObject_Length`): returns the length of the object, or -1 with an exception set. */
HPyAPI_FUNC HPy_ssize_t HPy_Length(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    intptr_t tuple_type = _hpy_direct_calls.tuple_type;
    if (tuple_type != 0 && h._i != 0 && _HPY_DIRECT_STD_TYPE(h._i) == tuple_type)
        return _HPY_DIRECT_AT(h._i, _HPY_STD_VAR_SIZE_AT, HPy_ssize_t);
#endif
    return _HPy_LengthSlow(ctx, h);
}

_HPY_DIRECT_SLOW HPy _HPy_GetItem_iSlow(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
    return ctx->ctx_GetItem_i(ctx, obj, idx);
}

/* Returns `obj[idx]` for a C integer index; HPy_NULL with an exception set on error. */
HPyAPI_FUNC HPy HPy_GetItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
#if _HPY_DIRECT_INLINE
    /* an index out of range goes to the host, which raises IndexError */
    intptr_t tuple_type = _hpy_direct_calls.tuple_type_rc;
    if (tuple_type != 0 && obj._i != 0 && _HPY_DIRECT_STD_TYPE(obj._i) == tuple_type &&
        (size_t)idx < (size_t)_HPY_DIRECT_AT(obj._i, _HPY_STD_VAR_SIZE_AT, HPy_ssize_t)) {
        HPy item = _HPy_DIRECT_TUPLE_ITEMS(obj._i)[idx];
        _HPy_DirectIncref(&_hpy_direct_trampolines, item._i);
        return item;
    }
#endif
    return _HPy_GetItem_iSlow(ctx, obj, idx);
}

_HPY_DIRECT_SLOW const char *_HPyUnicode_AsUTF8AndSizeSlow(HPyContext *ctx, HPy h,
                                                           HPy_ssize_t *size)
{
    return ctx->ctx_Unicode_AsUTF8AndSize(ctx, h, size);
}

/* Like `PyUnicode_AsUTF8AndSize`: returns a `str` as UTF-8, its length in `*size` if non-NULL; NULL on error. */
HPyAPI_FUNC const char *HPyUnicode_AsUTF8AndSize(HPyContext *ctx, HPy h, HPy_ssize_t *size)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectCalls *c = &_hpy_direct_calls;
    if (c->str_type != 0 && h._i != 0 && _HPY_DIRECT_STD_TYPE(h._i) == c->str_type &&
        (_HPY_DIRECT_AT(h._i, c->str_state_at, uint32_t) & c->str_ascii_mask) ==
            c->str_ascii_bits) {
        if (size != NULL)
            *size = _HPY_DIRECT_AT(h._i, c->str_length_at, HPy_ssize_t);
        return (const char *)h._i + c->str_data_at;
    }
    {
        /* through a local, so that the caller's size (a `&n`) stays in a
         * register on the fast path */
        HPy_ssize_t n;
        const char *r = _HPyUnicode_AsUTF8AndSizeSlow(ctx, h, size != NULL ? &n : NULL);
        if (r != NULL && size != NULL)
            *size = n;
        return r;
    }
#else
    return _HPyUnicode_AsUTF8AndSizeSlow(ctx, h, size);
#endif
}

#ifndef HPY_HOST
/* What the binary keeps of the host's offer (`offer_size` bytes of it):
 * every type it may answer for, else 0. Only where the
 * inline step gave the standard offsets, and the calls that return a new
 * reference only with the reference-count model. */
static inline void _HPy_DirectCallsTake(_HPyDirectCalls *c, const _HPyDirectCalls *offer,
                                        size_t offer_size, const _HPyDirectTrampolines *d)
{
    int std_type = d->ob_type_at == _HPY_STD_OB_TYPE_AT;
    int std_tuple = std_type && d->tuple_size_at == _HPY_STD_VAR_SIZE_AT;
    int model = d->refcnt_zero != NULL;
    size_t i;
    for (i = 0; i < sizeof(*c); i++)
        ((char *)c)[i] = 0;
    for (i = 0; i < offer_size; i++)
        ((char *)c)[i] = ((const char *)offer)[i];
    if (!std_tuple)
        c->tuple_type = 0;
    c->tuple_type_rc = model ? c->tuple_type : 0;
    if (!std_type)
        c->str_type = 0;
    if (!model)
        c->small_int_count = 0;
    c->long_type_size = 0;
    c->long_type_tag = 0;
    if (std_type && c->long_kind == _HPY_LONG_KIND_SIZE)
        c->long_type_size = c->long_type;
    else if (std_type && c->long_kind == _HPY_LONG_KIND_TAG)
        c->long_type_tag = c->long_type;
    else
        c->long_type = 0;
}
#endif

/* Defined by HPy_MODINIT. _HPyInitDirectCalls_<name> is one more step of
 * this implementation's private handshake (docs/internals.md), which the
 * host takes after _HPyInitDirectRefcount_<name>: it keeps what the host
 * offers if `offer_size` is the size of this struct or of its first
 * version (a longer struct is refused rather than misread: the host then
 * offers the first version), and returns whether it did. Until then, and
 * in binaries the host never offers it to, every field is 0. */
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
            if (offer_size != sizeof(_HPyDirectCalls) && offer_size != _HPY_DIRECT_CALLS_SIZE_1)   \
                return 0;                                                                          \
            _HPy_DirectCallsTake(&_hpy_direct_calls, offer, offer_size, &_hpy_direct_trampolines); \
            return 1;                                                                              \
        }
#endif

#endif /* HPY_UNIVERSAL_DIRECT_CALLS_H */
