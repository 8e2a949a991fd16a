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

HPyAPI_FUNC HPy _HPy_New(HPyContext *ctx, HPy h_type, void **data)
{
    return ctx->ctx_New(ctx, h_type, data);
}

#ifdef HPY_HOST
#    include "hpy/runtime/pyobject_handles.h"
#    include "hpy/runtime/autogen_ctx_decl.h"
#else
/* The context handed over by the host at load time, which the CPython-side
 * trampolines use (they are called by CPython, without a context). One per
 * binary; with HPY_EMBEDDED_MODULES one per translation unit. */
#    ifdef HPY_EMBEDDED_MODULES
static HPyContext *_ctx_for_trampolines;
#    else
extern _HPy_HIDDEN HPyContext *_ctx_for_trampolines;
#    endif
#endif

#include "hpy/universal/autogen_trampolines.h"

/* Defines the module's entry points. `ext_name` is the module's short name
 * (the file name up to the first dot); `mod_def` an HPyModuleDef. The host
 * calls the version getters, then HPyInitGlobalContext_<name>, then
 * HPyInit_<name> (see the loading protocol in docs/). */
#ifdef HPY_EMBEDDED_MODULES
#    define _HPY_CTX_FOR_TRAMPOLINES_DEFINITION
#else
#    define _HPY_CTX_FOR_TRAMPOLINES_DEFINITION _HPy_HIDDEN HPyContext *_ctx_for_trampolines;
#endif

#define HPy_MODINIT(ext_name, mod_def)                                                  \
    _HPY_CTX_FOR_TRAMPOLINES_DEFINITION                                                 \
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
    }

#endif /* HPY_UNIVERSAL_HPY_UNIVERSAL_H */
