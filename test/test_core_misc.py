"""Import, compile + eval (HPy_Compile_s, HPy_EvalCode), context variables,
and releasing the GIL (HPy_LeavePythonExecution / HPy_ReenterPythonExecution)."""
import contextvars
import sys
import textwrap
import threading

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


MISC = src("""
    HPyDef_METH(import_, "import_", HPyFunc_O)
    static HPy import__impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        if (name == NULL)
            return HPy_NULL;
        return HPyImport_ImportModule(ctx, name);
    }

    /* compile(source, filename, kind): kind as an int */
    HPyDef_METH(compile, "compile", HPyFunc_VARARGS)
    static HPy compile_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *source = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        const char *filename = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        long kind = HPyLong_AsLong(ctx, args[2]);
        if (source == NULL || filename == NULL || HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPy_Compile_s(ctx, source, filename, (HPy_SourceKind)kind);
    }

    HPyDef_METH(compile_null, "compile_null", HPyFunc_NOARGS)
    static HPy compile_null_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Compile_s(ctx, NULL, "f", HPy_SourceKind_Expr);
    }

    HPyDef_METH(kinds, "kinds", HPyFunc_NOARGS)
    static HPy kinds_impl(HPyContext *ctx, HPy self)
    {
        HPy items[3], res;
        int i;
        items[0] = HPyLong_FromLong(ctx, HPy_SourceKind_Expr);
        items[1] = HPyLong_FromLong(ctx, HPy_SourceKind_File);
        items[2] = HPyLong_FromLong(ctx, HPy_SourceKind_Single);
        res = HPyTuple_FromArray(ctx, items, 3);
        for (i = 0; i < 3; i++)
            HPy_Close(ctx, items[i]);
        return res;
    }

    HPyDef_METH(eval, "eval", HPyFunc_VARARGS)
    static HPy eval_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_EvalCode(ctx, args[0], args[1], args[2]);
    }

    HPyDef_METH(builtins, "builtins", HPyFunc_NOARGS)
    static HPy builtins_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Dup(ctx, ctx->h_Builtins);
    }

    /* cv_new(name, default or None for no default) */
    HPyDef_METH(cv_new, "cv_new", HPyFunc_VARARGS)
    static HPy cv_new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (name == NULL)
            return HPy_NULL;
        return HPyContextVar_New(ctx, name,
                                 HPy_Is(ctx, args[1], ctx->h_None) ? HPy_NULL : args[1]);
    }

    HPyDef_METH(cv_set, "cv_set", HPyFunc_VARARGS)
    static HPy cv_set_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyContextVar_Set(ctx, args[0], args[1]);
    }

    /* cv_get(var, default or None): "<no value>" when no value is found */
    HPyDef_METH(cv_get, "cv_get", HPyFunc_VARARGS)
    static HPy cv_get_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy result = ctx->h_Ellipsis;  /* must be overwritten */
        int32_t r = HPyContextVar_Get(ctx, args[0],
                                      HPy_Is(ctx, args[1], ctx->h_None) ? HPy_NULL : args[1],
                                      &result);
        if (r < 0) {
            if (!HPy_IsNull(result))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "result not NULL on error");
            return HPy_NULL;
        }
        if (r != 0)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "bad return value");
        if (HPy_IsNull(result))
            return HPyUnicode_FromString(ctx, "<no value>");
        return result;
    }

    HPyDef_METH(cv_get_bad, "cv_get_bad", HPyFunc_O)
    static HPy cv_get_bad_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        if (HPyContextVar_Get(ctx, arg, HPy_NULL, NULL) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* ---- the GIL ---- */
    #include <time.h>
    static volatile int flag = 0;
    static volatile int waiting = 0;

    HPyDef_METH(is_waiting, "is_waiting", HPyFunc_NOARGS)
    static HPy is_waiting_impl(HPyContext *ctx, HPy self)
    {
        return HPyBool_FromBool(ctx, waiting != 0);
    }

    HPyDef_METH(set_flag, "set_flag", HPyFunc_NOARGS)
    static HPy set_flag_impl(HPyContext *ctx, HPy self)
    {
        flag = 1;
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* Waits (up to `arg` seconds) for another thread to call set_flag, which
     * it can only do if the GIL is released here. Returns whether it did. */
    HPyDef_METH(wait_for_flag, "wait_for_flag", HPyFunc_O)
    static HPy wait_for_flag_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        double seconds = HPyFloat_AsDouble(ctx, arg);
        time_t start;
        int seen;
        HPyThreadState state;
        if (seconds == -1.0 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        flag = 0;
        start = time(NULL);
        state = HPy_LeavePythonExecution(ctx);
        waiting = 1;
        while (!flag && difftime(time(NULL), start) < seconds)
            ;
        seen = flag;
        waiting = 0;
        HPy_ReenterPythonExecution(ctx, state);
        return HPyBool_FromBool(ctx, seen != 0);
    }
    @EXPORT(import_)
    @EXPORT(compile)
    @EXPORT(compile_null)
    @EXPORT(kinds)
    @EXPORT(eval)
    @EXPORT(builtins)
    @EXPORT(cv_new)
    @EXPORT(cv_set)
    @EXPORT(cv_get)
    @EXPORT(cv_get_bad)
    @EXPORT(is_waiting)
    @EXPORT(set_flag)
    @EXPORT(wait_for_flag)
    @INIT
""")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(MISC)


