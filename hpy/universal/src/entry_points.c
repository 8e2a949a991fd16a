/* The host's own entry points (loading protocol §8: a host may install its
 * own functions in CPython's tables as long as every compliant binary keeps
 * working).
 *
 * A universal extension's trampoline packs its arguments into a struct and
 * calls ctx_CallRealFunctionFromTrampoline, which switches on the signature
 * and calls the implementation: three indirect calls and a switch per call
 * from CPython. For modules and types created with the universal-mode
 * context, the runtime (ctx_module.c, ctx_type.c) asks _HPy_HostEntryPoint
 * for a replacement: a generated stub (autogen_entry_points.h) that calls
 * the implementation stored in its pool slot with that context. Handles are
 * the PyObject pointers, so the stub only reorders registers and adds the
 * context: one indirect call, like the C API.
 *
 * Slots are never released (implementations stay valid as long as their
 * library is loaded, and libraries are never unloaded); an implementation
 * installed twice (the same HPyDef in several types, a type created many
 * times) reuses its slot. When a pool is full the extension's trampoline
 * is used, which is always correct. Debug and trace modes never get here:
 * their modules are loaded with their own contexts, and what they forward
 * to the universal implementation comes with hpy_host_universal_ctx(), not
 * with the universal-mode context.
 *
 * A binary with direct trampolines (load.c) has the universal-direct
 * context: its trampolines of the signatures the host offered
 * (hpy_host_direct_signatures) call the implementation themselves, one
 * indirect call from CPython like a stub, and the implementation may be
 * inlined into them; those stay. Any other signature gets a stub, which
 * calls the implementation with the universal-mode context: a context with
 * the same members, so the only difference is that types created by such
 * an implementation get stubs rather than trampolines. */
#include "hpy.h"
#include <string.h>
#include "entry_points.h"
#include "hpy_host.h"
#include "hpy/runtime/fast_type_check.h"
#ifndef HPY_WASM_HOST
#    include "hpy/runtime/ctx_type.h"
#endif

#define _HPY_EP_CTX (&_hpy_universal_mode_ctx)
/* Where HPy is returned like a pointer (hpy_host.h), a stub may call an
 * implementation returning HPy as if it returned the PyObject* directly, and
 * be a plain tail call. */
#ifdef _HPY_HOST_HPY_RETURNED_AS_POINTER
#    define _HPY_EP_HPY_RETURNED_AS_POINTER
#endif
#include "autogen_entry_points.h"

static int entry_points_enabled = 1;

uint64_t hpy_host_direct_signatures(HPy_ssize_t *tuple_size_at, HPy_ssize_t *tuple_items_at)
{
    *tuple_size_at = (HPy_ssize_t)offsetof(PyVarObject, ob_size);
#ifdef HPY_WASM_HOST
    /* The stable ABI does not fix where a tuple's items are: known only
     * once the start-up check has found them. */
    if (!(_HPyWasm_fast & _HPyWasm_FAST_TUPLE)) {
        *tuple_items_at = 0;
        return _HPY_DIRECT_TRAMPOLINE_SIGNATURES & ~(uint64_t)_HPY_DIRECT_TUPLE_SIGNATURES;
    }
    *tuple_items_at = (HPy_ssize_t)_HPyWasm_tuple_items;
#else
    *tuple_items_at = (HPy_ssize_t)offsetof(PyTupleObject, ob_item);
#endif
    return _HPY_DIRECT_TRAMPOLINE_SIGNATURES;
}

