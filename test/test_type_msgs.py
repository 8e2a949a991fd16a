"""What HPyType_FromSpec and the functions on types reject, with the exception
class and the start of the text other HPy implementations raise (extensions'
test suites match them): the call protocol, members, legacy types, and
non-type arguments (ctx_type.c)."""
import pytest

from support import build_abi


def raises_text(cls, text, func, *args):
    """`func(*args)` raises exactly `cls` with a message starting with `text`."""
    with pytest.raises(Exception) as e:
        func(*args)
    assert type(e.value) is cls and str(e.value).startswith(text), repr(e.value)
    return str(e.value)


PURE = """
    typedef struct { long a; HPy_ssize_t vc; } SObject;
    HPyType_HELPERS(SObject)

    HPyDef_SLOT(S_call, HPy_tp_call)
    static HPy S_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return HPyLong_FromSize_t(ctx, nargs);
    }
    HPyDef_MEMBER(S_a, "a", HPyMember_LONG, offsetof(SObject, a))
    HPyDef_MEMBER(S_vc, "__vectorcalloffset__", HPyMember_HPYSSIZET, offsetof(SObject, vc),
                  .readonly = 1)
    HPyDef_METH(S_meth, "m", HPyFunc_NOARGS)
    static HPy S_meth_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, ctx->h_None); }

    static HPyDef *d_call[] = { &S_call, NULL };
    static HPyDef *d_member[] = { &S_a, NULL };
    static HPyDef *d_call_vc[] = { &S_call, &S_vc, NULL };
    static HPyDef *d_call_meth[] = { &S_call, &S_meth, NULL };

    static HPyType_Spec specs[] = {
        /* 0: a call function in a var object */
        { .name = "mytest.VarCall", .basicsize = sizeof(SObject), .itemsize = 8,
          .defines = d_call },
        /* 1: members in a type that has no struct of its own */
        { .name = "mytest.NoStruct", .defines = d_member },
        /* 2: the call function twice */
        { .name = "mytest.TwoCalls", .basicsize = sizeof(SObject), .defines = d_call_vc },
        /* 3: a Long-shaped type: int instances keep their digits inline */
        { .name = "mytest.LongCall", .basicsize = sizeof(SObject),
          .builtin_shape = HPyType_BuiltinShape_Long, .defines = d_call },
        /* 4: no struct, but a call function (which gets a field of its own) */
        { .name = "mytest.CallOnly", .flags = HPy_TPFLAGS_DEFAULT, .defines = d_call_meth },
    };

    HPyDef_METH(make, "make", HPyFunc_O)
    static HPy make_impl(HPyContext *ctx, HPy self, HPy i)
    {
        return HPyType_FromSpec(ctx, &specs[HPyLong_AsLong(ctx, i)], NULL);
    }

    HPyDef_METH(new_of, "new_of", HPyFunc_O)
    static HPy new_of_impl(HPyContext *ctx, HPy self, HPy type)
    {
        SObject *data;
        return HPy_New(ctx, type, &data);
    }

    HPyDef_METH(generic_new, "generic_new", HPyFunc_O)
    static HPy generic_new_impl(HPyContext *ctx, HPy self, HPy type)
    {
        return HPyType_GenericNew(ctx, type, NULL, 0, HPy_NULL);
    }

    HPyDef_METH(shape, "shape", HPyFunc_O)
    static HPy shape_impl(HPyContext *ctx, HPy self, HPy type)
    {
        HPyType_BuiltinShape s = _HPyType_GetBuiltinShape(ctx, type);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, (long)s);
    }

    HPyDef_CALL_FUNCTION(other_call)
    static HPy other_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(set_call, "set_call", HPyFunc_O)
    static HPy set_call_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        if (HPy_SetCallFunction(ctx, obj, &other_call) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }
    @EXPORT(make)
    @EXPORT(new_of)
    @EXPORT(generic_new)
    @EXPORT(shape)
    @EXPORT(set_call)
    @INIT
"""


def test_call_protocol_and_member_errors(hpy):
    mod = hpy.make_module(PURE)
    raises_text(TypeError, "Cannot use HPy call protocol with var objects", mod.make, 0)
    raises_text(TypeError, "Type claims to have basicsize==0 but defines members", mod.make, 1)
    assert raises_text(TypeError, "Cannot have HPy_tp_call and explicit member"
                                  "'__vectorcalloffset__'. Specify just one of them.",
                       mod.make, 2).endswith("(type 'mytest.TwoCalls')")
    raises_text(TypeError, "Cannot use HPy call protocol with var objects", mod.make, 3)
    # a call function needs no struct: it has a field of its own
    C = mod.make(4)
    c = mod.generic_new(C)
    assert c(1, 2, 3) == 3
    assert c.m() is None


