/* The universal and hybrid ABIs: every API function calls through the
 * context given by the host, and the module exports the four symbols the
 * host looks up (see HPy_MODINIT). */
#ifndef HPY_UNIVERSAL_HPY_UNIVERSAL_H
#define HPY_UNIVERSAL_HPY_UNIVERSAL_H

#include "hpy/universal/autogen_ctx.h"
#include "hpy/universal/autogen_wrappers.h"

/* Does not return: reports `message` and aborts the process. */
_HPy_NO_RETURN HPyAPI_FUNC void HPy_FatalError(HPyContext *ctx, const char *message)
{
    ctx->ctx_FatalError(ctx, message);
    abort(); /* in case the host returns */
}

/* The context handed over by the host at load time, which the CPython-side
 * trampolines use (they are called by CPython, without a context). One per
 * binary; with HPY_EMBEDDED_MODULES one per translation unit.
 *
 * _hpy_direct_trampolines: `signatures` (one bit per HPyFunc_Signature
 * value) are those whose trampolines call the implementation themselves
 * instead of going through ctx_CallRealFunctionFromTrampoline; the offsets
 * say where a tuple keeps its size and its items (for tp_new and tp_init,
 * whose arguments come in a tuple). All zero unless the host calls
 * _HPyInitDirectTrampolines_<name> (see HPy_MODINIT), which a host does
 * only when it gave the binary a context in which a handle is the PyObject
 * pointer and that function would do nothing but call the implementation;
 * other hosts, and the debug and trace modes, never do. */
typedef void (*_HPyDirectMarker)(void);
/* The size of the hash of the types with a fast-subclass flag (a power of
 * two, four times the 8 types of CPython: a random multiplier spreads them
 * with a chance of about 0.39, so that one is found in a few tries; with
 * twice as many slots the chance is 0.05, and the search failed now and
 * then for the addresses of one run). */
#define _HPY_TFLAGS_SLOT_BITS 5
#define _HPY_TFLAGS_SLOTS (1 << _HPY_TFLAGS_SLOT_BITS)
typedef struct {
    uint64_t signatures;
    HPy_ssize_t tuple_size_at;
    HPy_ssize_t tuple_items_at;
    /* The inline fast paths of the API functions below, all zero unless
     * the host calls _HPyInitDirectInline_<name> too (after
     * _HPyInitDirectTrampolines_<name>, in the same context): where an
     * object keeps its type, a type its tuple of bases in method resolution
     * order (0: HPy_TypeCheck asks the host unless the type is exact) and
     * its tp_alloc, the tp_alloc that marks a type whose instances have
     * their struct at `struct_at` (NULL: AsStruct always asks the host). */
    HPy_ssize_t ob_type_at;
    HPy_ssize_t tp_mro_at;
    HPy_ssize_t tp_alloc_at;
    _HPyDirectMarker alloc_marker;
    HPy_ssize_t struct_at;
    /* The host's reference-count model, all zero unless the host calls
     * _HPyInitDirectRefcount_<name> too (after _HPyInitDirectInline_<name>,
     * having checked the model against the running interpreter): where
     * an object keeps its count (`refcnt_at`, a Py_ssize_t) and that
     * word's low 32 bits (`refcnt_low_at`); `refcnt_flags` (_HPY_RC_*)
     * say which of the two an incref and a decref change and whether
     * immortal objects exist: then an incref leaves an object whose low
     * word is at least `incref_stop` alone, a decref one whose low word
     * is at least `decref_stop`. `refcnt_zero` (NULL: no model) is the
     * host's function for an object whose count a decref took to zero. */
    HPy_ssize_t refcnt_at;
    HPy_ssize_t refcnt_low_at;
    uint32_t refcnt_flags;
    uint32_t incref_stop;
    uint32_t decref_stop;
    /* Which of the common native models the one above is (_HPY_RC_KIND_*,
     * set with it from _HPy_DirectRefcntKind), so that the inline paths
     * use constants for it; 0: read the model from the fields. */
    uint32_t refcnt_kind;
    /* Whether the offsets above are those of 64-bit CPython
     * (_HPY_LAYOUT_KIND_CPY64, set by _HPyInitDirectInline_<name> from
     * _HPy_DirectLayoutKind), so that the inline paths use constants for
     * them; 0: read them from the fields. */
    uint32_t layout_kind;
    void (*refcnt_zero)(void *);
    /* Allocation (direct_alloc.h), all zero unless the host calls
     * _HPyInitDirectAlloc_<name> too (after _HPyInitDirectInline_<name>
     * and _HPyInitDirectRefcount_<name>): the type of the types HPy_New
     * looks into (`type_type`), the allocator that `alloc_marker` stands for
     * (NULL: HPy_New always asks the host) and the function that makes a
     * tuple of `n` NULL items (NULL: HPyTuple_FromArray asks the host). */
    const void *type_type;
    void *(*alloc_new)(void *type, HPy_ssize_t nitems);
    void *(*tuple_new)(HPy_ssize_t n);
    /* The fast-subclass flags (HPy_TypeCheck below), all zero unless the
     * host calls _HPyInitDirectTypeFlags_<name> too (after
     * _HPyInitDirectInline_<name>): where a type keeps the 32 bits of its
     * tp_flags that hold them, and the types that own such a flag in a
     * perfect hash by address (the binary's own geometry): slot
     * _HPy_DirectTFlagsSlot(tflags_hash, type) holds the type (NULL: none)
     * and its flag (0: none). */
    HPy_ssize_t tp_flags_at;
    uintptr_t tflags_hash;
    uint32_t tflags_flag[_HPY_TFLAGS_SLOTS];
    const void *tflags_types[_HPY_TFLAGS_SLOTS];
} _HPyDirectTrampolines;

