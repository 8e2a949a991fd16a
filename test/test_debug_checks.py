"""The debug mode's checks, on a corpus of buggy extension functions: each
planted bug is detected with a message naming the API function and the
handle, both in the default mode (the process aborts: checked in a
subprocess) and in raise mode (hpy.debug.HPyDebugError is raised when the
HPy function returns, and the process goes on)."""

import pytest

from debug_support import Loaded, assert_aborted, make_builder, raise_mode, run_debug_subprocess, snippet

raise_mode = raise_mode  # the fixture

CORPUS = snippet("""
    typedef struct { long x; } PointObject;
    HPyType_HELPERS(PointObject)
    typedef struct { long v; } NumberObject;
    HPyType_HELPERS(NumberObject, HPyType_BuiltinShape_Long)

    static HPyDef *Point_defines[] = { NULL };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Point_defines,
    };

    #define NONE HPy_Dup(ctx, ctx->h_None)

    /* a buffer whose view->obj is not a handle of its own */
    static char buf_data[4] = "abc";
    HPyDef_SLOT(Buf_getbuffer, HPy_bf_getbuffer)
    static int Buf_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
    {
        view->buf = buf_data;
        view->obj = self;   /* should be HPy_Dup(ctx, self) */
        view->len = 3;
        view->itemsize = 1;
        view->readonly = 1;
        view->ndim = 1;
        view->format = NULL;
        view->shape = NULL;
        view->strides = NULL;
        view->suboffsets = NULL;
        view->internal = NULL;
        return 0;
    }
    static HPyDef *Buf_defines[] = { &Buf_getbuffer, NULL };
    static HPyType_Spec Buf_spec = {
        .name = "mytest.Buf",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Buf_defines,
    };

    /* an __init__ that closes one of its arguments */
    HPyDef_SLOT(Init_init, HPy_tp_init)
    static int Init_init_impl(HPyContext *ctx, HPy self, const HPy *args, HPy_ssize_t nargs,
                              HPy kw)
    {
        if (nargs > 0)
            HPy_Close(ctx, args[0]);
        return 0;
    }
    static HPyDef *Init_defines[] = { &Init_init, NULL };
    static HPyType_Spec Init_spec = {
        .name = "mytest.Init",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Init_defines,
    };

    HPyDef_METH(return_kwarg, "return_kwarg", HPyFunc_KEYWORDS)
    static HPy return_kwarg_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                                 HPy kwnames)
    {
        return args[nargs];   /* the first keyword argument's value */
    }

    /* ---- handles ---- */

    HPyDef_METH(use_after_close, "use_after_close", HPyFunc_O)
    static HPy use_after_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        return HPy_Repr(ctx, h);
    }

    HPyDef_METH(double_close, "double_close", HPyFunc_O)
    static HPy double_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        HPy_Close(ctx, h);
        return NONE;
    }

    HPyDef_METH(invalid_handle, "invalid_handle", HPyFunc_NOARGS)
    static HPy invalid_handle_impl(HPyContext *ctx, HPy self)
    {
        HPy h;
        h._i = 0x1230;
        return HPy_Repr(ctx, h);
    }

    HPyDef_METH(return_closed, "return_closed", HPyFunc_O)
    static HPy return_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        return h;
    }

    /* ---- arguments ---- */

    HPyDef_METH(close_arg, "close_arg", HPyFunc_O)
    static HPy close_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Close(ctx, arg);
        return NONE;
    }

    static HPy kept;
    HPyDef_METH(keep_arg, "keep_arg", HPyFunc_O)
    static HPy keep_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        kept = arg;   /* no HPy_Dup: invalid once this call returns */
        return NONE;
    }

    HPyDef_METH(use_kept, "use_kept", HPyFunc_NOARGS)
    static HPy use_kept_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Repr(ctx, kept);
    }

    HPyDef_METH(return_arg, "return_arg", HPyFunc_O)
    static HPy return_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return arg;
    }

    HPyDef_METH(return_arg_varargs, "return_arg_varargs", HPyFunc_VARARGS)
    static HPy return_arg_varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t n)
    {
        return args[0];
    }

    /* ---- context constants ---- */

    HPyDef_METH(return_const, "return_const", HPyFunc_NOARGS)
    static HPy return_const_impl(HPyContext *ctx, HPy self)
    {
        return ctx->h_None;
    }

    HPyDef_METH(close_const, "close_const", HPyFunc_NOARGS)
    static HPy close_const_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, ctx->h_True);
        return NONE;
    }

    /* ---- contexts ---- */

    static HPyContext *saved_ctx;
    HPyDef_METH(save_ctx, "save_ctx", HPyFunc_NOARGS)
    static HPy save_ctx_impl(HPyContext *ctx, HPy self)
    {
        saved_ctx = ctx;
        return NONE;
    }

    HPyDef_METH(use_saved_ctx, "use_saved_ctx", HPyFunc_NOARGS)
    static HPy use_saved_ctx_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(saved_ctx, "stale");
    }

    /* ---- builders ---- */

    HPyDef_METH(tuple_build_twice, "tuple_build_twice", HPyFunc_O)
    static HPy tuple_build_twice_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 1);
        HPyTupleBuilder_Set(ctx, b, 0, arg);
        HPy t = HPyTupleBuilder_Build(ctx, b);
        HPy_Close(ctx, t);
        return HPyTupleBuilder_Build(ctx, b);
    }

    HPyDef_METH(tuple_build_after_cancel, "tuple_build_after_cancel", HPyFunc_O)
    static HPy tuple_build_after_cancel_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 1);
        HPyTupleBuilder_Set(ctx, b, 0, arg);
        HPyTupleBuilder_Cancel(ctx, b);
        return HPyTupleBuilder_Build(ctx, b);
    }

    HPyDef_METH(list_set_after_build, "list_set_after_build", HPyFunc_O)
    static HPy list_set_after_build_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyListBuilder b = HPyListBuilder_New(ctx, 1);
        HPyListBuilder_Set(ctx, b, 0, arg);
        HPy l = HPyListBuilder_Build(ctx, b);
        HPyListBuilder_Set(ctx, b, 0, arg);
        return l;
    }

    HPyDef_METH(list_cancel_twice, "list_cancel_twice", HPyFunc_O)
    static HPy list_cancel_twice_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyListBuilder b = HPyListBuilder_New(ctx, 1);
        HPyListBuilder_Cancel(ctx, b);
        HPyListBuilder_Cancel(ctx, b);
        return NONE;
    }

    /* ---- type arguments ---- */

    HPyDef_METH(typecheck_not_a_type, "typecheck_not_a_type", HPyFunc_O)
    static HPy typecheck_not_a_type_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyBool_FromBool(ctx, HPy_TypeCheck(ctx, self, arg));
    }

    HPyDef_METH(issubtype_not_a_type, "issubtype_not_a_type", HPyFunc_O)
    static HPy issubtype_not_a_type_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyBool_FromBool(ctx, HPyType_IsSubtype(ctx, arg, ctx->h_LongType));
    }

    HPyDef_METH(getname_not_a_type, "getname_not_a_type", HPyFunc_O)
    static HPy getname_not_a_type_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *name = HPyType_GetName(ctx, arg);
        if (name == NULL)
            return HPy_NULL;
        return HPyUnicode_FromString(ctx, name);
    }

    HPyDef_METH(issubtype_arg2_not_a_type, "issubtype_arg2_not_a_type", HPyFunc_O)
    static HPy issubtype_arg2_not_a_type_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyBool_FromBool(ctx, HPyType_IsSubtype(ctx, ctx->h_LongType, arg));
    }

    HPyDef_METH(substring, "substring", HPyFunc_O)
    static HPy substring_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyUnicode_Substring(ctx, arg, 0, 1);
    }

    /* HPy_Call(len, ["x"], 1, kwnames=arg) and HPy_CallMethod("count", ...) */
    HPyDef_METH(call_kwnames, "call_kwnames", HPyFunc_O)
    static HPy call_kwnames_impl(HPyContext *ctx, HPy self, HPy kwnames)
    {
        HPy builtins = HPyImport_ImportModule(ctx, "builtins");
        if (HPy_IsNull(builtins))
            return HPy_NULL;
        HPy f = HPy_GetAttr_s(ctx, builtins, "len");
        HPy_Close(ctx, builtins);
        if (HPy_IsNull(f))
            return HPy_NULL;
        HPy args[2] = { HPyUnicode_FromString(ctx, "xy"), HPyLong_FromLong(ctx, 1) };
        HPy r = HPy_Call(ctx, f, args, 1, kwnames);
        HPy_Close(ctx, args[0]);
        HPy_Close(ctx, args[1]);
        HPy_Close(ctx, f);
        return r;
    }

    HPyDef_METH(callmethod_kwnames, "callmethod_kwnames", HPyFunc_O)
    static HPy callmethod_kwnames_impl(HPyContext *ctx, HPy self, HPy kwnames)
    {
        HPy name = HPyUnicode_FromString(ctx, "count");
        HPy args[2] = { HPyUnicode_FromString(ctx, "xyx"), HPyUnicode_FromString(ctx, "x") };
        HPy r = HPy_CallMethod(ctx, name, args, 2, kwnames);
        HPy_Close(ctx, args[0]);
        HPy_Close(ctx, args[1]);
        HPy_Close(ctx, name);
        return r;
    }

    /* ---- struct shapes ---- */

    HPyDef_METH(new_point, "new_point", HPyFunc_O)
    static HPy new_point_impl(HPyContext *ctx, HPy self, HPy cls)
    {
        PointObject *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (!HPy_IsNull(h))
            p->x = 42;
        return h;
    }

    HPyDef_METH(point_x, "point_x", HPyFunc_O)
    static HPy point_x_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        PointObject *p = PointObject_AsStruct(ctx, arg);
        if (p == NULL)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, p->x);
    }

    /* the universal ABI answers these two inline in universal mode: the
     * debug mode must still see them */
    HPyDef_METH(point_x_closed, "point_x_closed", HPyFunc_O)
    static HPy point_x_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        PointObject *p;
        HPy_Close(ctx, h);
        p = PointObject_AsStruct(ctx, h);
        return p == NULL ? HPy_NULL : HPyLong_FromLong(ctx, p->x);
    }
    HPyDef_METH(typecheck_closed, "typecheck_closed", HPyFunc_O)
    static HPy typecheck_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy t = HPy_Type(ctx, arg);
        int r;
        HPy_Close(ctx, h);
        r = HPy_TypeCheck(ctx, h, t);
        HPy_Close(ctx, t);
        return HPyLong_FromLong(ctx, r);
    }

    HPyDef_METH(wrong_shape, "wrong_shape", HPyFunc_O)
    static HPy wrong_shape_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        NumberObject *n = NumberObject_AsStruct(ctx, arg);   /* arg is a Point */
        if (n == NULL)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, n->v);
    }

    /* ---- fields and globals ---- */

    static HPyField field;
    HPyDef_METH(field_store_closed, "field_store_closed", HPyFunc_O)
    static HPy field_store_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        HPyField_Store(ctx, self, &field, h);
        return NONE;
    }

    static HPyGlobal global;
    HPyDef_METH(global_store_closed, "global_store_closed", HPyFunc_O)
    static HPy global_store_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        HPyGlobal_Store(ctx, &global, h);
        return NONE;
    }

    /* ---- trackers ---- */

    HPyDef_METH(tracker_double_close, "tracker_double_close", HPyFunc_O)
    static HPy tracker_double_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht = HPyTracker_New(ctx, 1);
        HPy h = HPy_Dup(ctx, arg);
        HPyTracker_Add(ctx, ht, h);
        HPy_Close(ctx, h);
        HPyTracker_Close(ctx, ht);
        return NONE;
    }

    /* a word that is no tracker or builder: unmapped, or a pointer into a
       real one (it must be reported without being dereferenced) */
    HPyDef_METH(tracker_garbage, "tracker_garbage", HPyFunc_NOARGS)
    static HPy tracker_garbage_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht;
        ht._i = 0x1230;
        HPyTracker_Close(ctx, ht);
        return NONE;
    }

    HPyDef_METH(tracker_add_garbage, "tracker_add_garbage", HPyFunc_O)
    static HPy tracker_add_garbage_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht;
        ht._i = 0x1238;
        if (HPyTracker_Add(ctx, ht, arg) < 0)
            return HPy_NULL;
        return NONE;
    }

    HPyDef_METH(list_builder_garbage, "list_builder_garbage", HPyFunc_NOARGS)
    static HPy list_builder_garbage_impl(HPyContext *ctx, HPy self)
    {
        HPyListBuilder b;
        b._lst = 0x1230;
        return HPyListBuilder_Build(ctx, b);
    }

    /* correct use of many trackers open at once (records from several
       arenas) */
    HPyDef_METH(many_trackers, "many_trackers", HPyFunc_O)
    static HPy many_trackers_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht[300];
        int i;
        for (i = 0; i < 300; i++) {
            ht[i] = HPyTracker_New(ctx, 1);
            if (HPyTracker_Add(ctx, ht[i], HPy_Dup(ctx, arg)) < 0)
                return HPy_NULL;
        }
        for (i = 0; i < 300; i++)
            HPyTracker_Close(ctx, ht[i]);
        return NONE;
    }

    HPyDef_METH(tuple_builder_inside, "tuple_builder_inside", HPyFunc_O)
    static HPy tuple_builder_inside_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 1);
        HPyTupleBuilder inside = { b._tup + 4 };
        HPyTupleBuilder_Set(ctx, inside, 0, arg);
        HPyTupleBuilder_Cancel(ctx, b);
        return NONE;
    }

    /* ---- raw data (abort only: a memory fault cannot be recovered) ---- */

    HPyDef_METH(utf8_after_close, "utf8_after_close", HPyFunc_O)
    static HPy utf8_after_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
        HPy_Close(ctx, h);
        return HPyLong_FromLong(ctx, ((volatile const char *)s)[0]);
    }

    HPyDef_METH(bytes_after_close, "bytes_after_close", HPyFunc_O)
    static HPy bytes_after_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        const char *s = HPyBytes_AS_STRING(ctx, h);
        HPy_Close(ctx, h);
        return HPyLong_FromLong(ctx, ((volatile const char *)s)[0]);
    }

    HPyDef_METH(bytes_write, "bytes_write", HPyFunc_O)
    static HPy bytes_write_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        char *s = (char *)HPyBytes_AsString(ctx, arg);
        s[0] = 'X';
        return NONE;
    }

    HPyDef_METH(two_violations, "two_violations", HPyFunc_NOARGS)
    static HPy two_violations_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, ctx->h_True);
        HPy_Close(ctx, ctx->h_False);
        return NONE;
    }

    HPyDef_METH(error_and_violation, "error_and_violation", HPyFunc_NOARGS)
    static HPy error_and_violation_impl(HPyContext *ctx, HPy self)
    {
        HPyErr_SetString(ctx, ctx->h_ValueError, "its own error");
        HPy_Close(ctx, ctx->h_True);
        return HPy_NULL;
    }

    HPyDef_METH(call_then_violate, "call_then_violate", HPyFunc_O)
    static HPy call_then_violate_impl(HPyContext *ctx, HPy self, HPy callback)
    {
        HPy r = HPy_CallTupleDict(ctx, callback, HPy_NULL, HPy_NULL);
        if (HPy_IsNull(r))
            return HPy_NULL;
        HPy_Close(ctx, r);
        HPy_Close(ctx, ctx->h_True);
        return NONE;
    }

    HPyDef_METH(fine, "fine", HPyFunc_O)
    static HPy fine_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPy_Dup(ctx, arg);
    }

    @EXPORT(use_after_close)
    @EXPORT(double_close)
    @EXPORT(invalid_handle)
    @EXPORT(return_closed)
    @EXPORT(close_arg)
    @EXPORT(keep_arg)
    @EXPORT(use_kept)
    @EXPORT(return_arg)
    @EXPORT(return_arg_varargs)
    @EXPORT(return_const)
    @EXPORT(close_const)
    @EXPORT(save_ctx)
    @EXPORT(use_saved_ctx)
    @EXPORT(tuple_build_twice)
    @EXPORT(tuple_build_after_cancel)
    @EXPORT(list_set_after_build)
    @EXPORT(list_cancel_twice)
    @EXPORT(typecheck_not_a_type)
    @EXPORT(issubtype_not_a_type)
    @EXPORT(getname_not_a_type)
    @EXPORT(issubtype_arg2_not_a_type)
    @EXPORT(substring)
    @EXPORT(call_kwnames)
    @EXPORT(callmethod_kwnames)
    @EXPORT(new_point)
    @EXPORT(point_x)
    @EXPORT(point_x_closed)
    @EXPORT(typecheck_closed)
    @EXPORT(wrong_shape)
    @EXPORT(field_store_closed)
    @EXPORT(global_store_closed)
    @EXPORT(tracker_double_close)
    @EXPORT(tracker_garbage)
    @EXPORT(many_trackers)
    @EXPORT(tracker_add_garbage)
    @EXPORT(list_builder_garbage)
    @EXPORT(tuple_builder_inside)
    @EXPORT(utf8_after_close)
    @EXPORT(bytes_after_close)
    @EXPORT(bytes_write)
    @EXPORT(two_violations)
    @EXPORT(error_and_violation)
    @EXPORT(call_then_violate)
    @EXPORT(fine)
    @EXPORT(return_kwarg)
    @EXPORT_TYPE("Point", Point_spec)
    @EXPORT_TYPE("Buf", Buf_spec)
    @EXPORT_TYPE("Init", Init_spec)
    @INIT
""")

