/* The context of a cpython-ABI extension: one per binary, holding the handle
 * constants. Only meaningful in the cpython ABI (the universal host compiles
 * every runtime source, so the file is empty there). */
#include "hpy.h"

#ifdef HPY_ABI_CPYTHON

_HPy_HIDDEN struct _HPyContext_s _hpy_cpython_ctx = {
    .name = "HPy CPython ABI",
    .abi_version = HPY_ABI_VERSION,
};

#else
typedef int _hpy_ctx_cpython_is_empty_here;
#endif