/* refcnt_flags: an incref adds to the low 32 bits only (else to the whole
 * word), a decref subtracts from them only, immortal objects exist. */
#define _HPY_RC_INCREF_LOW 1u
#define _HPY_RC_DECREF_LOW 2u
#define _HPY_RC_IMMORTAL 4u
/* The flags every binary with the model follows (headers before the two
 * below took any flags and followed only these). */
#define _HPY_RC_FLAGS_FIRST (_HPY_RC_INCREF_LOW | _HPY_RC_DECREF_LOW | _HPY_RC_IMMORTAL)
/* The rules of 32-bit interpreters, which only 32-bit binaries follow (so
 * that the 64-bit paths stay as they are): an object is immortal only if
 * its count is exactly the stop (CPython 3.12 and 3.13: _Py_IMMORTAL_REFCNT),
 * or only if it is at least the stop as an int32 (3.14: a count that went
 * negative is mortal again). */
#define _HPY_RC_IMMORTAL_EQ 8u
#define _HPY_RC_IMMORTAL_INT32 16u
#if UINTPTR_MAX > 0xFFFFFFFFu
#    define _HPY_RC_FLAGS_KNOWN _HPY_RC_FLAGS_FIRST
#else
#    define _HPY_RC_32BIT_RULES 1
#    define _HPY_RC_FLAGS_KNOWN (_HPY_RC_FLAGS_FIRST | _HPY_RC_IMMORTAL_EQ | _HPY_RC_IMMORTAL_INT32)
#endif
/* What _HPyInitDirectRefcount_<name> returns when it took the model after
 * checking that it follows every flag (older headers return 1 without
 * looking at them; 0: refused, no model). */
#define _HPY_RC_TAKEN_CHECKED 2

#ifdef HPY_HOST
#    include "hpy/runtime/pyobject_handles.h"
#    include "hpy/runtime/autogen_ctx_decl.h"
#else
#    ifdef HPY_EMBEDDED_MODULES
static HPyContext *_ctx_for_trampolines;
static _HPyDirectTrampolines _hpy_direct_trampolines;
#    else
extern _HPy_HIDDEN HPyContext *_ctx_for_trampolines;
extern _HPy_HIDDEN _HPyDirectTrampolines _hpy_direct_trampolines;
#    endif
#endif

/* The direct path of the trampolines (autogen_trampolines.h), valid only in
 * a context such as the one _hpy_direct_trampolines promises. Expected:
 * the compiler then makes it the trampoline's straight line, with the
 * jump to the path through the context out of it (without the hint gcc
 * did the opposite; measured with `bench/run.py --modes universal`:
 * `call_o` 1.09 -> 1.00, `slot_getitem` 1.10 -> 1.00). */
#if defined(__GNUC__) || defined(__clang__)
#    define _HPy_DIRECT_TRAMPOLINE(sig) \
        __builtin_expect((_hpy_direct_trampolines.signatures & ((uint64_t)1 << (sig))) != 0, 1)
#else
#    define _HPy_DIRECT_TRAMPOLINE(sig) \
        (_hpy_direct_trampolines.signatures & ((uint64_t)1 << (sig)))
#endif
#define _HPy_DIRECT_H(o) _HPy_STRUCT_VALUE(HPy, (intptr_t)(o))
#define _HPy_DIRECT_PY(h) ((cpy_PyObject *)(h)._i)
/* A trampoline that returns the PyObject * of the HPy its implementation
 * returns is declared to return _HPy_TRAMPOLINE_OBJ: HPy itself where the
 * ABI returns a one-word struct in the register of a pointer (x86-64,
 * AArch64), so that its direct path `return impl(...)` is a tail call,
 * which gcc does not make of `return (PyObject *)impl(...)._i`. CPython
 * calls it through a pointer of its own type, which returns the same. */
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64)
#    define _HPy_TRAMPOLINE_OBJ HPy
#    define _HPy_TRAMPOLINE_OBJ_OF_H(h) (h)
#    define _HPy_TRAMPOLINE_OBJ_OF_PY(o) _HPy_DIRECT_H(o)
#else
#    define _HPy_TRAMPOLINE_OBJ cpy_PyObject *
#    define _HPy_TRAMPOLINE_OBJ_OF_H(h) _HPy_DIRECT_PY(h)
#    define _HPy_TRAMPOLINE_OBJ_OF_PY(o) (o)
#endif
/* PyVectorcall_NARGS: the top bit of nargsf is PY_VECTORCALL_ARGUMENTS_OFFSET. */
#define _HPy_DIRECT_VECTORCALL_NARGS(nargsf) \
    ((size_t)(nargsf) & ~((size_t)1 << (8 * sizeof(size_t) - 1)))
/* The items of a tuple as an array of handles, and its size. */
#define _HPy_DIRECT_TUPLE_ITEMS(t) \
    ((const HPy *)(const void *)((const char *)(t) + _hpy_direct_trampolines.tuple_items_at))
