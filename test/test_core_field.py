"""HPyGlobal (module-level references) and HPyField (references inside an
object's struct), ctx_field.c."""
import gc
import sys
import textwrap


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


# A complete module (no @INIT: support's generated HPyModuleDef has no
# .globals), compiled and loaded with Builder.compile/load.
GLOBALS = textwrap.dedent("""
    #include "hpy.h"

    static HPyGlobal g_obj;
    static HPyGlobal g_set_at_exec;

    HPyDef_METH(store, "store", HPyFunc_O)
    static HPy store_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyGlobal_Store(ctx, &g_obj, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(clear, "clear", HPyFunc_NOARGS)
    static HPy clear_impl(HPyContext *ctx, HPy self)
    {
        HPyGlobal_Store(ctx, &g_obj, HPy_NULL);
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* load(): the stored object, or the string "<empty>" */
    HPyDef_METH(load, "load", HPyFunc_NOARGS)
    static HPy load_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyGlobal_Load(ctx, g_obj);
        if (HPy_IsNull(h)) {
            if (HPyErr_Occurred(ctx))
                return HPy_NULL;
            return HPyUnicode_FromString(ctx, "<empty>");
        }
        return h;
    }

    HPyDef_METH(load_exec, "load_exec", HPyFunc_NOARGS)
    static HPy load_exec_impl(HPyContext *ctx, HPy self)
    {
        return HPyGlobal_Load(ctx, g_set_at_exec);
    }

    /* Store the same object n times, then load and close it n times */
    HPyDef_METH(churn, "churn", HPyFunc_VARARGS)
    static HPy churn_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long n = HPyLong_AsLong(ctx, args[1]), i;
        for (i = 0; i < n; i++) {
            HPy h;
            HPyGlobal_Store(ctx, &g_obj, args[0]);
            h = HPyGlobal_Load(ctx, g_obj);
            HPy_Close(ctx, h);
        }
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_SLOT(exec, HPy_mod_exec)
    static int exec_impl(HPyContext *ctx, HPy m)
    {
        HPy v = HPyUnicode_FromString(ctx, "set at exec");
        if (HPy_IsNull(v))
            return -1;
        HPyGlobal_Store(ctx, &g_set_at_exec, v);
        HPy_Close(ctx, v);
        return 0;
    }

    static HPyDef *defines[] = { &store, &clear, &load, &load_exec, &churn, &exec, NULL };
    static HPyGlobal *globals[] = { &g_obj, &g_set_at_exec, NULL };
    static HPyModuleDef moduledef = {
        .doc = "HPyGlobal test",
        .defines = defines,
        .globals = globals,
    };
    HPy_MODINIT(mytest, moduledef)
""")


def test_globals(hpy):
    mod = hpy.load("mytest", hpy.compile("mytest", GLOBALS))
    assert mod.__doc__ == "HPyGlobal test"
    assert mod.load() == "<empty>"
    assert mod.load_exec() == "set at exec"
    o = object()
    before = sys.getrefcount(o)
    mod.store(o)
    assert sys.getrefcount(o) == before + 1      # the global holds a reference
    assert mod.load() is o
    mod.store(o)                                 # storing again keeps one reference
    assert sys.getrefcount(o) == before + 1
    mod.store("other")                           # replacing releases the old value
    assert sys.getrefcount(o) == before
    assert mod.load() == "other"
    mod.churn(o, 100)
    assert sys.getrefcount(o) == before + 1
    mod.clear()
    assert sys.getrefcount(o) == before
    assert mod.load() == "<empty>"


FIELDS = src("""
    typedef struct {
        HPyField a;
    } BoxObject;
    HPyType_HELPERS(BoxObject)

    HPyDef_SLOT(Box_new, HPy_tp_new)
    static HPy Box_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        BoxObject *box;
        HPy h = HPy_New(ctx, cls, &box);
        if (HPy_IsNull(h))
            return HPy_NULL;
        if (nargs > 0)
            HPyField_Store(ctx, h, &box->a, args[0]);
        return h;
    }

    HPyDef_SLOT(Box_traverse, HPy_tp_traverse)
    static int Box_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        BoxObject *box = (BoxObject *)self;
        HPy_VISIT(&box->a);
        return 0;
    }

    HPyDef_METH(Box_get, "get", HPyFunc_NOARGS)
    static HPy Box_get_impl(HPyContext *ctx, HPy self)
    {
        BoxObject *box = BoxObject_AsStruct(ctx, self);
        HPy h = HPyField_Load(ctx, self, box->a);
        if (HPy_IsNull(h))
            return HPyUnicode_FromString(ctx, "<empty>");
        return h;
    }

    HPyDef_METH(Box_set, "set", HPyFunc_O)
    static HPy Box_set_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        BoxObject *box = BoxObject_AsStruct(ctx, self);
        HPyField_Store(ctx, self, &box->a, HPy_Is(ctx, arg, ctx->h_None) ? HPy_NULL : arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    static HPyDef *Box_defines[] = { &Box_new, &Box_traverse, &Box_get, &Box_set, NULL };
    static HPyType_Spec Box_spec = {
        .name = "mytest.Box",
        .basicsize = sizeof(BoxObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
        .builtin_shape = SHAPE(BoxObject),
        .defines = Box_defines,
    };
    @EXPORT_TYPE("Box", Box_spec)
    @INIT
""")


def test_fields(hpy):
    mod = hpy.make_module(FIELDS)
    o = object()
    before = sys.getrefcount(o)
    b = mod.Box(o)
    assert b.get() is o
    assert sys.getrefcount(o) == before + 1
    b.set(o)
    assert sys.getrefcount(o) == before + 1
    b.set("x")
    assert sys.getrefcount(o) == before
    assert b.get() == "x"
    b.set(None)
    assert b.get() == "<empty>"
    b.set(o)
    del b
    gc.collect()
    assert sys.getrefcount(o) == before
    # a reference cycle through a field is collected
    b = mod.Box()
    b.set(b)
    del b
    gc.collect()