# (id, Python code calling the buggy function with `mod`, message fragments)
BUGS = [
    ("use_after_close", "mod.use_after_close('hello')",
     ["HPy_Repr: argument 'obj' is a closed handle (use after close)", "created by HPy_Dup",
      "closed by HPy_Close"]),
    ("double_close", "mod.double_close('hello')",
     ["HPy_Close: the handle is already closed (double close)", "closed by HPy_Close"]),
    ("invalid_handle", "mod.invalid_handle()",
     ["HPy_Repr: argument 'obj' is not a valid HPy handle (0x1230)"]),
    ("return_closed", "mod.return_closed('hello')",
     ["the return value of the HPyFunc_O function", "is a closed handle", "closed by HPy_Close"]),
    ("close_arg", "mod.close_arg('hello')",
     ["HPy_Close: closing an argument handle", "an argument handed to an HPy function"]),
    ("keep_arg", "mod.keep_arg('hello'); mod.use_kept()",
     ["HPy_Repr: argument 'obj' is a closed handle",
      "argument handles are closed when their call returns"]),
    ("return_arg", "mod.return_arg('hello')",
     ["the return value of the HPyFunc_O function", "is one of its argument handles, without HPy_Dup"]),
    ("return_arg_varargs", "mod.return_arg_varargs('hello')",
     ["the return value of the HPyFunc_VARARGS function",
      "is one of its argument handles, without HPy_Dup"]),
    ("return_kwarg", "mod.return_kwarg(x='hello')",
     ["the return value of the HPyFunc_KEYWORDS function",
      "is one of its argument handles, without HPy_Dup"]),
    ("buffer_obj_not_duplicated", "bytes(mod.Buf())",
     ["HPy_buffer.obj filled in of the HPyFunc_GETBUFFERPROC function",
      "is one of its argument handles, without HPy_Dup"]),
    ("init_closes_arg", "mod.Init('hello')",
     ["HPy_Close: closing an argument handle"]),
    ("return_const", "mod.return_const()",
     ["the return value of the HPyFunc_NOARGS function",
      "is the context constant ctx->h_None without HPy_Dup"]),
    ("close_const", "mod.close_const()",
     ["HPy_Close: closing a context constant: ctx->h_True"]),
    ("stored_ctx", "mod.save_ctx(); mod.use_saved_ctx()",
     ["HPyUnicode_FromString: called with an HPyContext", "is no longer valid"]),
    ("tuple_build_twice", "mod.tuple_build_twice(1)",
     ["HPyTupleBuilder_Build: the HPyTupleBuilder", "is already built"]),
    ("tuple_build_after_cancel", "mod.tuple_build_after_cancel(1)",
     ["HPyTupleBuilder_Build: the HPyTupleBuilder", "is already cancelled"]),
    ("list_set_after_build", "mod.list_set_after_build(1)",
     ["HPyListBuilder_Set: the HPyListBuilder", "is already built"]),
    ("list_cancel_twice", "mod.list_cancel_twice(1)",
     ["HPyListBuilder_Cancel: the HPyListBuilder", "is already cancelled"]),
    ("typecheck_not_a_type", "mod.typecheck_not_a_type(42)",
     ["HPy_TypeCheck: argument 'type' must be a type, not an instance of 'int'"]),
    ("issubtype_not_a_type", "mod.issubtype_not_a_type(42)",
     ["HPyType_IsSubtype: argument 'sub' must be a type, not an instance of 'int'"]),
    ("getname_not_a_type", "mod.getname_not_a_type(42)",
     ["HPyType_GetName: argument 'type' must be a type, not an instance of 'int'"]),
    ("issubtype_arg2_not_a_type", "mod.issubtype_arg2_not_a_type(42)",
     ["HPyType_IsSubtype: argument 'type' must be a type, not an instance of 'int'"]),
    ("substring_not_unicode", "mod.substring(b'abc')",
     ["HPyUnicode_Substring arg 1 must be a Unicode object: it is an instance of 'bytes'"]),
    ("call_kwnames_not_tuple", "mod.call_kwnames(['x'])",
     ["HPy_Call arg 'kwnames' must be a tuple object or HPy_NULL: it is an instance of 'list'"]),
    ("callmethod_kwnames_not_tuple", "mod.callmethod_kwnames(['x'])",
     ["HPy_CallMethod arg 'kwnames' must be a tuple object or HPy_NULL: it is an instance of "
      "'list'"]),
    ("point_x_closed", "mod.point_x_closed(mod.new_point(mod.Point))",
     ["_HPy_AsStruct_Object: argument 'h' is a closed handle (use after close)",
      "was an object of type 'mytest.Point'", "closed by HPy_Close"]),
    ("typecheck_closed", "mod.typecheck_closed(mod.new_point(mod.Point))",
     ["HPy_TypeCheck: argument 'obj' is a closed handle (use after close)",
      "was an object of type 'mytest.Point'", "closed by HPy_Close"]),
    ("wrong_shape", "mod.wrong_shape(mod.new_point(mod.Point))",
     ["_HPy_AsStruct_Long: the object is an instance of 'mytest.Point', whose builtin shape "
      "is Object, not Long"]),
    ("not_an_hpy_object", "mod.point_x(42)",
     ["_HPy_AsStruct_Object: the object is an instance of 'int', whose builtin shape is "
      "Legacy, not Object"]),
    ("field_store_closed", "mod.field_store_closed('hello')",
     ["HPyField_Store: storing a closed handle into an HPyField", "closed by HPy_Close"]),
    ("global_store_closed", "mod.global_store_closed('hello')",
     ["HPyGlobal_Store: storing a closed handle into an HPyGlobal"]),
    ("tracker_double_close", "mod.tracker_double_close('hello')",
     ["HPyTracker_Close: handle 0 of the tracker is already closed", "closed by HPy_Close"]),
    ("tracker_garbage", "mod.tracker_garbage()",
     ["HPyTracker_Close: argument 'ht' is not a valid HPyTracker (0x1230): it was not returned "
      "by HPyTracker_New"]),
    ("tracker_add_garbage", "mod.tracker_add_garbage('x')",
     ["HPyTracker_Add: argument 'ht' is not a valid HPyTracker (0x1238)"]),
    ("list_builder_garbage", "mod.list_builder_garbage()",
     ["HPyListBuilder_Build: argument 'builder' is not a valid HPyListBuilder (0x1230): it was "
      "not returned by HPyListBuilder_New"]),
    ("tuple_builder_inside", "mod.tuple_builder_inside('x')",
     ["HPyTupleBuilder_Set: argument 'builder' is not a valid HPyTupleBuilder"]),
]