#define _HPy_DIRECT_TUPLE_SIZE(t)                             \
    (*(const HPy_ssize_t *)(const void *)((const char *)(t) + \
                                          _hpy_direct_trampolines.tuple_size_at))

#include "hpy/universal/autogen_trampolines.h"

#define _HPY_DIRECT_U32(p, off) (*(uint32_t *)(void *)((char *)(p) + (off)))
#define _HPY_DIRECT_SSIZE(p, off) (*(HPy_ssize_t *)(void *)((char *)(p) + (off)))

/* Whether the model leaves alone an object whose low word is `low`, for
 * the threshold `stop` of an incref or a decref (a macro in 64-bit builds,
 * where it is the one test it always was). */
#ifdef _HPY_RC_32BIT_RULES
static inline int _HPy_DirectImmortal(uint32_t flags, uint32_t low, uint32_t stop)
{
    if (!(flags & _HPY_RC_IMMORTAL) || low < stop)
        return 0;
    if (flags & _HPY_RC_IMMORTAL_EQ)
        return low == stop;
    if (flags & _HPY_RC_IMMORTAL_INT32)
        return (int32_t)low >= 0;
    return 1;
}
#else
#    define _HPy_DirectImmortal(flags, low, stop) (((flags)&_HPY_RC_IMMORTAL) && (low) >= (stop))
#endif

/* The common models of 64-bit little-endian interpreters, with the count
 * at offset 0: the whole word (CPython up to 3.11), an incref of the low
 * word and a decref of the whole one (3.12, 3.13), both of the low word
 * (3.14). */
#define _HPY_RC_KIND_WORD 1u
#define _HPY_RC_KIND_SPLIT 2u
#define _HPY_RC_KIND_LOW 3u

/* The kind of a model (0: none of the above, no model, or a 32-bit binary). */
static inline uint32_t _HPy_DirectRefcntKind(HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at,
                                             uint32_t flags, void (*refcnt_zero)(void *))
{
#ifdef _HPY_RC_32BIT_RULES
    (void)refcnt_at, (void)refcnt_low_at, (void)flags, (void)refcnt_zero;
#else
    if (refcnt_zero != NULL && refcnt_at == 0 && refcnt_low_at == 0) {
        if (flags == 0)
            return _HPY_RC_KIND_WORD;
        if (flags == (_HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW))
            return _HPY_RC_KIND_SPLIT;
        if (flags == (_HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW | _HPY_RC_DECREF_LOW))
            return _HPY_RC_KIND_LOW;
    }
#endif
    return 0;
}

/* Py_INCREF by the model `flags`, `refcnt_at`, `refcnt_low_at` (constants
 * where the kind says what they are) and the stop of `d`. */
static inline void _HPy_DirectIncrefBy(const _HPyDirectTrampolines *d, intptr_t o, uint32_t flags,
                                       HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at)
{
    if (flags & (_HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW)) {
        uint32_t low = _HPY_DIRECT_U32(o, refcnt_low_at);
        if (_HPy_DirectImmortal(flags, low, d->incref_stop))
            return;
        if (flags & _HPY_RC_INCREF_LOW) {
            _HPY_DIRECT_U32(o, refcnt_low_at) = low + 1;
            return;
        }
    }
    _HPY_DIRECT_SSIZE(o, refcnt_at)++;
}

/* Py_DECREF likewise: the host frees an object at zero. */
static inline void _HPy_DirectDecrefBy(const _HPyDirectTrampolines *d, intptr_t o, uint32_t flags,
                                       HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at)
{
    if (flags & (_HPY_RC_IMMORTAL | _HPY_RC_DECREF_LOW)) {
        uint32_t low = _HPY_DIRECT_U32(o, refcnt_low_at);
        if (_HPy_DirectImmortal(flags, low, d->decref_stop))
            return;
        if (flags & _HPY_RC_DECREF_LOW) {
            if ((_HPY_DIRECT_U32(o, refcnt_low_at) = low - 1) == 0)
                d->refcnt_zero((void *)o);
            return;
        }
    }
    if (--_HPY_DIRECT_SSIZE(o, refcnt_at) == 0)
        d->refcnt_zero((void *)o);
}

/* Py_INCREF and Py_DECREF by one of the common models (o != 0), with its
 * flags and offsets as constants; return 0, having done nothing, for kind
 * 0. */
static inline int _HPy_DirectIncrefKind(const _HPyDirectTrampolines *d, intptr_t o, uint32_t kind)
{
    /* the last two differ only in the decref */
    if (kind == _HPY_RC_KIND_WORD)
        _HPy_DirectIncrefBy(d, o, 0, 0, 0);
    else if (kind == _HPY_RC_KIND_SPLIT || kind == _HPY_RC_KIND_LOW)
        _HPy_DirectIncrefBy(d, o, _HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW, 0, 0);
    else
        return 0;
    return 1;
}

static inline int _HPy_DirectDecrefKind(const _HPyDirectTrampolines *d, intptr_t o, uint32_t kind)
{
    if (kind == _HPY_RC_KIND_WORD)
        _HPy_DirectDecrefBy(d, o, 0, 0, 0);
    else if (kind == _HPY_RC_KIND_SPLIT)
        _HPy_DirectDecrefBy(d, o, _HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW, 0, 0);
    else if (kind == _HPY_RC_KIND_LOW)
        _HPy_DirectDecrefBy(d, o, _HPY_RC_IMMORTAL | _HPY_RC_INCREF_LOW | _HPY_RC_DECREF_LOW, 0, 0);
    else
        return 0;
    return 1;
}