void hpy_host_direct_inline(HPy_ssize_t *ob_type_at, HPy_ssize_t *tp_mro_at,
                            HPy_ssize_t *tp_alloc_at, _HPyDirectMarker *alloc_marker,
                            HPy_ssize_t *struct_at)
{
    *ob_type_at = (HPy_ssize_t)offsetof(PyObject, ob_type);
    *tp_mro_at = 0;
    *tp_alloc_at = 0;
    *alloc_marker = NULL;
    *struct_at = 0;
#ifdef HPY_WASM_HOST
    /* the type's fields are read in place only where the start-up check
     * found them where _HPyWasm_TypeLayout says */
    if (!(_HPyWasm_fast & _HPyWasm_FAST_TYPE))
        return;
    /* the MRO is a tuple, walked where the tuple check found the items */
    if ((_HPyWasm_fast & _HPyWasm_FAST_TUPLE) && _HPyWasm_mro_in_place)
        *tp_mro_at = (HPy_ssize_t)offsetof(_HPyWasm_TypeLayout, tp_mro);
    *tp_alloc_at = (HPy_ssize_t)offsetof(_HPyWasm_TypeLayout, tp_alloc);
    *alloc_marker = (_HPyDirectMarker)_HPyWasm_AllocFixed;
    *struct_at = _HPyWasm_ALLOC_FIXED_OFFSET;
#else
    *tp_mro_at = (HPy_ssize_t)offsetof(PyTypeObject, tp_mro);
    *tp_alloc_at = (HPy_ssize_t)offsetof(PyTypeObject, tp_alloc);
    *alloc_marker = (_HPyDirectMarker)_HPyType_AllocFixed;
    *struct_at = _HPY_ALLOC_FIXED_OFFSET;
#endif
}

/* HPy_New of a marked type is the marker's allocator, PyType_GenericAlloc
 * (both hosts' markers call it and nothing else: the types that get the
 * marker need nothing more, see _HPyType_AllocFixed and choose_alloc in
 * ctx_type_wasm.c); a tuple is PyTuple_New, filled in place. */
void hpy_host_direct_alloc(const void **type_type, void *(**alloc_new)(void *, HPy_ssize_t),
                           void *(**tuple_new)(HPy_ssize_t))
{
    HPy_ssize_t ob_type_at, tp_mro_at, tp_alloc_at, struct_at, size_at, items_at;
    _HPyDirectMarker marker;
    hpy_host_direct_inline(&ob_type_at, &tp_mro_at, &tp_alloc_at, &marker, &struct_at);
    (void)hpy_host_direct_signatures(&size_at, &items_at);
    *type_type = &PyType_Type;
    *alloc_new =
        marker != NULL ? (void *(*)(void *, HPy_ssize_t))(void (*)(void))PyType_GenericAlloc : NULL;
    *tuple_new = items_at != 0 ? (void *(*)(HPy_ssize_t))(void (*)(void))PyTuple_New : NULL;
}

/* The reference-count model offered through _HPyInitDirectRefcount_<name>
 * (load.c): Py_INCREF and Py_DECREF as the headers this host was compiled
 * with define them, described as data (hpy_universal.h). The host is built
 * against the interpreter that runs it, so those headers are the running
 * interpreter's; even so the model is offered only once a start-up probe
 * found it doing what CPython's own Py_IncRef and Py_DecRef do. Builds that
 * count references elsewhere too (Py_REF_DEBUG, Py_TRACE_REFS), the
 * free-threaded build, native 32-bit builds with immortal objects and
 * versions newer than these rules get no model. The WebAssembly host is
 * one binary for every Pyodide: it chooses the rules at start-up by the
 * running CPython's version (running_rules below). */
#if !defined(HPY_WASM_HOST) && !defined(Py_REF_DEBUG) && !defined(Py_TRACE_REFS) && \
    !defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API) && !defined(Py_STATS)
#    if PY_VERSION_HEX < 0x030C0000
/* no immortal objects: the whole word */
#        define _HPY_RC_MODEL 1
#        define _HPY_RC_FLAGS 0u
#        define _HPY_RC_INCREF_STOP 0u
#        define _HPY_RC_DECREF_STOP 0u
#    elif PY_VERSION_HEX < 0x030E0000 && SIZEOF_VOID_P > 4
/* 3.12, 3.13: an incref adds to the low 32 bits unless they would wrap to
 * 0 (_Py_IMMORTAL_REFCNT); a decref leaves an object whose low 32 bits are
 * negative as an int32 (_Py_IsImmortal) and takes one from the word */