# The first line of the fatal report starts with upstream's text for these
# violations (tools look for it), our details follow.
UPSTREAM_FIRST_LINES = {
    "use_after_close": "Invalid usage of already closed handle: HPy_Repr: argument 'obj'",
    "double_close": "Invalid usage of already closed handle: HPy_Close:",
    "return_closed": "Invalid usage of already closed handle: the return value",
    "keep_arg": "Invalid usage of already closed handle: HPy_Repr:",
    "field_store_closed": "Invalid usage of already closed handle: HPyField_Store:",
    "global_store_closed": "Invalid usage of already closed handle: HPyGlobal_Store:",
    "tracker_double_close": "Invalid usage of already closed handle: HPyTracker_Close:",
    "stored_ctx": "Error: Wrong HPy Context! HPyUnicode_FromString:",
    "tuple_build_twice": "Invalid usage of already closed builder: HPyTupleBuilder_Build:",
    "tuple_build_after_cancel": "Invalid usage of already closed builder: HPyTupleBuilder_Build:",
    "list_set_after_build": "Invalid usage of already closed builder: HPyListBuilder_Set:",
    "list_cancel_twice": "Invalid usage of already closed builder: HPyListBuilder_Cancel:",
    "typecheck_not_a_type": "HPy_TypeCheck arg 2 must be a type: HPy_TypeCheck:",
    "issubtype_not_a_type": "HPyType_IsSubtype arg 1 must be a type: HPyType_IsSubtype:",
    "issubtype_arg2_not_a_type": "HPyType_IsSubtype arg 2 must be a type: HPyType_IsSubtype:",
    "getname_not_a_type": "HPyType_GetName arg must be a type: HPyType_GetName:",
    "substring_not_unicode": "HPyUnicode_Substring arg 1 must be a Unicode object",
    "call_kwnames_not_tuple": "HPy_Call arg 'kwnames' must be a tuple object or HPy_NULL",
    "callmethod_kwnames_not_tuple": "HPy_CallMethod arg 'kwnames' must be a tuple object or HPy_NULL",
}

