"""HPyHelpers_AddType, HPyHelpers_PackArgsAndKeywords and HPyTuple_Pack
(hpy/devel/src/runtime/helpers.c), in every ABI."""
import sys
import textwrap
import types

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


needs_refcount = pytest.mark.skipif(not hasattr(sys, "getrefcount"),
                                    reason="needs sys.getrefcount")

PACK = src("""
    /* pack(*args, **kwargs) -> (args_tuple or None, kwargs_dict or None) */
    HPyDef_METH(pack, "pack", HPyFunc_KEYWORDS)
    static HPy pack_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        HPy t, d, res;
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &t, &d))
            return HPy_NULL;
        res = HPyTuple_Pack(ctx, 2, HPy_IsNull(t) ? ctx->h_None : t,
                            HPy_IsNull(d) ? ctx->h_None : d);
        HPy_Close(ctx, t);
        if (!HPy_IsNull(d))
            HPy_Close(ctx, d);
        return res;
    }

    /* pack_explicit(kwnames or None, *values): kwnames passed as given; the
     * last len(kwnames) values are the keyword values */
    HPyDef_METH(pack_explicit, "pack_explicit", HPyFunc_VARARGS)
    static HPy pack_explicit_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy t = HPy_Dup(ctx, ctx->h_True), d = HPy_Dup(ctx, ctx->h_True), res;
        HPy kwnames = HPy_Is(ctx, args[0], ctx->h_None) ? HPy_NULL : args[0];
        HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
        HPy_Close(ctx, t);
        HPy_Close(ctx, d);
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args + 1, nargs - 1 - (size_t)nkw, kwnames,
                                            &t, &d)) {
            /* both outputs are HPy_NULL after a failure */
            if (!HPy_IsNull(t) || !HPy_IsNull(d))
                HPyErr_SetString(ctx, ctx->h_AssertionError, "outputs not cleared");
            return HPy_NULL;
        }
        res = HPyTuple_Pack(ctx, 2, HPy_IsNull(t) ? ctx->h_None : t,
                            HPy_IsNull(d) ? ctx->h_None : d);
        HPy_Close(ctx, t);
        if (!HPy_IsNull(d))
            HPy_Close(ctx, d);
        return res;
    }

    HPyDef_METH(pack_null_outputs, "pack_null_outputs", HPyFunc_O)
    static HPy pack_null_outputs_impl(HPyContext *ctx, HPy self, HPy which)
    {
        HPy t, d;
        int ok = HPy_IsTrue(ctx, which)
            ? HPyHelpers_PackArgsAndKeywords(ctx, NULL, 0, HPy_NULL, &t, NULL)
            : HPyHelpers_PackArgsAndKeywords(ctx, NULL, 0, HPy_NULL, NULL, &d);
        if (ok)
            return HPy_Dup(ctx, ctx->h_None);
        return HPy_NULL;
    }

    /* tuple_pack(n, *items): HPyTuple_Pack with n items (HPy_NULL for None
     * when n < 0 is given as -n-1 ... see the tests) */
    HPyDef_METH(tuple_pack, "tuple_pack", HPyFunc_VARARGS)
    static HPy tuple_pack_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy a[20];
        size_t i;
        long n = HPyLong_AsLong(ctx, args[0]);
        for (i = 0; i < 20; i++)
            a[i] = i + 1 < nargs && !HPy_Is(ctx, args[i + 1], ctx->h_None) ? args[i + 1]
                                                                         : HPy_NULL;
        return HPyTuple_Pack(ctx, n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                             a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17],
                             a[18], a[19]);
    }

    @EXPORT(pack)
    @EXPORT(pack_explicit)
    @EXPORT(pack_null_outputs)
    @EXPORT(tuple_pack)
    @INIT
""")

_modules = {}


@pytest.fixture
def mod(hpy):
    if hpy.abi not in _modules:
        _modules[hpy.abi] = hpy.make_module(PACK, name=f"helpers_{hpy.abi}")
    return _modules[hpy.abi]


# ---- HPyHelpers_PackArgsAndKeywords ----

def test_pack(mod):
    # as upstream: HPy_NULL (None here) for no positional arguments
    assert mod.pack() == (None, None)
    assert mod.pack(1, 2) == ((1, 2), None)
    assert mod.pack(a=1) == (None, {"a": 1})
    assert mod.pack(1, "x", a=1, b=[2]) == ((1, "x"), {"a": 1, "b": [2]})
    t, d = mod.pack(1, z=2, a=3)
    assert type(t) is tuple and type(d) is dict
    assert list(d) == ["z", "a"]           # the order of kwnames


def test_pack_explicit(mod):
    assert mod.pack_explicit(None, 1, 2) == ((1, 2), None)
    assert mod.pack_explicit((), 1, 2) == ((1, 2), None)    # no keywords: HPy_NULL
    assert mod.pack_explicit(("k",), 1, 2) == ((1,), {"k": 2})
    assert mod.pack_explicit(("k", "j"), 1, 2) == (None, {"k": 1, "j": 2})
    assert mod.pack_explicit(()) == (None, None)


def test_pack_errors(mod):
    with pytest.raises(TypeError, match="unhashable"):
        mod.pack_explicit(([],), 1, 2)
    with pytest.raises(TypeError):
        mod.pack_explicit(5, 1, 2)
    with pytest.raises(SystemError) as e:
        mod.pack_null_outputs(True)
    assert str(e.value) == "argument 'out_kwd' must not be NULL"
    with pytest.raises(SystemError) as e:
        mod.pack_null_outputs(False)
    assert str(e.value) == "argument 'out_pos_args' must not be NULL"