def test_import(mod):
    import math
    assert mod.import_("math") is math
    assert mod.import_("os.path") is sys.modules["os.path"]
    with pytest.raises(ModuleNotFoundError, match="no_such_module_hpy"):
        mod.import_("no_such_module_hpy")


def test_compile_and_eval(mod):
    EXPR, FILE, SINGLE = mod.kinds()
    assert (EXPR, FILE, SINGLE) == (0, 1, 2)
    code = mod.compile("a + 2", "<expr>", EXPR)
    assert type(code).__name__ == "code"
    assert code.co_filename == "<expr>"
    assert mod.eval(code, {"a": 40}, {}) == 42
    assert mod.eval(code, {}, {"a": 1}) == 3
    code = mod.compile("x = len('abc')\ndef f():\n    return x * 2\n", "file.py", FILE)
    ns = {"__builtins__": __builtins__}   # only inserted by CPython >= 3.10
    assert mod.eval(code, ns, ns) is None
    assert ns["x"] == 3 and ns["f"]() == 6
    code = mod.compile("y = 5", "<single>", SINGLE)
    ns = {}
    assert mod.eval(code, ns, ns) is None
    assert ns["y"] == 5
    with pytest.raises(SyntaxError):
        mod.compile("x = ", "<bad>", FILE)
    with pytest.raises(SyntaxError):
        mod.compile("x = 1", "<expr stmt>", EXPR)
    with pytest.raises(SystemError, match="HPy_Compile_s: invalid source kind 7"):
        mod.compile("1", "<kind>", 7)
    with pytest.raises(SystemError, match="HPy_Compile_s"):
        mod.compile_null()
    code = mod.compile("1 / 0", "<div>", EXPR)
    with pytest.raises(ZeroDivisionError):
        mod.eval(code, {}, {})
    with pytest.raises(NameError):
        mod.eval(mod.compile("undefined_name", "<n>", EXPR), {}, {})


def test_builtins_handle(mod):
    import builtins
    assert mod.builtins() is builtins.__dict__
    code = mod.compile("len('ab')", "<b>", 0)
    assert mod.eval(code, {"__builtins__": mod.builtins()}, {}) == 2


def test_context_vars(mod):
    var = mod.cv_new("hpy_var", None)
    assert isinstance(var, contextvars.ContextVar)
    assert var.name == "hpy_var"
    assert mod.cv_get(var, None) == "<no value>"
    assert mod.cv_get(var, "dflt") == "dflt"

    def in_context():
        token = mod.cv_set(var, "set")
        assert isinstance(token, contextvars.Token)
        assert var.get() == "set"
        assert mod.cv_get(var, "dflt") == "set"
        var.reset(token)
        assert mod.cv_get(var, None) == "<no value>"
    contextvars.copy_context().run(in_context)

    with_default = mod.cv_new("with_default", 5)
    assert with_default.get() == 5
    assert mod.cv_get(with_default, None) == 5
    assert mod.cv_get(with_default, 6) == 6
    with pytest.raises(TypeError):
        mod.cv_get("not a var", None)
    with pytest.raises(TypeError):
        mod.cv_set("not a var", 1)
    with pytest.raises(SystemError, match="HPyContextVar_Get: result is a NULL pointer"):
        mod.cv_get_bad(var)


def test_context_var_no_leaks(mod):
    var = mod.cv_new("leak_var", None)
    o = object()
    var.set(o)
    before = sys.getrefcount(o)
    for _ in range(100):
        assert mod.cv_get(var, None) is o
    assert sys.getrefcount(o) == before


def test_leave_and_reenter_python_execution(mod):
    # The thread can only see `waiting` and call set_flag while the extension
    # has released the GIL; if it had not, wait_for_flag would time out.
    import time

    def runner():
        deadline = time.monotonic() + 30
        while not mod.is_waiting() and time.monotonic() < deadline:
            time.sleep(0.001)
        mod.set_flag()

    t = threading.Thread(target=runner)
    t.start()
    try:
        assert mod.wait_for_flag(30.0) is True
    finally:
        t.join()
    assert mod.is_waiting() is False