/* Py_INCREF by the host's model (o != 0); returns 0, having done nothing,
 * if there is no model. The host's start-up probe runs this function and
 * the decref below too (entry_points.c), with the kind its model has, so
 * that what it checks against CPython is the code binaries run. */
static inline int _HPy_DirectTryIncref(const _HPyDirectTrampolines *d, intptr_t o)
{
    if (_HPy_DirectIncrefKind(d, o, d->refcnt_kind))
        return 1;
    if (d->refcnt_zero == NULL)
        return 0;
    _HPy_DirectIncrefBy(d, o, d->refcnt_flags, d->refcnt_at, d->refcnt_low_at);
    return 1;
}

/* Py_DECREF by the host's model (o != 0); returns 0 if there is none. */
static inline int _HPy_DirectTryDecref(const _HPyDirectTrampolines *d, intptr_t o)
{
    if (_HPy_DirectDecrefKind(d, o, d->refcnt_kind))
        return 1;
    if (d->refcnt_zero == NULL)
        return 0;
    _HPy_DirectDecrefBy(d, o, d->refcnt_flags, d->refcnt_at, d->refcnt_low_at);
    return 1;
}

/* The two where a model is known to exist (d->refcnt_zero != NULL). */
static inline void _HPy_DirectIncref(const _HPyDirectTrampolines *d, intptr_t o)
{
    (void)_HPy_DirectTryIncref(d, o);
}

static inline void _HPy_DirectDecref(const _HPyDirectTrampolines *d, intptr_t o)
{
    (void)_HPy_DirectTryDecref(d, o);
}

/* API functions that answer the common case themselves where the host
 * enabled it (_hpy_direct_trampolines), and otherwise call the context.
 * Enabled only in a context whose handles are the PyObject pointers and
 * whose function would give the same answer: never in the debug and trace
 * modes, which must see every call. */
#ifdef HPY_HOST
#    define _HPY_DIRECT_INLINE 0
#else
#    define _HPY_DIRECT_INLINE 1
#    define _HPY_DIRECT_AT(p, off, type) (*(type const *)(const void *)((const char *)(p) + (off)))
#endif

/* The object layout of 64-bit CPython (3.8 to 3.13: the type at 8, a
 * tuple's size at 16 and its items at 24, a type's tp_alloc at 304 and
 * tp_mro at 344, the struct of an HPy instance at 16), which the inline
 * paths use as constants when the host's offsets are exactly these. */
#define _HPY_LAYOUT_KIND_CPY64 1u
#define _HPY_CPY64_OB_TYPE_AT ((HPy_ssize_t)8)
#define _HPY_CPY64_TUPLE_SIZE_AT ((HPy_ssize_t)16)
#define _HPY_CPY64_TUPLE_ITEMS_AT ((HPy_ssize_t)24)
#define _HPY_CPY64_TP_ALLOC_AT ((HPy_ssize_t)304)
#define _HPY_CPY64_TP_MRO_AT ((HPy_ssize_t)344)
#define _HPY_CPY64_STRUCT_AT ((HPy_ssize_t)16)
/* and tp_flags (an unsigned long, 3.8 to 3.14) at 168, which HPy_TypeCheck
 * uses as a constant once the host offered it (the fast-subclass step
 * takes no other offset with this layout kind). */
#define _HPY_CPY64_TP_FLAGS_AT ((HPy_ssize_t)168)

/* The layout kind of the offsets in `d` (0: another layout, or a 32-bit
 * binary). */
static inline uint32_t _HPy_DirectLayoutKind(const _HPyDirectTrampolines *d)
{
#if UINTPTR_MAX > 0xFFFFFFFFu
    if (d->ob_type_at == _HPY_CPY64_OB_TYPE_AT && d->tuple_size_at == _HPY_CPY64_TUPLE_SIZE_AT &&
        d->tuple_items_at == _HPY_CPY64_TUPLE_ITEMS_AT &&
        d->tp_alloc_at == _HPY_CPY64_TP_ALLOC_AT && d->tp_mro_at == _HPY_CPY64_TP_MRO_AT &&
        d->struct_at == _HPY_CPY64_STRUCT_AT)
        return _HPY_LAYOUT_KIND_CPY64;
#else
    (void)d;
#endif
    return 0;
}

/* Whether `d` has the constant layout, in the inline paths: never the case
 * in a 32-bit binary, where the test and the path it guards fold away.
 * (Marking it as expected in 64-bit binaries, __builtin_expect, took
 * `slot_len` from 1.10 to 1.05 times the C API but `slot_add_new` from
 * 1.11 to 1.20, with the same instructions: bench/README.md.) */
#if UINTPTR_MAX > 0xFFFFFFFFu
#    define _HPY_DIRECT_CPY64(d) ((d)->layout_kind == _HPY_LAYOUT_KIND_CPY64)
#else
#    define _HPY_DIRECT_CPY64(d) ((void)(d), 0)
#endif

/* The slot of `type` in the hash of the types with a fast-subclass flag:
 * the top bits of the address times the odd multiplier `hash` (0: slot 0,
 * which is then empty). */
static inline size_t _HPy_DirectTFlagsSlot(uintptr_t hash, intptr_t type)
{
    return (size_t)(((uintptr_t)type * hash) >> (8 * sizeof(uintptr_t) - _HPY_TFLAGS_SLOT_BITS));
}

