"""Errors: every HPyErr_* member and inline helper, and HPy_FatalError."""
import errno
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from support import REPO


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


ERRORS = src("""
    #include <errno.h>

    HPyDef_METH(set_string, "set_string", HPyFunc_VARARGS)
    static HPy set_string_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *msg = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (msg == NULL)
            return HPy_NULL;
        return HPyErr_SetString(ctx, args[0], msg);
    }

    HPyDef_METH(set_object, "set_object", HPyFunc_VARARGS)
    static HPy set_object_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyErr_SetObject(ctx, args[0], args[1]);
    }

    /* errno_(which, type, filename1, filename2): errno is ENOENT */
    HPyDef_METH(errno_, "errno_", HPyFunc_VARARGS)
    static HPy errno__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long which = HPyLong_AsLong(ctx, args[0]);
        const char *fn = NULL;
        if (HPyUnicode_Check(ctx, args[2]))
            fn = HPyUnicode_AsUTF8AndSize(ctx, args[2], NULL);
        errno = ENOENT;
        switch (which) {
        case 0: return HPyErr_SetFromErrno(ctx, args[1]);
        case 1: return HPyErr_SetFromErrnoWithFilename(ctx, args[1], fn);
        case 2: return HPyErr_SetFromErrnoWithFilenameObject(ctx, args[1], args[2]);
        default: return HPyErr_SetFromErrnoWithFilenameObjects(ctx, args[1], args[2], args[3]);
        }
    }

    HPyDef_METH(occurred, "occurred", HPyFunc_O)
    static HPy occurred_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        /* (occurred before, occurred after setting, occurred after clear) */
        int a, b, c;
        HPy items[3], res;
        int i;
        a = HPyErr_Occurred(ctx);
        HPyErr_SetString(ctx, arg, "x");
        b = HPyErr_Occurred(ctx);
        HPyErr_Clear(ctx);
        c = HPyErr_Occurred(ctx);
        HPyErr_Clear(ctx);      /* clearing with nothing set is fine */
        items[0] = HPyLong_FromLong(ctx, a);
        items[1] = HPyLong_FromLong(ctx, b);
        items[2] = HPyLong_FromLong(ctx, c);
        res = HPyTuple_FromArray(ctx, items, 3);
        for (i = 0; i < 3; i++)
            HPy_Close(ctx, items[i]);
        return res;
    }

    /* matches(raised, exc): raise `raised` (a class), test ExceptionMatches(exc) */
    HPyDef_METH(matches, "matches", HPyFunc_VARARGS)
    static HPy matches_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int r;
        HPyErr_SetString(ctx, args[0], "to match");
        r = HPyErr_ExceptionMatches(ctx, args[1]);
        HPyErr_Clear(ctx);
        return HPyLong_FromLong(ctx, r);
    }

    HPyDef_METH(no_memory, "no_memory", HPyFunc_NOARGS)
    static HPy no_memory_impl(HPyContext *ctx, HPy self)
    {
        return HPyErr_NoMemory(ctx);
    }

    /* new_exception(name, base or None, dict or None, doc or None) */
    HPyDef_METH(new_exception, "new_exception", HPyFunc_VARARGS)
    static HPy new_exception_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        HPy base = HPy_Is(ctx, args[1], ctx->h_None) ? HPy_NULL : args[1];
        HPy dict = HPy_Is(ctx, args[2], ctx->h_None) ? HPy_NULL : args[2];
        if (name == NULL)
            return HPy_NULL;
        if (HPy_Is(ctx, args[3], ctx->h_None))
            return HPyErr_NewException(ctx, name, base, dict);
        return HPyErr_NewExceptionWithDoc(ctx, name,
                                          HPyUnicode_AsUTF8AndSize(ctx, args[3], NULL),
                                          base, dict);
    }

    /* warn(category, message, stacklevel): the return value of WarnEx (the C
     * symbol is not `warn`: that would be interposed by libc's warn()) */
    HPyDef_METH(warn_ex, "warn", HPyFunc_VARARGS)
    static HPy warn_ex_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *msg = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        HPy_ssize_t level = HPyLong_AsSsize_t(ctx, args[2]);
        int r;
        if (msg == NULL)
            return HPy_NULL;
        r = HPyErr_WarnEx(ctx, HPy_Is(ctx, args[0], ctx->h_None) ? HPy_NULL : args[0],
                          msg, level);
        if (r < 0)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, r);
    }

    /* unraisable(obj): raise, then report it as unraisable */
    HPyDef_METH(unraisable, "unraisable", HPyFunc_O)
    static HPy unraisable_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyErr_SetString(ctx, ctx->h_KeyError, "unraisable!");
        HPyErr_WriteUnraisable(ctx, arg);
        if (HPyErr_Occurred(ctx))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "error still set");
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(fatal, "fatal", HPyFunc_NOARGS)
    static HPy fatal_impl(HPyContext *ctx, HPy self)
    {
        HPy_FatalError(ctx, "hpy fatal error test message");
    }
    @EXPORT(set_string)
    @EXPORT(set_object)
    @EXPORT(errno_)
    @EXPORT(occurred)
    @EXPORT(matches)
    @EXPORT(no_memory)
    @EXPORT(new_exception)
    @EXPORT(warn_ex)
    @EXPORT(unraisable)
    @EXPORT(fatal)
    @INIT
""")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(ERRORS)