def test_non_type_arguments(hpy):
    mod = hpy.make_module(PURE)
    raises_text(TypeError, "HPy_New arg 1 must be a type", mod.new_of, 42)
    raises_text(TypeError, "HPy_Type_GenericNew arg 1 must be a type", mod.generic_new, "x")
    raises_text(TypeError, "arg must be a type", mod.shape, 1.5)
    assert mod.shape(int) == -1  # a type made with the C API: Legacy
    raises_text(TypeError, "type 'int does not implement the HPy call protocol",
                mod.set_call, 42)
    C = mod.make(4)
    c = mod.generic_new(C)
    mod.set_call(c)
    assert c(1) is None


LEGACY = """
    typedef struct { PyObject_HEAD long x; } LObject;
    HPyType_LEGACY_HELPERS(LObject)

    HPyDef_SLOT(L_call, HPy_tp_call)
    static HPy L_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return HPyLong_FromSize_t(ctx, nargs);
    }
    HPyDef_SLOT(L_traverse, HPy_tp_traverse)
    static int L_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg) { return 0; }
    HPyDef_MEMBER(L_x, "x", HPyMember_LONG, offsetof(LObject, x))

    static void leg_dealloc(PyObject *self) { PyObject_Del(self); }
    static int leg_traverse(PyObject *self, visitproc visit, void *arg) { return 0; }
    static PyMemberDef leg_members[] = {
        {"x", T_LONG, offsetof(LObject, x), 0, NULL}, {NULL, 0, 0, 0, NULL} };
    static PyType_Slot dealloc_slots[] = { {Py_tp_dealloc, (void *)leg_dealloc}, {0, NULL} };
    static PyType_Slot traverse_slots[] = { {Py_tp_traverse, (void *)leg_traverse}, {0, NULL} };
    static PyType_Slot member_slots[] = { {Py_tp_members, leg_members}, {0, NULL} };

    static HPyDef *d_call[] = { &L_call, NULL };
    static HPyDef *d_traverse[] = { &L_traverse, NULL };
    static HPyDef *d_member[] = { &L_x, NULL };
    static HPyDef *d_none[] = { NULL };

    static HPyType_Spec specs[] = {
        /* 0: the call function's field cannot go after an inherited struct */
        { .name = "mytest.A", .builtin_shape = HPyType_BuiltinShape_Legacy, .defines = d_call },
        /* 1: a legacy tp_dealloc would skip what HPy_tp_traverse needs */
        { .name = "mytest.B", .basicsize = sizeof(LObject), .flags = HPy_TPFLAGS_DEFAULT,
          .builtin_shape = HPyType_BuiltinShape_Legacy, .legacy_slots = dealloc_slots,
          .defines = d_traverse },
        /* 2: HAVE_GC with a legacy traverse only */
        { .name = "mytest.C", .basicsize = sizeof(LObject),
          .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
          .builtin_shape = HPyType_BuiltinShape_Legacy, .legacy_slots = traverse_slots,
          .defines = d_none },
        /* 3, 4: members (HPy, legacy) without a struct of its own */
        { .name = "mytest.D", .builtin_shape = HPyType_BuiltinShape_Legacy, .defines = d_member },
        { .name = "mytest.E", .builtin_shape = HPyType_BuiltinShape_Legacy,
          .legacy_slots = member_slots, .defines = d_none },
        /* 5: with a struct of its own, the call function is fine */
        { .name = "mytest.F", .basicsize = sizeof(LObject), .flags = HPy_TPFLAGS_DEFAULT,
          .builtin_shape = HPyType_BuiltinShape_Legacy, .defines = d_call },
    };

    HPyDef_METH(make, "make", HPyFunc_O)
    static HPy make_impl(HPyContext *ctx, HPy self, HPy i)
    {
        return HPyType_FromSpec(ctx, &specs[HPyLong_AsLong(ctx, i)], NULL);
    }
    HPyDef_METH(generic_new, "generic_new", HPyFunc_O)
    static HPy generic_new_impl(HPyContext *ctx, HPy self, HPy type)
    {
        return HPyType_GenericNew(ctx, type, NULL, 0, HPy_NULL);
    }
    @EXPORT(make)
    @EXPORT(generic_new)
    @INIT
"""


def test_legacy_type_errors(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("legacy types need the C API (cpython and hybrid ABIs)")
    mod = hpy.make_module('#include "structmember.h"\n' + LEGACY)
    raises_text(TypeError, "Cannot use HPy call protocol with legacy types that inherit the "
                           "struct. Either set the basicsize to anon-zero value or use legacy "
                           "slot 'Py_tp_call'.", mod.make, 0)
    raises_text(TypeError, "legacy tp_dealloc is incompatible with HPy_tp_traverse or "
                           "HPy_tp_destroy.", mod.make, 1)
    raises_text(ValueError, "You must provide an HPy_tp_traverse slot if you specify "
                            "HPy_TPFLAGS_HAVE_GC", mod.make, 2)
    raises_text(TypeError, "Type claims to have basicsize==0 but defines members", mod.make, 3)
    raises_text(TypeError, "Type claims to have basicsize==0 but defines members", mod.make, 4)
    F = mod.make(5)
    assert mod.generic_new(F)(1, 2) == 2