# Faults on protected raw data: always fatal. (Raw data closed in the call
# that opened its handle is protected in batches: a batch of 1 protects it
# at once, see test_debug_handles.py for the window.)
AT_ONCE = "from hpy.universal import _debug; _debug.set_protected_raw_data_batch(1); "
RAW_BUGS = [
    ("utf8_after_close", AT_ONCE + "mod.utf8_after_close('hello' * 3)",
     ["invalid access to the raw data", "returned by HPyUnicode_AsUTF8AndSize",
      "the handle is closed (closed by HPy_Close)"]),
    ("bytes_after_close", AT_ONCE + "mod.bytes_after_close(b'abc')",
     ["invalid access to the raw data", "returned by HPyBytes_AS_STRING", "the handle is closed"]),
    ("bytes_write", "mod.bytes_write(b'abc')",
     ["invalid access to the raw data", "returned by HPyBytes_AsString",
      "the data is read-only"]),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, _runtime_cache):
    return Loaded(make_builder("debug", tmp_path_factory, _runtime_cache), "mytest", CORPUS)


def test_corpus_works_when_used_correctly(corpus):
    assert corpus.fine("x") == "x"
    for _ in range(3):
        assert corpus.many_trackers("t") is None
    p = corpus.new_point(corpus.Point)
    assert corpus.point_x(p) == 42