/* Forgets the types of the fast-subclass flags (HPy_TypeCheck walks the
 * MRO again; a handle 0 that finds the empty slot 0 gets no). */
static inline void _HPy_DirectTFlagsClear(_HPyDirectTrampolines *d)
{
    size_t i;
    d->tflags_hash = 0;
    for (i = 0; i < _HPY_TFLAGS_SLOTS; i++) {
        d->tflags_types[i] = NULL;
        d->tflags_flag[i] = 0;
    }
}

/* Takes the host's offer of the fast-subclass flags (the binary's side of
 * _HPyInitDirectTypeFlags_<name>): `n` types and the flag of each, in the
 * 32 bits at `tp_flags_at` of a type. Returns 1 if it took them, 0 (and
 * none) if the offer is not one it can use: no inline step before it, a
 * flag that is not one bit, a type twice, or, with the constant layout,
 * flags anywhere else than there. */
static inline int _HPy_DirectTFlagsTake(_HPyDirectTrampolines *d, HPy_ssize_t tp_flags_at,
                                        const void *const *types, const uint32_t *flags, size_t n)
{
    uint32_t flag[_HPY_TFLAGS_SLOTS];
    const void *slots[_HPY_TFLAGS_SLOTS];
    uintptr_t hash = 0;
    size_t i, k;
    _HPy_DirectTFlagsClear(d);
    if (d->ob_type_at == 0 || tp_flags_at <= 0 || n == 0 || n > _HPY_TFLAGS_SLOTS ||
        types == NULL || flags == NULL)
        return 0;
    if (d->layout_kind == _HPY_LAYOUT_KIND_CPY64 && tp_flags_at != _HPY_CPY64_TP_FLAGS_AT)
        return 0;
    for (i = 0; i < n; i++)
        if (types[i] == NULL || flags[i] == 0 || (flags[i] & (flags[i] - 1)) != 0)
            return 0;
    /* pseudo-random odd multipliers (splitmix64 of 1, 2, ...: independent
     * tries, where multiples of one constant are not) until one puts every
     * type in a slot of its own (two equal types never do) */
    for (k = 1; k <= 1024 && hash == 0; k++) {
        uint64_t z = (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15);
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        hash = (uintptr_t)(z ^ (z >> 31)) | 1u;
        for (i = 0; i < _HPY_TFLAGS_SLOTS; i++) {
            slots[i] = NULL;
            flag[i] = 0;
        }
        for (i = 0; i < n && hash != 0; i++) {
            size_t s = _HPy_DirectTFlagsSlot(hash, (intptr_t)types[i]);
            if (slots[s] != NULL)
                hash = 0;
            slots[s] = types[i];
            flag[s] = flags[i];
        }
    }
    if (hash == 0)
        return 0;
    for (i = 0; i < _HPY_TFLAGS_SLOTS; i++) {
        d->tflags_flag[i] = flag[i];
        d->tflags_types[i] = slots[i];
    }
    d->tp_flags_at = tp_flags_at;
    d->tflags_hash = hash;
    return 1;
}

#if _HPY_DIRECT_INLINE
/* PyType_IsSubtype by the given offsets (obj != 0): the exact type; for
 * int, list, tuple, bytes, str, dict, BaseException and type, whether the
 * type of `obj` has their fast-subclass flag, which is what the host
 * answers (_HPy_FastTypeCheck) and PyLong_Check and friends test; else
 * whether `type` is in the type's MRO; -1 if the host must answer (a type
 * not ready yet has no MRO: the host walks tp_base).
 *
 * Why the flag is PyType_IsSubtype's answer (CPython 3.8 to 3.14,
 * Objects/typeobject.c): those eight types have their flag in their own
 * tp_flags, and when a type gets ready inherit_special gives it the flag of
 * its tp_base's such base. A type with one of them anywhere in its MRO has
 * it on the tp_base chain too: best_base, for type() and PyType_FromSpec
 * with several bases, picks a tp_base whose layout extends that of every
 * base, and these types' layouts are their own (object's is not); a
 * metaclass whose mro() lists such a base without its layout is refused by
 * mro_check, and assigning __bases__ or __class__ is refused across
 * layouts. So a ready type has the flag if and only if it is a subtype,
 * except where a metaclass's mro() leaves out the base its layout has
 * (the flag stays). The flag is trusted only on those eight types
 * themselves (the hash holds nothing else): a type given such a flag in
 * its spec, without the base, does not pass it on. `type` is never read,
 * so anything given as `type` is safe; without the step every slot is
 * empty (flag 0), and only type 0 can match one: no, its answer. */
static inline int _HPy_DirectTypeCheckBy(const _HPyDirectTrampolines *d, intptr_t obj,
                                         intptr_t type, HPy_ssize_t ob_type_at,
                                         HPy_ssize_t tp_mro_at, HPy_ssize_t size_at,
                                         HPy_ssize_t items_at, HPy_ssize_t tp_flags_at)
{
    const void *tp = _HPY_DIRECT_AT(obj, ob_type_at, void *);
    const void *mro;
    size_t slot;
    if ((intptr_t)tp == type)
        return 1;
    slot = _HPy_DirectTFlagsSlot(d->tflags_hash, type);
    if ((intptr_t)d->tflags_types[slot] == type) {
        if (_HPY_DIRECT_AT(tp, tp_flags_at, uint32_t) & d->tflags_flag[slot])
            return 1;
        return 0;
    }
    if (tp_mro_at != 0 && (mro = _HPY_DIRECT_AT(tp, tp_mro_at, void *)) != NULL) {
        const HPy *items = (const HPy *)(const void *)((const char *)mro + items_at);
        HPy_ssize_t i, n = _HPY_DIRECT_AT(mro, size_at, HPy_ssize_t);
        for (i = 0; i < n; i++)
            if (items[i]._i == type)
                return 1;
        return 0;
    }
    return -1;
}
#endif