#        define _HPY_RC_MODEL 1
#        define _HPY_RC_FLAGS (_HPY_RC_INCREF_LOW | _HPY_RC_IMMORTAL)
#        define _HPY_RC_INCREF_STOP 0xFFFFFFFFu
#        define _HPY_RC_DECREF_STOP 0x80000000u
#    elif PY_VERSION_HEX < 0x030F0000 && SIZEOF_VOID_P > 4 && !PY_BIG_ENDIAN
/* 3.14: ob_refcnt is the 32-bit low half of the word (little-endian: at
 * its start); an object with it at _Py_IMMORTAL_MINIMUM_REFCNT or above is
 * immortal for both */
#        define _HPY_RC_MODEL 1
#        define _HPY_RC_FIELD_SIZE 4
#        define _HPY_RC_FLAGS (_HPY_RC_INCREF_LOW | _HPY_RC_DECREF_LOW | _HPY_RC_IMMORTAL)
#        define _HPY_RC_INCREF_STOP 0x80000000u
#        define _HPY_RC_DECREF_STOP 0x80000000u
#    endif
#elif defined(HPY_WASM_HOST)
#    define _HPY_RC_MODEL 1
#    define _HPY_RC_RULES_AT_START_UP 1
#    include <dlfcn.h>
#endif

#ifdef _HPY_RC_MODEL
#    ifndef _HPY_RC_FIELD_SIZE
#        define _HPY_RC_FIELD_SIZE sizeof(Py_ssize_t)
#    endif
/* the field is what the rules above say it is */
typedef char _hpy_rc_field_size[sizeof(((PyObject *)0)->ob_refcnt) == _HPY_RC_FIELD_SIZE ? 1 : -1];
/* Where the low 32 bits of the count are. */
#    if PY_BIG_ENDIAN
#        define _HPY_RC_LOW_AT (offsetof(PyObject, ob_refcnt) + sizeof(Py_ssize_t) - 4)
#    else
#        define _HPY_RC_LOW_AT offsetof(PyObject, ob_refcnt)
#    endif

/* The rules of the running interpreter: flags and stops of the model and
 * what a binary calls when its decref took a count to zero (what
 * Py_DECREF calls then). running_rules() fills them in, or returns 0
 * where there are none. */
typedef struct {
    uint32_t flags, incref_stop, decref_stop;
    void (*zero)(void *);
} rc_rules;

#    ifdef _HPY_RC_RULES_AT_START_UP
/* CPython's 32-bit rules (Include/object.h of 3.13, Include/refcount.h of
 * 3.14): 3.12 and 3.13 leave an object alone only if its count is exactly
 * _Py_IMMORTAL_REFCNT (UINT_MAX >> 2), 3.14 one whose count, a signed
 * Py_ssize_t, is at least _Py_IMMORTAL_MINIMUM_REFCNT (1 << 30); otherwise
 * both add or take one from the whole word. The version is Py_Version, the
 * zero function CPython's own _Py_Dealloc (both in the stable ABI, found
 * through the dynamic linker: a CPython without them gets no model). Any
 * other version gets none: its rules are not known here. */
static int running_rules(rc_rules *r)
{
    const unsigned long *version = (const unsigned long *)dlsym(RTLD_DEFAULT, "Py_Version");
    void *dealloc = dlsym(RTLD_DEFAULT, "_Py_Dealloc");
    if (version == NULL || dealloc == NULL)
        return 0;
    switch (*version >> 16) {
    case 0x030D:
        r->flags = _HPY_RC_FLAGS_FIRST | _HPY_RC_IMMORTAL_EQ;
        r->incref_stop = r->decref_stop = 0x3FFFFFFFu;
        break;
    case 0x030E:
        r->flags = _HPY_RC_FLAGS_FIRST | _HPY_RC_IMMORTAL_INT32;
        r->incref_stop = r->decref_stop = 0x40000000u;
        break;
    default: return 0;
    }
    r->zero = (void (*)(void *))dealloc;
    return 1;
}
#    else
static void refcnt_reached_zero(void *op)
{
    _Py_Dealloc((PyObject *)op);
}