@pytest.mark.parametrize("name,code,fragments", BUGS + RAW_BUGS, ids=[b[0] for b in BUGS + RAW_BUGS])
def test_abort_mode(corpus, name, code, fragments):
    proc = run_debug_subprocess(corpus, code)
    assert_aborted(proc, *fragments)
    if name in UPSTREAM_FIRST_LINES:
        [first] = [line for line in proc.stderr.splitlines() if "fatal error:" in line]
        assert first.startswith("HPy debug mode: fatal error: " + UPSTREAM_FIRST_LINES[name]), first


@pytest.mark.parametrize("name,code,fragments", BUGS, ids=[b[0] for b in BUGS])
def test_raise_mode(corpus, raise_mode, name, code, fragments):
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError) as info:
        exec(code, {"mod": corpus})
    for fragment in fragments:
        assert fragment in str(info.value)
    # the process goes on, and the module still works
    assert corpus.fine("still alive") == "still alive"


@pytest.mark.parametrize("name,code,fragments", BUGS, ids=[b[0] for b in BUGS])
def test_raise_mode_from_environment(corpus, name, code, fragments):
    """HPY_DEBUG_RAISE=1 selects the raise mode too; the test suite of an
    extension can then report every violation and go on."""
    script = ("from hpy.debug import HPyDebugError\n"
              "try:\n"
              f"    {code}\n"
              "except HPyDebugError as e:\n"
              "    print('RAISED:', e)\n"
              "print(mod.fine('ok'))\n")
    proc = run_debug_subprocess(corpus, script, env={"HPY_DEBUG_RAISE": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "RAISED:" in proc.stdout and "SUBPROCESS DONE" in proc.stdout
    for fragment in fragments:
        assert fragment in proc.stdout


def test_raise_mode_is_off_by_default(corpus):
    proc = run_debug_subprocess(corpus, "from hpy.universal import _debug; "
                                        "print('RAISE', _debug.get_raise_on_violation())")
    assert "RAISE False" in proc.stdout, proc.stderr
    proc = run_debug_subprocess(corpus, "from hpy.universal import _debug; "
                                        "print('RAISE', _debug.get_raise_on_violation())",
                                env={"HPY_DEBUG_RAISE": "0"})
    assert "RAISE False" in proc.stdout, proc.stderr


def test_raise_mode_chains_the_pending_exception(corpus, raise_mode):
    """An exception the function raised on its own becomes the __context__."""
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError, match="closing a context constant") as info:
        corpus.error_and_violation()
    assert isinstance(info.value.__context__, ValueError)
    assert str(info.value.__context__) == "its own error"
    # an HPyDebugError set by a skipped API function is not chained to itself
    with pytest.raises(HPyDebugError, match="is not a valid HPy handle") as info:
        corpus.invalid_handle()
    assert info.value.__context__ is None


def test_several_violations_in_one_call(corpus, raise_mode):
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError) as info:
        corpus.two_violations()
    assert "ctx->h_True" in str(info.value)       # the first one is reported
    assert "(and 1 more violation in the same call)" in str(info.value)
    with pytest.raises(HPyDebugError) as info:
        corpus.close_const()
    assert "more violation" not in str(info.value)