/* Returns 1 if `obj` is an instance of `type` or of a subtype of it, else 0 (no `__instancecheck__`). */
HPyAPI_FUNC int HPy_TypeCheck(HPyContext *ctx, HPy obj, HPy type)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    if (obj._i != 0) {
        int r;
        if (_HPY_DIRECT_CPY64(d)) {
            r = _HPy_DirectTypeCheckBy(d, obj._i, type._i, _HPY_CPY64_OB_TYPE_AT,
                                       _HPY_CPY64_TP_MRO_AT, _HPY_CPY64_TUPLE_SIZE_AT,
                                       _HPY_CPY64_TUPLE_ITEMS_AT, _HPY_CPY64_TP_FLAGS_AT);
            if (r >= 0)
                return r;
        }
        else if (d->ob_type_at != 0) {
            r = _HPy_DirectTypeCheckBy(d, obj._i, type._i, d->ob_type_at, d->tp_mro_at,
                                       d->tuple_size_at, d->tuple_items_at, d->tp_flags_at);
            if (r >= 0)
                return r;
        }
    }
#endif
    return ctx->ctx_TypeCheck(ctx, obj, type);
}

#if _HPY_DIRECT_INLINE
/* Whether the type `tp` has the host's marker as its tp_alloc (at
 * `tp_alloc_at`), for _HPy_AsStruct_Object (the type of an object) and,
 * with `plain`, for HPy_New, which may be given any object as the type:
 * then `tp` must first be a plain type (its type at `ob_type_at` is
 * `type_type`) for its tp_alloc to be read. */
static inline int _HPy_DirectMarkedBy(const _HPyDirectTrampolines *d, const void *tp, int plain,
                                      HPy_ssize_t ob_type_at, HPy_ssize_t tp_alloc_at)
{
    return (!plain || _HPY_DIRECT_AT(tp, ob_type_at, const void *) == d->type_type) &&
           _HPY_DIRECT_AT(tp, tp_alloc_at, _HPyDirectMarker) == d->alloc_marker;
}
#endif

/* Returns a pointer to the C struct of `h`, an instance of a type with the `Object` builtin shape. */
HPyAPI_FUNC void *_HPy_AsStruct_Object(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    /* an instance of a type with the host's marker; anything else (a
     * Python subclass, another layout) is found by the host */
    if (d->alloc_marker != NULL && h._i != 0) {
        if (_HPY_DIRECT_CPY64(d)) {
            if (_HPy_DirectMarkedBy(d, _HPY_DIRECT_AT(h._i, _HPY_CPY64_OB_TYPE_AT, void *), 0, 0,
                                    _HPY_CPY64_TP_ALLOC_AT))
                return (char *)h._i + _HPY_CPY64_STRUCT_AT;
        }
        else if (_HPy_DirectMarkedBy(d, _HPY_DIRECT_AT(h._i, d->ob_type_at, void *), 0, 0,
                                     d->tp_alloc_at)) {
            return (char *)h._i + d->struct_at;
        }
    }
#endif
    return ctx->ctx_AsStruct_Object(ctx, h);
}


#if _HPY_DIRECT_INLINE
/* The slow paths of the inline API functions, out of line and cold: the
 * caller keeps a direct call to one as its slow path, and the compiler
 * keeps its registers for the fast one. */
#    if defined(__GNUC__) || defined(__clang__)
#        define _HPY_DIRECT_SLOW static __attribute__((noinline, cold, unused))
#    else
#        define _HPY_DIRECT_SLOW static inline
#    endif

/* The inline part of HPy_Dup and HPy_Close (o != 0) and what follows it:
 * in 64-bit builds the common models, then the others out of line; in
 * 32-bit ones (no kinds) the model from the fields, then the context (no
 * helper: one call fewer, and a debug-mode allocation stack starts in the
 * extension's own function, not in a helper of these headers). */
#    ifdef _HPY_RC_32BIT_RULES
#        define _HPY_DIRECT_INCREF_FAST(d, o) _HPy_DirectTryIncref((d), (o))
#        define _HPY_DIRECT_DECREF_FAST(d, o) _HPy_DirectTryDecref((d), (o))
#        define _HPY_DIRECT_DUP_REST(ctx, h) (ctx)->ctx_Dup((ctx), (h))
#        define _HPY_DIRECT_CLOSE_REST(ctx, h) (ctx)->ctx_Close((ctx), (h))
#    else
#        define _HPY_DIRECT_INCREF_FAST(d, o) _HPy_DirectIncrefKind((d), (o), (d)->refcnt_kind)
#        define _HPY_DIRECT_DECREF_FAST(d, o) _HPy_DirectDecrefKind((d), (o), (d)->refcnt_kind)
#        define _HPY_DIRECT_DUP_REST(ctx, h) _HPy_DupSlow((ctx), (h), &_hpy_direct_trampolines)
#        define _HPY_DIRECT_CLOSE_REST(ctx, h) _HPy_CloseSlow((ctx), (h), &_hpy_direct_trampolines)
#    endif

