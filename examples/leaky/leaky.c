/* A planted bug for the demo: count_items() forgets to close a handle.
 * The C API would leak a reference silently; HPy's debug mode reports it. */
#include "hpy.h"

HPyDef_METH(count_items, "count_items", HPyFunc_O,
            .doc = "count_items(seq): len(seq), the leaky way")
static HPy count_items_impl(HPyContext *ctx, HPy self, HPy seq)
{
    (void)self;
    HPy_ssize_t n = HPy_Length(ctx, seq);
    if (n < 0)
        return HPy_NULL;
    HPy first = n > 0 ? HPy_GetItem_i(ctx, seq, 0) : HPy_NULL; /* never closed: the bug */
    (void)first;
    return HPyLong_FromSsize_t(ctx, n);
}

static HPyDef *module_defines[] = { &count_items, NULL };
static HPyModuleDef moduledef = { .doc = "a module with a planted handle leak",
                                  .defines = module_defines };

HPy_MODINIT(leaky, moduledef)