@needs_refcount
def test_pack_refcounts(mod):
    obj = object()
    key = "key_" + str(id(obj))

    def calls():
        mod.pack(obj, obj, **{key: obj})
        mod.pack_explicit((key,), obj, obj)
        with pytest.raises(TypeError):
            mod.pack_explicit((key, []), obj, obj, obj)

    calls()
    before = (sys.getrefcount(obj), sys.getrefcount(key))
    for _ in range(100):
        calls()
    assert (sys.getrefcount(obj), sys.getrefcount(key)) == before


# ---- HPyTuple_Pack ----

def test_tuple_pack(mod):
    assert mod.tuple_pack(0) == ()
    assert mod.tuple_pack(1, "a") == ("a",)
    assert mod.tuple_pack(3, 1, 2, 3) == (1, 2, 3)
    assert mod.tuple_pack(2, 1, 2, 3) == (1, 2)               # extra varargs unused
    items = tuple(range(20))
    assert mod.tuple_pack(20, *items) == items                # beyond the stack buffer
    assert mod.tuple_pack(17, *items) == items[:17]


def test_tuple_pack_errors(mod):
    with pytest.raises(SystemError, match="negative"):
        mod.tuple_pack(-1)
    with pytest.raises(SystemError, match="HPy_NULL"):
        mod.tuple_pack(2, 1, None)


@needs_refcount
def test_tuple_pack_refcounts(mod):
    obj = object()
    base = sys.getrefcount(obj)
    t = mod.tuple_pack(3, obj, obj, obj)
    assert sys.getrefcount(obj) == base + 3
    del t
    for _ in range(100):
        mod.tuple_pack(20, *([obj] * 20))
        with pytest.raises(SystemError):
            mod.tuple_pack(3, obj, None, obj)
    assert sys.getrefcount(obj) == base


# ---- HPyHelpers_AddType ----

ADDTYPE = src("""
    typedef struct { long x; } PointObject;
    HPyType_HELPERS(PointObject)

    HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))

    static HPyDef *Point_defines[] = { &Point_x, NULL };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(PointObject),
        .builtin_shape = SHAPE(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = Point_defines,
        .doc = "A point",
    };

    /* add_type(obj, name) -> the C truth value HPyHelpers_AddType returned */
    HPyDef_METH(add_type, "add_type", HPyFunc_VARARGS)
    static HPy add_type_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        int res;
        if (name == NULL) return HPy_NULL;
        res = HPyHelpers_AddType(ctx, args[0], name, &Point_spec, NULL);
        if (res != 0 && res != 1)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "not a C truth value");
        if (!res) {
            if (!HPyErr_Occurred(ctx))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "no error set");
            return HPy_NULL;
        }
        return HPyLong_FromLong(ctx, res);
    }

    /* add_subtype(obj, name, base): with HPyType_SpecParam_Base */
    HPyDef_METH(add_subtype, "add_subtype", HPyFunc_VARARGS)
    static HPy add_subtype_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        static HPyType_Spec sub_spec = {
            .name = "mytest.Sub",
            .basicsize = sizeof(PointObject),
            .builtin_shape = SHAPE(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT,
        };
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Base, args[2] },
            { (HPyType_SpecParam_Kind)0, HPy_NULL }
        };
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL) return HPy_NULL;
        if (!HPyHelpers_AddType(ctx, args[0], name, &sub_spec, params))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, 1);
    }

    /* at module exec, the usual use */
    HPyDef_SLOT(exec_add, HPy_mod_exec)
    static int exec_add_impl(HPyContext *ctx, HPy m)
    {
        if (!HPyHelpers_AddType(ctx, m, "Point", &Point_spec, NULL))
            return -1;
        return 0;
    }

    @EXPORT(add_type)
    @EXPORT(add_subtype)
    @EXPORT(exec_add)
    @INIT
""")


@pytest.fixture
def typemod(hpy):
    return hpy.make_module(ADDTYPE, name="mytest")


def test_add_type_at_exec(typemod):
    P = typemod.Point
    assert isinstance(P, type)
    assert P.__name__ == "Point"
    assert P.__module__ == "mytest"
    assert P.__doc__ == "A point"


def test_add_type_on_object(typemod):
    ns = types.SimpleNamespace()
    assert typemod.add_type(ns, "MyPoint") == 1
    assert isinstance(ns.MyPoint, type)
    assert ns.MyPoint.__name__ == "Point"
    assert ns.MyPoint is not typemod.Point          # a new type each time


def test_add_type_params(typemod):
    ns = types.SimpleNamespace()
    assert typemod.add_subtype(ns, "Sub", typemod.Point) == 1
    assert issubclass(ns.Sub, typemod.Point)
    assert ns.Sub.__name__ == "Sub"


def test_add_type_failure(typemod):
    with pytest.raises(AttributeError):
        typemod.add_type(42, "Point")                 # int has no settable attributes

    class NoSet:
        def __setattr__(self, name, value):
            raise ValueError("no " + name)

    with pytest.raises(ValueError, match="no Point"):
        typemod.add_type(NoSet(), "Point")
    with pytest.raises(TypeError):
        typemod.add_subtype(types.SimpleNamespace(), "Sub", 42)   # base is not a type