#    ifndef _HPY_RC_32BIT_RULES
/* HPy_Dup and HPy_Close of a model that is none of the common ones, or
 * through the context. They get `d` from the caller: a program that
 * includes hpy.h without HPy_MODINIT (which defines the struct) still
 * links, although these are emitted unused. */
_HPY_DIRECT_SLOW HPy _HPy_DupSlow(HPyContext *ctx, HPy h, const _HPyDirectTrampolines *d)
{
    if (h._i != 0 && _HPy_DirectTryIncref(d, h._i))
        return h;
    return ctx->ctx_Dup(ctx, h);
}

_HPY_DIRECT_SLOW void _HPy_CloseSlow(HPyContext *ctx, HPy h, const _HPyDirectTrampolines *d)
{
    if (h._i != 0 && _HPy_DirectTryDecref(d, h._i))
        return;
    ctx->ctx_Close(ctx, h);
}
#    endif
#endif

/* Returns a new handle to the same object as `h`; each handle must be closed on its own. */
HPyAPI_FUNC HPy HPy_Dup(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    if (h._i != 0 && _HPY_DIRECT_INCREF_FAST(&_hpy_direct_trampolines, h._i))
        return h;
    return _HPY_DIRECT_DUP_REST(ctx, h);
#else
    return ctx->ctx_Dup(ctx, h);
#endif
}

/* Releases the handle `h`, which must not be used afterwards (the handle analogue of `Py_DECREF`). */
HPyAPI_FUNC void HPy_Close(HPyContext *ctx, HPy h)
{
#if _HPY_DIRECT_INLINE
    if (h._i != 0 && _HPY_DIRECT_DECREF_FAST(&_hpy_direct_trampolines, h._i))
        return;
    _HPY_DIRECT_CLOSE_REST(ctx, h);
#else
    ctx->ctx_Close(ctx, h);
#endif
}

/* Returns a new handle to the type of `obj`, like `type(obj)`. */
HPyAPI_FUNC HPy HPy_Type(HPyContext *ctx, HPy obj)
{
#if _HPY_DIRECT_INLINE
    const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
    /* the constant offset where the layout is CPython's, as in the other
     * inline paths (`slot_add_new`: 444 -> 439 instructions, one saved
     * register fewer) */
    if (obj._i != 0 && (_HPY_DIRECT_CPY64(d) || d->ob_type_at != 0)) {
        HPy_ssize_t at = _HPY_DIRECT_CPY64(d) ? _HPY_CPY64_OB_TYPE_AT : d->ob_type_at;
        intptr_t tp = (intptr_t)_HPY_DIRECT_AT(obj._i, at, void *);
        if (_HPy_DirectTryIncref(d, tp))
            return _HPy_STRUCT_VALUE(HPy, tp);
    }
#endif
    return ctx->ctx_Type(ctx, obj);
}

#include "hpy/universal/direct_calls.h"
#include "hpy/universal/direct_alloc.h"

/* Defines the module's entry points. `ext_name` is the module's short name
 * (the file name up to the first dot); `mod_def` an HPyModuleDef. The host
 * calls the version getters, then HPyInitGlobalContext_<name>, then
 * HPyInit_<name> (see the loading protocol in docs/).
 *
 * _HPyInitDirectTrampolines_<name> is this implementation's private
 * addition to that protocol (docs/internals.md): given the signatures the
 * host wants called directly and where a tuple keeps its size and items,
 * it enables those of the signatures that this binary's trampolines can
 * call directly and returns them. A host that does not know it never calls
 * it. */
#ifdef HPY_EMBEDDED_MODULES
#    define _HPY_CTX_FOR_TRAMPOLINES_DEFINITION
#else
#    define _HPY_CTX_FOR_TRAMPOLINES_DEFINITION       \
        _HPy_HIDDEN HPyContext *_ctx_for_trampolines; \
        _HPy_HIDDEN _HPyDirectTrampolines _hpy_direct_trampolines;
#endif

/* Built with _HPY_NO_DIRECT_TRAMPOLINES, a binary exports what HPy 0.9's
 * headers export (to test that hosts handle such binaries). */