def test_hpy_debug_python_api(corpus):
    import hpy.debug

    old = hpy.debug.get_raise_on_violation()
    try:
        hpy.debug.set_raise_on_violation(True)
        with pytest.raises(hpy.debug.HPyDebugError):
            corpus.close_const()
        hpy.debug.set_raise_on_violation(False)
        with hpy.debug.raise_on_violation():
            assert hpy.debug.get_raise_on_violation() is True
            with pytest.raises(hpy.debug.HPyDebugError):
                corpus.close_const()
        assert hpy.debug.get_raise_on_violation() is False
    finally:
        hpy.debug.set_raise_on_violation(old)


@pytest.fixture
def on_invalid_handle():
    """A counting callback installed with set_on_invalid_handle during the test."""
    from hpy.universal import _debug

    calls = []
    _debug.set_on_invalid_handle(lambda: calls.append(1))
    yield calls
    _debug.set_on_invalid_handle(None)


def test_on_invalid_handle_callback_goes_on(corpus, on_invalid_handle):
    """As upstream: the callback is called, then the program goes on (nothing
    raised); a closed handle stands for its object."""
    calls = on_invalid_handle
    assert corpus.use_after_close("x" * 3) == "'xxx'"
    assert calls == [1]
    assert corpus.return_closed("y" * 3) == "yyy"
    assert calls == [1, 1]
    assert corpus.double_close("x") is None             # the second close is ignored
    assert corpus.close_const() is None                 # ignored
    assert corpus.close_arg("z") is None                # ignored
    assert corpus.return_const() is None                # returned as if duplicated
    assert corpus.field_store_closed(corpus.Point) is None
    assert corpus.global_store_closed("g" * 3) is None
    assert corpus.tracker_double_close("t") is None
    assert len(calls) == 9
    # the object of an argument handle kept after its call stays alive
    corpus.keep_arg("".join(["ke", "pt"]))
    assert corpus.use_kept() == "'kept'"
    assert len(calls) == 10


