/* The hook through which the shared runtime (ctx_module.c, ctx_type.c) lets
 * the universal host install its own entry points instead of an extension's
 * trampolines (entry_points.c). Host only: the runtime includes it under HPY_HOST. */
#ifndef HPY_HOST_ENTRY_POINTS_H
#define HPY_HOST_ENTRY_POINTS_H

/* A host function with the CPython signature of `sig` calling `impl` with
 * `ctx`, to install instead of the extension's trampoline; NULL (keep the
 * trampoline) unless `ctx` is the universal-mode context, or if the host has
 * none for `sig` or has run out. Never sets an exception. */
_HPy_HIDDEN HPyCFunction _HPy_HostEntryPoint(HPyContext *ctx, HPyFunc_Signature sig,
                                             HPyCFunction impl);
/* The same for the implementation of an HPy slot (signature from the slot). */
_HPy_HIDDEN HPyCFunction _HPy_HostSlotEntryPoint(HPyContext *ctx, HPySlot_Slot slot,
                                                 HPyCFunction impl);

/* What CPython gets for an implementation: the host's own entry point when
 * `ctx` allows one, else the extension's trampoline. Used by every host's
 * type and module creation (runtime/ctx_type.c, wasm/host/src). */
static inline void *_HPy_HostEntryOr(void *trampoline, HPyCFunction ep)
{
    return ep != NULL ? (void *)ep : trampoline;
}
#define _HPy_HOST_ENTRY(ctx, sig, impl, trampoline) \
    _HPy_HostEntryOr((void *)(trampoline),          \
                     _HPy_HostEntryPoint((ctx), (sig), (HPyCFunction)(void (*)(void))(impl)))
#define _HPy_HOST_SLOT_ENTRY(ctx, def)                   \
    _HPy_HostEntryOr((void *)(def)->slot.cpy_trampoline, \
                     _HPy_HostSlotEntryPoint((ctx), (def)->slot.slot, (def)->slot.impl))

#endif /* HPY_HOST_ENTRY_POINTS_H */