/* Natively: the rules of the headers above. */
static int running_rules(rc_rules *r)
{
    r->flags = _HPY_RC_FLAGS;
    r->incref_stop = _HPY_RC_INCREF_STOP;
    r->decref_stop = _HPY_RC_DECREF_STOP;
    r->zero = refcnt_reached_zero;
    return 1;
}
#    endif

/* The model as a binary gets it (_HPyInitDirectRefcount_<name>), with
 * `zero` as the function for a count taken to zero. */
static _HPyDirectTrampolines rc_model(const rc_rules *r, void (*zero)(void *))
{
    _HPyDirectTrampolines d;
    memset(&d, 0, sizeof d);
    d.refcnt_at = (HPy_ssize_t)offsetof(PyObject, ob_refcnt);
    d.refcnt_low_at = (HPy_ssize_t)_HPY_RC_LOW_AT;
    d.refcnt_flags = r->flags;
    d.incref_stop = r->incref_stop;
    d.decref_stop = r->decref_stop;
    d.refcnt_zero = zero;
    d.refcnt_kind = _HPy_DirectRefcntKind(d.refcnt_at, d.refcnt_low_at, d.refcnt_flags, zero);
    return d;
}

static Py_ssize_t refcnt_word(PyObject *o)
{
    Py_ssize_t w;
    memcpy(&w, (char *)o + offsetof(PyObject, ob_refcnt), sizeof w);
    return w;
}

static void set_refcnt_word(PyObject *o, Py_ssize_t w)
{
    memcpy((char *)o + offsetof(PyObject, ob_refcnt), &w, sizeof w);
}

/* The probe runs the binary's own functions (hpy_universal.h) with a zero
 * function that only records the call, so that a wrong model frees
 * nothing. Start-up only, with the GIL held. */
static int probe_saw_zero;
static rc_rules probe_rules;

static void probe_zero(void *op)
{
    (void)op;
    probe_saw_zero = 1;
}

static void model_incref(PyObject *o)
{
    const _HPyDirectTrampolines d = rc_model(&probe_rules, probe_zero);
    _HPy_DirectIncref(&d, (intptr_t)o);
}

/* Returns 1 where the binary would call refcnt_zero. */
static int model_decref(PyObject *o)
{
    const _HPyDirectTrampolines d = rc_model(&probe_rules, probe_zero);
    probe_saw_zero = 0;
    _HPy_DirectDecref(&d, (intptr_t)o);
    return probe_saw_zero;
}

/* Whether the model and Py_IncRef/Py_DecRef leave the count of `o` alike
 * when it is `w` (restored afterwards; never taken to zero, nothing runs
 * in between). */
static int probe_count(PyObject *o, Py_ssize_t w)
{
    Py_ssize_t saved = refcnt_word(o), theirs, ours;
    int ok = 1;
    set_refcnt_word(o, w);
    Py_IncRef(o);
    theirs = refcnt_word(o);
    set_refcnt_word(o, w);
    model_incref(o);
    ours = refcnt_word(o);
    ok &= theirs == ours;
    if (w > 1 || w < 0) {
        set_refcnt_word(o, w);
        Py_DecRef(o);
        theirs = refcnt_word(o);
        set_refcnt_word(o, w);
        ok &= !model_decref(o);
        ours = refcnt_word(o);
        ok &= theirs == ours;
    }
    set_refcnt_word(o, saved);
    return ok;
}

static int weakref_dead(PyObject *weak)
{
#    if PY_VERSION_HEX >= 0x030D0000
    PyObject *ref;
    int r = PyWeakref_GetRef(weak, &ref);
    Py_XDECREF(ref);
    return r == 0;
#    else
    return PyWeakref_GetObject(weak) == Py_None;
#    endif
}

/* The start-up probe: counts at the edges of each rule on a fresh object,
 * None (immortal where immortality exists) and an object freed through
 * refcnt_reached_zero. */