#ifdef _HPY_NO_DIRECT_TRAMPOLINES
#    define _HPY_DIRECT_TRAMPOLINES_SETTER(ext_name)
#else
#    define _HPY_DIRECT_TRAMPOLINES_SETTER(ext_name)                                               \
        _HPy_EXTERN_C _HPy_EXPORT uint64_t _HPyInitDirectTrampolines_##ext_name(                   \
            uint64_t wanted, HPy_ssize_t tuple_size_at, HPy_ssize_t tuple_items_at);               \
        _HPy_EXTERN_C _HPy_EXPORT uint64_t _HPyInitDirectTrampolines_##ext_name(                   \
            uint64_t wanted, HPy_ssize_t tuple_size_at, HPy_ssize_t tuple_items_at)                \
        {                                                                                          \
            _hpy_direct_trampolines.layout_kind = 0;                                               \
            _hpy_direct_trampolines.tuple_size_at = tuple_size_at;                                 \
            _hpy_direct_trampolines.tuple_items_at = tuple_items_at;                               \
            _hpy_direct_trampolines.signatures = wanted & _HPY_DIRECT_TRAMPOLINE_SIGNATURES;       \
            return _hpy_direct_trampolines.signatures;                                             \
        }                                                                                          \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectInline_##ext_name(                             \
            HPy_ssize_t ob_type_at, HPy_ssize_t tp_mro_at, HPy_ssize_t tp_alloc_at,                \
            _HPyDirectMarker alloc_marker, HPy_ssize_t struct_at);                                 \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectInline_##ext_name(                             \
            HPy_ssize_t ob_type_at, HPy_ssize_t tp_mro_at, HPy_ssize_t tp_alloc_at,                \
            _HPyDirectMarker alloc_marker, HPy_ssize_t struct_at)                                  \
        {                                                                                          \
            _hpy_direct_trampolines.ob_type_at = ob_type_at;                                       \
            _hpy_direct_trampolines.tp_mro_at = tp_mro_at;                                         \
            _hpy_direct_trampolines.tp_alloc_at = tp_alloc_at;                                     \
            _hpy_direct_trampolines.alloc_marker = alloc_marker;                                   \
            _hpy_direct_trampolines.struct_at = struct_at;                                         \
            _hpy_direct_trampolines.layout_kind = _HPy_DirectLayoutKind(&_hpy_direct_trampolines); \
            /* the flags' offsets may differ from the new layout's constants */                    \
            _HPy_DirectTFlagsClear(&_hpy_direct_trampolines);                                      \
            return 1;                                                                              \
        }                                                                                          \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectTypeFlags_##ext_name(                          \
            HPy_ssize_t tp_flags_at, const void *const *types, const uint32_t *flags, size_t n);   \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectTypeFlags_##ext_name(                          \
            HPy_ssize_t tp_flags_at, const void *const *types, const uint32_t *flags, size_t n)    \
        {                                                                                          \
            return _HPy_DirectTFlagsTake(&_hpy_direct_trampolines, tp_flags_at, types, flags, n);  \
        }                                                                                          \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectRefcount_##ext_name(                           \
            HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at, uint32_t flags,                      \
            uint32_t incref_stop, uint32_t decref_stop, void (*refcnt_zero)(void *));              \
        _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectRefcount_##ext_name(                           \
            HPy_ssize_t refcnt_at, HPy_ssize_t refcnt_low_at, uint32_t flags,                      \
            uint32_t incref_stop, uint32_t decref_stop, void (*refcnt_zero)(void *))               \
        {                                                                                          \
            if (flags & ~_HPY_RC_FLAGS_KNOWN)                                                      \
                return 0;                                                                          \
            _hpy_direct_trampolines.refcnt_at = refcnt_at;                                         \
            _hpy_direct_trampolines.refcnt_low_at = refcnt_low_at;                                 \
            _hpy_direct_trampolines.refcnt_flags = flags;                                          \
            _hpy_direct_trampolines.incref_stop = incref_stop;                                     \
            _hpy_direct_trampolines.decref_stop = decref_stop;                                     \
            _hpy_direct_trampolines.refcnt_zero = refcnt_zero;                                     \
            _hpy_direct_trampolines.refcnt_kind =                                                  \
                _HPy_DirectRefcntKind(refcnt_at, refcnt_low_at, flags, refcnt_zero);               \
            return _HPY_RC_TAKEN_CHECKED;                                                          \
        }
#endif

#define HPy_MODINIT(ext_name, mod_def)                                                  \
    _HPY_CTX_FOR_TRAMPOLINES_DEFINITION                                                 \
    _HPY_DIRECT_CALLS_DEFINITION                                                        \
    _HPy_EXTERN_C _HPy_EXPORT uint32_t get_required_hpy_major_version_##ext_name(void); \
    _HPy_EXTERN_C _HPy_EXPORT uint32_t get_required_hpy_minor_version_##ext_name(void); \
    _HPy_EXTERN_C _HPy_EXPORT void HPyInitGlobalContext_##ext_name(HPyContext *ctx);    \
    _HPy_EXTERN_C _HPy_EXPORT HPyModuleDef *HPyInit_##ext_name(void);                   \
    _HPy_EXTERN_C _HPy_EXPORT uint32_t get_required_hpy_major_version_##ext_name(void)  \
    {                                                                                   \
        return HPY_ABI_VERSION;                                                         \
    }                                                                                   \
    _HPy_EXTERN_C _HPy_EXPORT uint32_t get_required_hpy_minor_version_##ext_name(void)  \
    {                                                                                   \
        return HPY_ABI_VERSION_MINOR;                                                   \
    }                                                                                   \
    _HPy_EXTERN_C _HPy_EXPORT void HPyInitGlobalContext_##ext_name(HPyContext *ctx)     \
    {                                                                                   \
        _ctx_for_trampolines = ctx;                                                     \
    }                                                                                   \
    _HPy_EXTERN_C _HPy_EXPORT HPyModuleDef *HPyInit_##ext_name(void)                    \
    {                                                                                   \
        return &mod_def;                                                                \
    }                                                                                   \
    _HPY_DIRECT_TRAMPOLINES_SETTER(ext_name)                                            \
    _HPY_DIRECT_CALLS_SETTER(ext_name)                                                  \
    _HPY_DIRECT_ALLOC_SETTER(ext_name)

#endif /* HPY_UNIVERSAL_HPY_UNIVERSAL_H */