def test_on_invalid_handle_callback_on_a_garbage_tracker(corpus, on_invalid_handle):
    """A word that is no tracker is an invalid handle: the callback is
    called and the operation skipped (Close) or failed (Add)."""
    from hpy.debug import HPyDebugError

    assert corpus.tracker_garbage() is None
    assert on_invalid_handle == [1]
    with pytest.raises(HPyDebugError, match="argument 'ht' is not a valid HPyTracker"):
        corpus.tracker_add_garbage("x")
    assert on_invalid_handle == [1, 1]


def test_on_invalid_handle_callback_without_an_object(corpus, on_invalid_handle):
    """A value that is no handle at all has no object to go on with: the API
    function fails (HPyDebugError), after the callback."""
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError, match="is not a valid HPy handle"):
        corpus.invalid_handle()
    assert on_invalid_handle == [1]


def test_on_invalid_handle_callback_releases_the_kept_objects(corpus):
    """The object of a handle closed while the callback is installed lives
    as long as the closed handle is remembered, and no longer."""
    import sys

    from hpy.universal import _debug

    obj = object()
    base = sys.getrefcount(obj)
    old = _debug.get_closed_handles_queue_max_size()
    _debug.set_on_invalid_handle(lambda: None)
    try:
        assert corpus.use_after_close(obj) == repr(obj)
        # the closed Dup and the argument handle each hold it
        assert sys.getrefcount(obj) == base + 2
        _debug.set_on_invalid_handle(None)
        assert sys.getrefcount(obj) == base + 2     # still remembered
        _debug.set_closed_handles_queue_max_size(0)   # forgotten...
        assert corpus.fine(1) == 1                  # ...and released when a call returns
        assert sys.getrefcount(obj) == base
    finally:
        _debug.set_on_invalid_handle(None)
        _debug.set_closed_handles_queue_max_size(old)