static int probe_model(void)
{
    static const int64_t counts[] = { 1,
                                      2,
                                      3,
                                      1000,
                                      0x3FFFFFFE,
                                      0x3FFFFFFF,
                                      0x40000000,
                                      0x7FFFFFFE,
                                      0x7FFFFFFF,
                                      0x80000000LL,
                                      0x80000001LL,
                                      0xBFFFFFFFLL,
                                      0xFFFFFFFELL,
                                      0xFFFFFFFFLL,
                                      0x100000000LL,
                                      0x100000001LL,
                                      0x17FFFFFFFLL };
    PyObject *o, *weak, *small = PyLong_FromLong(7);
    Py_ssize_t before, after;
    size_t i;
    int ok = 1;
    if (small == NULL || !running_rules(&probe_rules)) {
        PyErr_Clear();
        Py_XDECREF(small);
        return 0;
    }
    o = PySet_New(NULL); /* a set can have weak references */
    if (o == NULL) {
        PyErr_Clear();
        Py_DECREF(small);
        return 0;
    }
    /* a word narrower than a count holds its low bits (negative as a
     * 32-bit Py_ssize_t from 0x80000000 on) */
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if ((uint64_t)counts[i] > (uint64_t)SIZE_MAX)
            continue;
        ok &= probe_count(o, (Py_ssize_t)(size_t)counts[i]);
    }
    ok &= probe_count(Py_None, refcnt_word(Py_None));
    ok &= probe_count((PyObject *)&PyLong_Type, refcnt_word((PyObject *)&PyLong_Type));
    ok &= probe_count(small, refcnt_word(small));
    Py_DECREF(small);
    /* None: a round trip leaves it as Py_IncRef and Py_DecRef do */
    before = refcnt_word(Py_None);
    model_incref(Py_None);
    Py_DecRef(Py_None);
    Py_IncRef(Py_None);
    ok &= !model_decref(Py_None);
    after = refcnt_word(Py_None);
    ok &= before == after;
    /* a fresh object at its last reference: freed through refcnt_zero */
    weak = ok ? PyWeakref_NewRef(o, NULL) : NULL;
    if (weak == NULL) {
        PyErr_Clear();
        Py_DECREF(o);
        return 0;
    }
    if (refcnt_word(o) == 1 && model_decref(o))
        probe_rules.zero(o);
    else
        ok = 0, Py_DECREF(o);
    ok &= weakref_dead(weak);
    Py_DECREF(weak);
    return ok;
}
#endif

int hpy_host_direct_refcount(HPy_ssize_t *refcnt_at, HPy_ssize_t *refcnt_low_at, uint32_t *flags,
                             uint32_t *incref_stop, uint32_t *decref_stop,
                             void (**refcnt_zero)(void *))
{
#ifdef _HPY_RC_MODEL
    static int probed = -1;
    if (probed < 0)
        probed = probe_model();
    if (!probed)
        return 0;
    const _HPyDirectTrampolines d = rc_model(&probe_rules, probe_rules.zero);
    *refcnt_at = d.refcnt_at;
    *refcnt_low_at = d.refcnt_low_at;
    *flags = d.refcnt_flags;
    *incref_stop = d.incref_stop;
    *decref_stop = d.decref_stop;
    *refcnt_zero = d.refcnt_zero;
    return 1;
#else
    (void)refcnt_at, (void)refcnt_low_at, (void)flags, (void)incref_stop, (void)decref_stop;
    (void)refcnt_zero;
    return 0;
#endif
}

/* The fast-subclass flags offered through _HPyInitDirectTypeFlags_<name>
 * (load.c; HPy_TypeCheck in hpy_universal.h): the types that own one, each
 * with its flag. */
