/* The smallest useful HPy extension: two functions, one source, every ABI.
 *
 *   python setup.py --hpy-abi=universal build_ext --inplace
 *   python -c "import quickstart; print(quickstart.say_hello('HPy'))"
 */
#include "hpy.h"

HPyDef_METH(say_hello, "say_hello", HPyFunc_O,
            .doc = "say_hello(name): return a greeting for `name`")
static HPy say_hello_impl(HPyContext *ctx, HPy self, HPy name)
{
    (void)self;
    HPy greeting = HPyUnicode_FromString(ctx, "Hello, ");
    if (HPy_IsNull(greeting))
        return HPy_NULL;
    HPy result = HPy_Add(ctx, greeting, name); /* str + str */
    HPy_Close(ctx, greeting);                  /* every handle is closed once */
    return result;
}

HPyDef_METH(add_ints, "add_ints", HPyFunc_VARARGS, .doc = "add_ints(a, b): a + b, for two C longs")
static HPy add_ints_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "add_ints() takes exactly 2 arguments");
        return HPy_NULL;
    }
    long a = HPyLong_AsLong(ctx, args[0]);
    if (a == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    long b = HPyLong_AsLong(ctx, args[1]);
    if (b == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromLong(ctx, a + b);
}

HPyDef_METH(abi, "abi", HPyFunc_NOARGS, .doc = "abi(): the ABI this binary was built for")
static HPy abi_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPyUnicode_FromString(ctx, HPY_ABI);
}

static HPyDef *module_defines[] = { &say_hello, &add_ints, &abi, NULL };

static HPyModuleDef moduledef = {
    .doc = "HPy quickstart example",
    .defines = module_defines,
};

HPy_MODINIT(quickstart, moduledef)