def test_set_on_invalid_handle_needs_a_callable():
    from hpy.universal import _debug

    for setter in (_debug.set_on_invalid_handle, _debug.set_on_invalid_builder_handle):
        with pytest.raises(TypeError, match=r"^Expected a callable object \(set_on_invalid_\w+: got 'int'"):
            setter(42)
    # a long type name is cut at a character boundary, not inside the UTF-8
    # sequence of its 50th character (100 bytes)
    obj = type(LONG_NAME, (), {})()
    with pytest.raises(TypeError) as info:
        _debug.set_on_invalid_handle(obj)
    assert str(info.value) == ("Expected a callable object (set_on_invalid_handle: got '" +
                               LONG_NAME[:50] + "'; None removes the callback)")


# "x" then 2-byte characters: a cut after an even number of bytes splits one
LONG_NAME = "x" + "\u00e9" * 150


def test_report_type_names_cut_at_a_character_boundary(corpus, raise_mode):
    """The report becomes a str in raise mode: a type name cut inside a
    UTF-8 sequence would make it a UnicodeDecodeError instead."""
    from hpy.debug import HPyDebugError

    obj = type(LONG_NAME, (), {})()
    with pytest.raises(HPyDebugError) as info:
        corpus.typecheck_not_a_type(obj)
    msg = str(info.value)
    assert "must be a type, not an instance of '" + LONG_NAME[:50] + "'" in msg
    assert "(open, an object of type '" + LONG_NAME[:50] + "'" in msg


def test_on_invalid_builder_handle_callback(corpus):
    from hpy.debug import HPyDebugError
    from hpy.universal import _debug

    calls = []
    _debug.set_on_invalid_builder_handle(lambda: calls.append(1))
    try:
        assert corpus.list_cancel_twice(1) is None
        assert corpus.list_set_after_build(1) == [1]
        # a word that is no builder: the Set is skipped; a Build has nothing
        # to return and fails
        assert corpus.tuple_builder_inside(1) is None
        with pytest.raises(HPyDebugError, match="argument 'builder' is not a valid HPyListBuilder"):
            corpus.list_builder_garbage()
    finally:
        _debug.set_on_invalid_builder_handle(None)
    assert calls == [1, 1, 1, 1]


def test_stack_trace_in_the_message(corpus):
    proc = run_debug_subprocess(corpus, """
        from hpy.universal import _debug
        _debug.set_handle_stack_trace_limit(8)
        mod.use_after_close('hello')
        """)
    assert_aborted(proc, "closed by HPy_Close", "Allocation stacktrace:", "mytest.hpy0.so")


def test_message_without_stack_trace(corpus):
    proc = run_debug_subprocess(corpus, "mod.use_after_close('hello')")
    assert_aborted(proc)
    assert "Allocation stacktrace" not in proc.stderr
    assert "HPY_DEBUG_RAISE=1" in proc.stderr   # says how to get an exception instead


def test_no_abort_in_universal_mode(corpus):
    """The same binary loaded in universal mode runs the buggy code unchecked
    (here harmlessly)."""
    proc = run_debug_subprocess(corpus, "mod.save_ctx(); print(mod.use_saved_ctx())",
                                mode="universal")
    assert proc.returncode == 0, proc.stderr
    assert "stale" in proc.stdout


def test_raise_mode_with_threads(corpus, raise_mode):
    """Calls interleave across threads when the GIL is released: each
    violation goes to the call of its own thread."""
    import threading
    from hpy.debug import HPyDebugError

    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    results = {}

    def thread_a():
        def inside():
            a_inside.set()
            assert b_inside.wait(10)
            return 1
        # finishes while thread b is still inside its own call
        try:
            corpus.call_then_violate(inside)
        except HPyDebugError as e:
            results["a_error"] = str(e)
        a_done.set()

    def thread_b():
        assert a_inside.wait(10)

        def inside():
            b_inside.set()
            assert a_done.wait(10)
            return 1
        try:
            corpus.call_then_violate(inside)
        except HPyDebugError as e:
            results["b_error"] = str(e)

    ta, tb = threading.Thread(target=thread_a), threading.Thread(target=thread_b)
    ta.start()
    tb.start()
    ta.join(30)
    tb.join(30)
    assert "closing a context constant" in results["a_error"]
    assert "closing a context constant" in results["b_error"]



def test_stored_ctx_stays_invalid_for_a_while(corpus, raise_mode):
    """Per-call contexts are reused in turn: a stored one is still reported
    after many other calls."""
    from hpy.debug import HPyDebugError

    corpus.save_ctx()
    for _ in range(14):
        assert corpus.fine("x") == "x"
    with pytest.raises(HPyDebugError, match="is no longer valid"):
        corpus.use_saved_ctx()


def test_deeply_nested_calls(corpus, raise_mode):
    """More nested calls than per-call contexts made in advance: each call
    gets a valid context of its own, and violations still go to the right
    call."""
    from hpy.debug import HPyDebugError

    def inner(n):
        if n == 0:
            return corpus.fine("deep")
        return corpus.call_then_violate(lambda: inner(n - 1))

    for _ in range(2):
        with pytest.raises(HPyDebugError, match="closing a context constant"):
            inner(40)
    assert corpus.fine("after") == "after"