#define TFLAGS_N 8
static const uint32_t tflags_flags[TFLAGS_N] = {
    (uint32_t)Py_TPFLAGS_LONG_SUBCLASS,     (uint32_t)Py_TPFLAGS_LIST_SUBCLASS,
    (uint32_t)Py_TPFLAGS_TUPLE_SUBCLASS,    (uint32_t)Py_TPFLAGS_BYTES_SUBCLASS,
    (uint32_t)Py_TPFLAGS_UNICODE_SUBCLASS,  (uint32_t)Py_TPFLAGS_DICT_SUBCLASS,
    (uint32_t)Py_TPFLAGS_BASE_EXC_SUBCLASS, (uint32_t)Py_TPFLAGS_TYPE_SUBCLASS,
};
static const void *tflags_types[TFLAGS_N];
static HPy_ssize_t tflags_at;

static void tflags_fill_types(void)
{
    unsigned int i;
    for (i = 0; i < TFLAGS_N; i++)
        tflags_types[i] = _HPy_FastSubclassBuiltin(i);
}

/* The 32 bits of tp_flags that a binary reads at `tflags_at`. */
static uint32_t tflags_word(const void *tp)
{
    return *(const uint32_t *)(const void *)((const char *)tp + tflags_at);
}

/* Whether the word at `tflags_at` of `tp` is tp_flags' low 32 bits, with,
 * of the eight flags, exactly `flag` (0: none). */
static int tflags_ok(PyTypeObject *tp, uint32_t flag)
{
    uint32_t all = 0, w = tflags_word(tp);
    size_t i;
    for (i = 0; i < TFLAGS_N; i++)
        all |= tflags_flags[i];
    return w == (uint32_t)(PyType_GetFlags)(tp) && (w & all) == flag;
}

/* Whether a class made now with `base` as its only base inherits `flag`. */
static int tflags_inherited(const void *base, uint32_t flag)
{
    PyObject *sub = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "_hpy_tflags_probe",
                                          (PyObject *)base);
    int ok;
    if (sub == NULL) {
        PyErr_Clear();
        return 0;
    }
    ok = tflags_ok((PyTypeObject *)sub, flag);
    Py_DECREF(sub);
    return ok;
}

/* The start-up probe: where the flags are (natively in the interpreter's
 * headers, in WebAssembly where the start-up check found tp_flags); each
 * of the eight types has its own flag there, bool and a class made now
 * from each inherit it, `object` has none; and a binary takes the offer
 * (with the layout kind the inline step gives it, so that the constant
 * offsets are checked too). */
static int probe_tflags(void)
{
    HPy_ssize_t ob_type_at, tp_mro_at, tp_alloc_at, struct_at;
    _HPyDirectMarker marker;
    _HPyDirectTrampolines d;
    size_t i;
    int ok = 1;
#ifdef HPY_WASM_HOST
    if (!(_HPyWasm_fast & _HPyWasm_FAST_TYPE))
        return 0;
    tflags_at = (HPy_ssize_t)offsetof(_HPyWasm_TypeLayout, tp_flags);
#else
    tflags_at = (HPy_ssize_t)offsetof(PyTypeObject, tp_flags);
    /* where the low 32 bits of the unsigned long are */
    if (tflags_word(&PyLong_Type) != (uint32_t)PyLong_Type.tp_flags)
        tflags_at += (HPy_ssize_t)(sizeof(unsigned long) - sizeof(uint32_t));
#endif
    tflags_fill_types();
    for (i = 0; i < TFLAGS_N; i++)
        ok = ok && tflags_ok((PyTypeObject *)tflags_types[i], tflags_flags[i]) &&
             tflags_inherited(tflags_types[i], tflags_flags[i]);
    ok = ok && tflags_ok(&PyBool_Type, (uint32_t)Py_TPFLAGS_LONG_SUBCLASS) &&
         tflags_ok(&PyBaseObject_Type, 0) && tflags_inherited(&PyBaseObject_Type, 0);
    if (!ok)
        return 0;
    memset(&d, 0, sizeof d);
    (void)hpy_host_direct_signatures(&d.tuple_size_at, &d.tuple_items_at);
    hpy_host_direct_inline(&ob_type_at, &tp_mro_at, &tp_alloc_at, &marker, &struct_at);
    d.ob_type_at = ob_type_at;
    d.tp_mro_at = tp_mro_at;
    d.tp_alloc_at = tp_alloc_at;
    d.alloc_marker = marker;
    d.struct_at = struct_at;
    d.layout_kind = _HPy_DirectLayoutKind(&d);
    return _HPy_DirectTFlagsTake(&d, tflags_at, tflags_types, tflags_flags, TFLAGS_N);
}