def test_set_string_and_object(mod):
    with pytest.raises(ValueError, match="^h\u00e9llo$"):
        mod.set_string(ValueError, "h\u00e9llo")

    class MyErr(Exception):
        pass
    with pytest.raises(MyErr, match="mine"):
        mod.set_string(MyErr, "mine")
    with pytest.raises(KeyError) as exc:
        mod.set_object(KeyError, ("a", 1))
    assert exc.value.args == ("a", 1)
    inst = MyErr("instance")
    with pytest.raises(MyErr) as exc:
        mod.set_object(MyErr, inst)
    assert exc.value is inst
    with pytest.raises(TypeError) as exc:
        mod.set_object(TypeError, 42)
    assert exc.value.args == (42,)
    with pytest.raises(SystemError):        # not an exception class
        mod.set_string(int, "nope")


def test_set_from_errno(mod):
    with pytest.raises(FileNotFoundError) as exc:
        mod.errno_(0, OSError, None, None)
    assert exc.value.errno == errno.ENOENT
    assert exc.value.filename is None
    assert exc.value.strerror == os.strerror(errno.ENOENT)
    with pytest.raises(FileNotFoundError) as exc:
        mod.errno_(1, OSError, "/no/such/file", None)
    assert exc.value.filename == "/no/such/file"
    with pytest.raises(FileNotFoundError) as exc:
        mod.errno_(2, OSError, "obj-name", None)
    assert exc.value.filename == "obj-name"
    with pytest.raises(FileNotFoundError) as exc:
        mod.errno_(3, OSError, "src", "dst")
    assert (exc.value.filename, exc.value.filename2) == ("src", "dst")
    with pytest.raises(FileNotFoundError) as exc:
        mod.errno_(1, OSError, None, None)      # NULL filename
    assert exc.value.filename is None

    class MyOSError(OSError):
        pass
    with pytest.raises(MyOSError) as exc:
        mod.errno_(0, MyOSError, None, None)
    assert exc.value.errno == errno.ENOENT


def test_occurred_and_clear(mod):
    assert mod.occurred(RuntimeError) == (0, 1, 0)


def test_exception_matches(mod):
    assert mod.matches(KeyError, KeyError) == 1
    assert mod.matches(KeyError, LookupError) == 1
    assert mod.matches(KeyError, Exception) == 1
    assert mod.matches(KeyError, ValueError) == 0
    assert mod.matches(KeyError, (ValueError, LookupError)) == 1
    assert mod.matches(KeyError, (ValueError, TypeError)) == 0
    assert mod.matches(LookupError, KeyError) == 0


def test_no_memory(mod):
    with pytest.raises(MemoryError):
        mod.no_memory()


def test_new_exception(mod):
    E = mod.new_exception("mytest.MyError", None, None, None)
    assert issubclass(E, Exception)
    assert E.__name__ == "MyError" and E.__module__ == "mytest"
    assert E.__doc__ is None
    F = mod.new_exception("pkg.sub.Other", E, {"extra": 1}, None)
    assert issubclass(F, E)
    assert F.__module__ == "pkg.sub" and F.extra == 1
    G = mod.new_exception("mytest.Multi", (KeyError, E), None, None)
    assert issubclass(G, KeyError) and issubclass(G, E)
    with pytest.raises(SystemError):
        mod.new_exception("NoDot", None, None, None)
    D = mod.new_exception("mytest.Documented", ValueError, None, "the doc")
    assert D.__doc__ == "the doc"
    assert issubclass(D, ValueError)
    with pytest.raises(D):
        mod.set_string(D, "raised")


def test_warn(mod):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert mod.warn(UserWarning, "careful", 1) == 0
        assert mod.warn(DeprecationWarning, "old", 1) == 0
        assert mod.warn(None, "default category", 1) == 0
    assert [(x.category, str(x.message)) for x in w] == [
        (UserWarning, "careful"), (DeprecationWarning, "old"), (RuntimeWarning, "default category")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="now an error"):
            mod.warn(UserWarning, "now an error", 1)


def test_write_unraisable(mod):
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        marker = object()
        mod.unraisable(marker)
    finally:
        sys.unraisablehook = old
    assert len(seen) == 1
    assert seen[0].exc_type is KeyError
    assert seen[0].object is marker


def test_fatal_error(hpy, mod):
    # Runs the call in a child process (importing as this process does): it
    # must abort, printing the message.
    path = next(hpy.workdir.glob("mytest*.so"))
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from support import Builder
        mod = Builder({hpy.abi!r}, Path({str(hpy.workdir)!r}), {{}}).load("mytest", {str(path)!r})
        mod.fatal()
        print("fatal error returned")
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "test")] + [p for p in sys.path if p])
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "Fatal Python error" in proc.stderr
    assert "hpy fatal error test message" in proc.stderr
    assert "fatal error returned" not in proc.stdout


def test_errors_no_leaks(mod):
    class E(Exception):
        pass
    v = object()
    before = sys.getrefcount(E), sys.getrefcount(v)
    for _ in range(100):
        with pytest.raises(E):
            mod.set_object(E, v)
        mod.matches(E, E)
    assert (sys.getrefcount(E), sys.getrefcount(v)) == before
