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
#include "entry_points.h"
#include "hpy_host.h"
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
    int old = entry_points_enabled;
    entry_points_enabled = enabled;
    return old;
}