int hpy_host_direct_typeflags(HPy_ssize_t *tp_flags_at, const void *const **types,
                              const uint32_t **flags, size_t *n)
{
    static int probed = -1;
    if (probed < 0)
        probed = probe_tflags();
    if (!probed)
        return 0;
    *tp_flags_at = tflags_at;
    *types = tflags_types;
    *flags = tflags_flags;
    *n = TFLAGS_N;
    return 1;
}

/* Whether `ctx` lets the host install a stub for an implementation of `sig`. */
static int wants_stub(HPyContext *ctx, int sig)
{
    if (ctx == _HPY_EP_CTX)
        return 1;
    if (ctx != &_hpy_universal_direct_ctx || sig < 0 || sig > 63)
        return 0;
    HPy_ssize_t size_at, items_at;
    return !(hpy_host_direct_signatures(&size_at, &items_at) & ((uint64_t)1 << sig));
}

static size_t hash_impl(HPyCFunction impl)
{
    uintptr_t h = (uintptr_t)impl;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (size_t)h;
}

static HPyCFunction pool_stub(_HPyEntryPool *pool, HPyCFunction impl)
{
    const size_t mask = 2 * _HPY_EP_POOL_SIZE - 1;
    size_t k = hash_impl(impl) & mask;
    for (;;) {
        int i = pool->index[k];
        if (i == 0)
            break;
        if (pool->impls[i - 1] == impl)
            return pool->stubs[i - 1];
        k = (k + 1) & mask;
    }
    /* the table is at most half full, so a free entry was found */
    if (pool->used >= _HPY_EP_POOL_SIZE)
        return NULL;
    int i = pool->used++;
    pool->impls[i] = impl;
    pool->index[k] = (uint16_t)(i + 1);
    return pool->stubs[i];
}

_HPy_HIDDEN HPyCFunction _HPy_HostEntryPoint(HPyContext *ctx, HPyFunc_Signature sig,
                                             HPyCFunction impl)
{
    if (impl == NULL || !entry_points_enabled || !wants_stub(ctx, (int)sig))
        return NULL;
    _HPyEntryPool *pool = _hpy_ep_pool_for(sig);
    return pool == NULL ? NULL : pool_stub(pool, impl);
}

_HPy_HIDDEN HPyCFunction _HPy_HostSlotEntryPoint(HPyContext *ctx, HPySlot_Slot slot,
                                                 HPyCFunction impl)
{
    if (impl == NULL || !entry_points_enabled)
        return NULL;
    int sig = _hpy_ep_slot_signature(slot);
    if (sig < 0 || !wants_stub(ctx, sig))
        return NULL;
    _HPyEntryPool *pool = _hpy_ep_pool_for((HPyFunc_Signature)sig);
    return pool == NULL ? NULL : pool_stub(pool, impl);
}

PyObject *hpy_host_entry_points_in_use(void)
{
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (int p = 0; p < _HPY_EP_N_POOLS; p++) {
        PyObject *n = PyLong_FromLong(_hpy_ep_pools[p].used);
        if (n == NULL || PyDict_SetItemString(d, _hpy_ep_pools[p].name, n) < 0) {
            Py_XDECREF(n);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(n);
    }
    PyObject *size = PyLong_FromLong(_HPY_EP_POOL_SIZE);
    if (size == NULL || PyDict_SetItemString(d, "_pool_size", size) < 0) {
        Py_XDECREF(size);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(size);
    return d;
}

int hpy_host_set_entry_points_enabled(int enabled)
{
    return hpy_host_swap_switch(&entry_points_enabled, enabled);
}
