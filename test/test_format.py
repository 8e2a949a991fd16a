"""HPyUnicode_FromFormat(V) and HPyErr_Format (hpy/devel/src/runtime/format.c),
in every ABI.

Where CPython's own PyUnicode_FromFormat (reached through ctypes) behaves
the same, it is the reference; the deliberate differences are tested with
explicit expectations (see the comment in format.c)."""
import ctypes
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


HARNESS = src("""
    #include <stddef.h>
    #include <stdint.h>
    #define A10(a) a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]

    static const char *as_cstr(HPyContext *ctx, HPy h)
    {
        if (HPy_Is(ctx, h, ctx->h_None)) return NULL;
        if (HPyBytes_Check(ctx, h)) return HPyBytes_AsString(ctx, h);
        return HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
    }

    /* ARGS(fmt, *values): up to 10 arguments of one C type */
    #define TYPED(NAME, CTYPE, CONV)                                         \\
        HPyDef_METH(NAME, #NAME, HPyFunc_VARARGS)                            \\
        static HPy NAME##_impl(HPyContext *ctx, HPy self, const HPy *args,   \\
                               size_t nargs)                                 \\
        {                                                                    \\
            CTYPE vals[10];                                                  \\
            size_t i;                                                        \\
            const char *fmt = as_cstr(ctx, args[0]);                         \\
            if (fmt == NULL && HPyErr_Occurred(ctx)) return HPy_NULL;        \\
            for (i = 0; i < 10; i++) {                                       \\
                vals[i] = (CTYPE)0;                                          \\
                if (i + 1 < nargs) {                                         \\
                    vals[i] = (CTYPE)CONV(ctx, args[i + 1]);                 \\
                    if (HPyErr_Occurred(ctx)) return HPy_NULL;               \\
                }                                                            \\
            }                                                                \\
            return HPyUnicode_FromFormat(ctx, fmt, A10(vals));               \\
        }

    TYPED(f_int, int, HPyLong_AsLong)
    TYPED(f_uint, unsigned int, HPyLong_AsUnsignedLongMask)
    TYPED(f_long, long, HPyLong_AsLong)
    TYPED(f_ulong, unsigned long, HPyLong_AsUnsignedLongMask)
    TYPED(f_ll, long long, HPyLong_AsLongLong)
    TYPED(f_ull, unsigned long long, HPyLong_AsUnsignedLongLongMask)
    TYPED(f_ssize, HPy_ssize_t, HPyLong_AsSsize_t)
    TYPED(f_size, size_t, HPyLong_AsSize_t)
    TYPED(f_ptrdiff, ptrdiff_t, HPyLong_AsSsize_t)
    TYPED(f_intmax, intmax_t, HPyLong_AsLongLong)
    TYPED(f_uintmax, uintmax_t, HPyLong_AsUnsignedLongLongMask)
    TYPED(f_str, const char *, as_cstr)

    static void *as_ptr(HPyContext *ctx, HPy h)
    {
        return (void *)(uintptr_t)HPyLong_AsUnsignedLongLongMask(ctx, h);
    }
    TYPED(f_ptr, void *, as_ptr)

    /* f_obj(fmt, null_none, *objs): HPy arguments; None -> HPy_NULL if asked */
    HPyDef_METH(f_obj, "f_obj", HPyFunc_VARARGS)
    static HPy f_obj_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy vals[10];
        size_t i;
        int null_none = HPy_IsTrue(ctx, args[1]);
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (fmt == NULL) return HPy_NULL;
        for (i = 0; i < 10; i++) {
            vals[i] = HPy_NULL;
            if (i + 2 < nargs && !(null_none && HPy_Is(ctx, args[i + 2], ctx->h_None)))
                vals[i] = args[i + 2];
        }
        return HPyUnicode_FromFormat(ctx, fmt, A10(vals));
    }

    /* f_mixed(fmt, int, str, obj, int) */
    HPyDef_METH(f_mixed, "f_mixed", HPyFunc_VARARGS)
    static HPy f_mixed_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (fmt == NULL) return HPy_NULL;
        return HPyUnicode_FromFormat(ctx, fmt, (int)HPyLong_AsLong(ctx, args[1]),
                                     as_cstr(ctx, args[2]), args[3],
                                     (int)HPyLong_AsLong(ctx, args[4]));
    }

    /* f_V(fmt, obj or None, str or None) */
    HPyDef_METH(f_V, "f_V", HPyFunc_VARARGS)
    static HPy f_V_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        HPy obj = HPy_Is(ctx, args[1], ctx->h_None) ? HPy_NULL : args[1];
        if (fmt == NULL) return HPy_NULL;
        return HPyUnicode_FromFormat(ctx, fmt, obj, as_cstr(ctx, args[2]));
    }

    /* f_star_s(fmt, width, precision, str) */
    HPyDef_METH(f_star_s, "f_star_s", HPyFunc_VARARGS)
    static HPy f_star_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (fmt == NULL) return HPy_NULL;
        return HPyUnicode_FromFormat(ctx, fmt, (int)HPyLong_AsLong(ctx, args[1]),
                                     (int)HPyLong_AsLong(ctx, args[2]), as_cstr(ctx, args[3]));
    }

    /* f_wide(fmt, which) */
    HPyDef_METH(f_wide, "f_wide", HPyFunc_VARARGS)
    static HPy f_wide_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        static const wchar_t w0[] = { 'h', 'e', 'l', 'l', 'o', 0 };
        static const wchar_t w2[] = { 0x20ac, 0xe9, 'x', 0 };
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        long which = HPyLong_AsLong(ctx, args[1]);
        if (fmt == NULL) return HPy_NULL;
        return HPyUnicode_FromFormat(ctx, fmt, which == 0 ? w0 : which == 1 ? NULL : w2);
    }

    static HPy via_va_list(HPyContext *ctx, const char *fmt, ...)
    {
        va_list va;
        HPy r1, r2, res;
        va_start(va, fmt);
        /* FromFormatV does not consume the caller's va_list */
        r1 = HPyUnicode_FromFormatV(ctx, fmt, va);
        r2 = HPyUnicode_FromFormatV(ctx, fmt, va);
        va_end(va);
        if (HPy_IsNull(r1) || HPy_IsNull(r2)) {
            if (!HPy_IsNull(r1)) HPy_Close(ctx, r1);
            if (!HPy_IsNull(r2)) HPy_Close(ctx, r2);
            return HPy_NULL;
        }
        res = HPyTuple_Pack(ctx, 2, r1, r2);
        HPy_Close(ctx, r1);
        HPy_Close(ctx, r2);
        return res;
    }

    HPyDef_METH(f_v, "f_v", HPyFunc_O)
    static HPy f_v_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return via_va_list(ctx, "%d-%s-%R-%zd", 7, "txt", arg, (HPy_ssize_t)-3);
    }

    /* err_format(type, fmt, obj, int): must return HPy_NULL with the error set */
    HPyDef_METH(err_format, "err_format", HPyFunc_VARARGS)
    static HPy err_format_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        HPy r;
        if (fmt == NULL) return HPy_NULL;
        r = HPyErr_Format(ctx, args[0], fmt, args[2], (int)HPyLong_AsLong(ctx, args[3]));
        if (!HPy_IsNull(r))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "HPyErr_Format returned a handle");
        if (!HPyErr_Occurred(ctx))
            return HPy_Dup(ctx, ctx->h_None);   /* test sees None: no error */
        return HPy_NULL;
    }

    @EXPORT(f_int)
    @EXPORT(f_uint)
    @EXPORT(f_long)
    @EXPORT(f_ulong)
    @EXPORT(f_ll)
    @EXPORT(f_ull)
    @EXPORT(f_ssize)
    @EXPORT(f_size)
    @EXPORT(f_ptrdiff)
    @EXPORT(f_intmax)
    @EXPORT(f_uintmax)
    @EXPORT(f_str)
    @EXPORT(f_ptr)
    @EXPORT(f_obj)
    @EXPORT(f_mixed)
    @EXPORT(f_V)
    @EXPORT(f_star_s)
    @EXPORT(f_wide)
    @EXPORT(f_v)
    @EXPORT(err_format)
    @INIT
""")

_modules = {}


@pytest.fixture
def mod(hpy):
    if hpy.abi not in _modules:
        _modules[hpy.abi] = hpy.make_module(HARNESS, name=f"format_{hpy.abi}")
    return _modules[hpy.abi]


# CPython's PyUnicode_FromFormat, for the cases where the behaviour is the same.
_cpy = ctypes.pythonapi.PyUnicode_FromFormat
_cpy.restype = ctypes.py_object


def cpython(fmt, *args):
    return _cpy(fmt.encode(), *args)


def bits(ctype):
    return 8 * ctypes.sizeof(ctype)


INT_SPECS = ["%d", "%i", "%5d", "%05d", "%.3d", "%8.3d", "%1d", "%.0d", "%.d"]
INT_VALUES = [0, 1, 7, 42, -1, -42, 123456, 2**31 - 1, -2**31]


@pytest.mark.parametrize("spec", INT_SPECS)
def test_int_like_cpython(mod, spec):
    for v in INT_VALUES:
        if v < 0 and ("0" in spec or "." in spec):
            continue        # CPython 3.11 prints "00-42", "0-1" (fixed in 3.12): see below
        fmt = f"[{spec}]"
        assert mod.f_int(fmt, v) == cpython(fmt, ctypes.c_int(v)), (spec, v)


def test_int_flags(mod):
    assert mod.f_int("%05d", -42) == "-0042"
    assert mod.f_int("%-5d|", 42) == "42   |"
    assert mod.f_int("%-5d|", -42) == "-42  |"
    assert mod.f_int("%-05d|", 42) == "42   |"      # '-' wins over '0'
    assert mod.f_int("%08.3d|", 5) == "     005|"   # '0' ignored with a precision
    assert mod.f_int("%.5d", -42) == "-00042"
    assert mod.f_int("%.3d|%8.3d|", -1, -1) == "-001|    -001|"
    assert mod.f_int("%x %X %o %u", 255, 255, 8, 7) == "ff FF 10 7"


def test_unknown_flag(mod):
    for fmt in ("%+d", "%#x", "% d"):
        with pytest.raises(SystemError, match="invalid conversion"):
            mod.f_int(fmt, 1)


def test_non_ascii_conversion(mod):
    """A conversion character outside ASCII is shown escaped: the message
    holds only part of its UTF-8 sequence."""
    with pytest.raises(SystemError) as e:
        mod.f_int("%\u00e9", 1)
    assert str(e.value) == "invalid format string (invalid conversion '%\\xc3')"
    with pytest.raises(SystemError) as e:
        mod.f_int("%5l\u00e9", 1)
    assert str(e.value) == \
        "invalid format string (invalid length modifier in conversion '%5l\\xc3')"


def test_star(mod):
    assert mod.f_int("%*d|", 5, 42) == "   42|"
    assert mod.f_int("%*d|", -5, 42) == "42   |"
    assert mod.f_int("%.*d|", 4, 42) == "0042|"
    assert mod.f_int("%.*d|", -1, 42) == "42|"
    assert mod.f_int("%*.*d|", 6, 3, 1) == "   001|"
    assert mod.f_star_s("%*.*s|", 5, 2, "abcdef") == "   ab|"
    assert mod.f_star_s("%-*.*s|", 5, 2, "abcdef") == "ab   |"
    assert mod.f_star_s("%*.*s|", 0, -1, "abcdef") == "abcdef|"


def test_unsigned(mod):
    assert mod.f_uint("%u", 2**32 - 1) == str(2**32 - 1)
    assert mod.f_uint("%u", -1) == str(2**bits(ctypes.c_uint) - 1)
    assert mod.f_uint("%x", 0xdeadbeef) == "deadbeef"
    assert mod.f_uint("%X", 0xdeadbeef) == "DEADBEEF"
    assert mod.f_uint("%o", 8) == "10"
    assert mod.f_uint("%08x", 0xbeef) == "0000beef"
    assert mod.f_uint("%.6x|%-6x|", 0xab, 0xab) == "0000ab|ab    |"
    assert mod.f_uint("%x", 0) == "0"


def test_length_modifiers(mod):
    lmin, lmax = -2**(bits(ctypes.c_long) - 1), 2**(bits(ctypes.c_long) - 1) - 1
    ulmax = 2**bits(ctypes.c_ulong) - 1
    assert mod.f_long("%ld %ld %li", lmin, lmax, -1) == f"{lmin} {lmax} -1"
    assert mod.f_ulong("%lu %lx", ulmax, ulmax) == f"{ulmax} {ulmax:x}"
    assert mod.f_ll("%lld %lli", -2**63, 2**63 - 1) == f"{-2**63} {2**63 - 1}"
    assert mod.f_ull("%llu %llx %llX %llo", 2**64 - 1, 2**64 - 1, 255, 8) == \
        f"{2**64 - 1} {2**64 - 1:x} FF 10"
    assert mod.f_ssize("%zd %zi", -sys.maxsize - 1, sys.maxsize) == \
        f"{-sys.maxsize - 1} {sys.maxsize}"
    assert mod.f_size("%zu %zx", 2**40, 255) == f"{2**40} ff"
    assert mod.f_ptrdiff("%td", -12345) == "-12345"
    assert mod.f_intmax("%jd", -2**63) == str(-2**63)
    assert mod.f_uintmax("%ju %jx", 2**64 - 1, 255) == f"{2**64 - 1} ff"
    # the same as CPython for the modifiers it knows
    for fmt, v in [("%ld", -5), ("%lld", -2**40), ("%zd", -7), ("%lu", 5), ("%zu", 9)]:
        ct = {"ld": ctypes.c_long, "lld": ctypes.c_longlong, "zd": ctypes.c_ssize_t,
              "lu": ctypes.c_ulong, "zu": ctypes.c_size_t}[fmt[1:]]
        fn = {"ld": mod.f_long, "lld": mod.f_ll, "zd": mod.f_ssize, "lu": mod.f_ulong,
              "zu": mod.f_size}[fmt[1:]]
        assert fn(fmt, v) == cpython(fmt, ct(v))


def test_bad_length_modifier(mod):
    for fmt in ("%lc", "%zs", "%llp", "%lS", "%hd", "%Ld"):
        with pytest.raises(SystemError):
            mod.f_int(fmt, 1)


def test_c(mod):
    for cp in (65, 0xe9, 0x20ac, 0x1f600, 0x10ffff, 0, 0xd800, 0xdfff):
        assert mod.f_int("<%c>", cp) == f"<{chr(cp)}>" == cpython("<%c>", ctypes.c_int(cp))
    assert mod.f_int("%c%c%c", 0, 0, 0x61) == "\0\0a"
    for fmt in ("%5c|", "%.1c", "%-2c", "%*c"):
        with pytest.raises(SystemError) as e:
            mod.f_int(fmt, 65, 65)
        assert str(e.value) == "formatting unit '%c' does not support width nor precision"
    for cp in (0x110000, -1, 2**31 - 1):
        with pytest.raises(OverflowError, match=r"character argument not in range\(0x110000\)"):
            mod.f_int("%c", cp)


@pytest.mark.parametrize("fmt, arg", [
    ("%s", b"hello"), ("[%s]", b""), ("%s", "h\xe9\u20ac\U0001f600".encode()),
    ("%s", b"a\xffb"), ("%s", b"\xc3"), ("%s", b"\xed\xa0\x80"), ("%s", b"\xf0\x9f\x98"),
    ("%s", b"\xf4\x90\x80\x80"), ("%s", b"\xe0\x80\xaf"), ("%s", b"\xc0\xaf"),
    ("%s", b"\x80\x80x"), ("%s", b"\xf8\x88\x80\x80\x80"),
    ("%.2s", b"abcdef"), ("%.0s|", b"abc"), ("%.1s", "\xe9".encode()),
    ("%.3s", "\u20ac\u20ac".encode()), ("%5s|", b"ab"), ("%5.1s|", b"abc"),
    ("%3s|", "\xe9\xe9".encode()), ("%1s", b"abc"),
])
def test_s_like_cpython(mod, fmt, arg):
    assert mod.f_str(fmt, arg) == cpython(fmt, arg)


def test_s(mod):
    assert mod.f_str("%s and %s", "one", "two") == "one and two"
    assert mod.f_str("%-5s|", "ab") == "ab   |"
    assert mod.f_str("%-5s|", "\xe9\xe9") == "\xe9\xe9   |"
    for fmt in ("%s", "%.3s", "a %s b"):
        with pytest.raises(SystemError) as e:
            mod.f_str(fmt, None)
        assert str(e.value) == "null c string passed as value for formatting unit '%s'"
    big = "x" * 100000
    assert mod.f_str("<%s>", big) == f"<{big}>"
    assert mod.f_str("%s" * 10, *"abcdefghij") == "abcdefghij"


def test_p(mod):
    assert mod.f_ptr("%p", 0x1234) == "0x1234"
    assert mod.f_ptr("%p", 0xdeadbeef) == "0xdeadbeef" == cpython("%p", ctypes.c_void_p(0xdeadbeef))
    assert mod.f_ptr("%p", 0) == "0x0"              # CPython on glibc: "0x(nil)"
    for fmt in ("%10p|", "%.3p", "%-3p"):
        with pytest.raises(SystemError) as e:
            mod.f_ptr(fmt, 0xab)
        assert str(e.value) == "formatting unit '%p' does not support width nor precision"


@pytest.mark.parametrize("fmt, unit", [("%05s", "s"), ("%0S", "S"), ("%03R", "R"),
                                       ("%0A", "A"), ("%010U", "U"), ("%0c", "c"),
                                       ("%0p", "p")])
def test_zero_padding_only_for_numbers(mod, fmt, unit):
    with pytest.raises(SystemError) as e:
        mod.f_obj(fmt, False, "x")
    assert str(e.value) == f"formatting unit '%{unit}' does not support 0-padding"


def test_percent(mod):
    assert mod.f_int("100%%") == "100%"
    assert mod.f_int("%%d %d", 5) == "%d 5"
    assert mod.f_int("%5%") == "%" == cpython("%5%")


def test_plain_text(mod):
    assert mod.f_int("") == ""
    assert mod.f_int("hello") == "hello"
    # the format must be ASCII, as upstream; non-ASCII text comes through %s
    assert mod.f_str("h%s %s", "\xe9", "\u20ac") == "h\xe9 \u20ac"
    for fmt, byte in (("h\xe9 %s \u20ac".encode(), "0xc3"), (b"a\xffb %s", "0xff"),
                      (b"%s \x80", "0x80")):
        with pytest.raises(ValueError) as e:
            mod.f_str(fmt, "x")
        assert str(e.value) == ("expected an ASCII-encoded format string, "
                                f"got a non-ASCII byte: {byte}")


@pytest.mark.parametrize("fmt", ["%q", "abc %y", "%", "abc%", "%5", "%.3", "%l", "%-"])
def test_invalid(mod, fmt):
    with pytest.raises(SystemError) as e:
        mod.f_int(fmt, 1, 2)
    assert str(e.value).startswith("invalid format string")


@pytest.mark.parametrize("fmt, message", [("%99999999999d", "width too big"),
                                          ("%.99999999999d", "precision too big"),
                                          ("%5.99999999999s", "precision too big")])
def test_too_big(mod, fmt, message):
    with pytest.raises(ValueError) as e:
        mod.f_int(fmt, 1, 2)
    assert str(e.value) == message


class Obj:
    def __str__(self):
        return "str\xe9"

    def __repr__(self):
        return "repr\xe9"


def test_objects(mod):
    o = Obj()
    assert mod.f_obj("%S|%R|%A", False, o, o, o) == "str\xe9|repr\xe9|repr\\xe9"
    assert mod.f_obj("%U", False, "uni\u20ac") == "uni\u20ac"
    assert mod.f_obj("%S %R", False, 42, "x") == "42 'x'"
    for fmt in ("%S", "%R", "%A", "x %S y"):
        with pytest.raises(SystemError) as e:
            mod.f_obj(fmt, True, None)
        assert str(e.value) == "HPy_NULL passed as value for formatting unit '%S' or '%R' or '%A'"
    assert mod.f_obj("%R", False, [1, "\u20ac"]) == "[1, '\u20ac']"
    assert mod.f_obj("%A", False, [1, "\u20ac"]) == "[1, '\\u20ac']"
    # lone surrogates survive (the str objects are not re-encoded)
    assert mod.f_obj("a%Ub", False, "\ud800") == "a\ud800b"
    assert mod.f_obj("%S", False, "x\udcff") == "x\udcff"


@pytest.mark.parametrize("fmt", ["%10R|", "%.2R|", "%5U|", "%-6S|", "%3.1U|", "%2S|",
                                 "%.0R|", "%-8.3A|"])
def test_objects_width_precision(mod, fmt):
    o = "\xe9xyz"
    expected = cpython(fmt.replace("-", ""), ctypes.py_object(o))
    if "-" in fmt:
        body = expected.rstrip("|").lstrip(" ")
        width = int(fmt[2:].split(".")[0].rstrip("RUSA|"))
        expected = body.ljust(width) + "|"
    assert mod.f_obj(fmt, False, o) == expected


def test_object_errors(mod):
    class BadStr:
        def __str__(self):
            raise ZeroDivisionError("boom")

        __repr__ = __str__

    for fmt in ("%S", "%R", "%A", "ok %S after"):
        with pytest.raises(ZeroDivisionError, match="boom"):
            mod.f_obj(fmt, False, BadStr())
    with pytest.raises(SystemError, match="not a str"):
        mod.f_obj("%U", False, 42)
    with pytest.raises(SystemError) as e:
        mod.f_obj("%U", True, None)
    assert str(e.value) == "HPy_NULL passed as value for formatting unit '%U'"


def test_V(mod):
    assert mod.f_V("%V", "obj", "fallback") == "obj"
    assert mod.f_V("%V", None, "fallback \xe9") == "fallback \xe9"
    assert mod.f_V("%V", None, None) == "(null)"
    assert mod.f_V("%.3V|", None, "fallback") == "fal|"
    assert mod.f_V("%.3V|", "object", None) == "obj|"
    assert mod.f_V("%6V|", None, "ab") == "    ab|"
    with pytest.raises(SystemError, match="not a str"):
        mod.f_V("%V", 1, "x")


def test_wide(mod):
    assert mod.f_wide("%ls", 0) == "hello"
    assert mod.f_wide("%ls", 1) == "(null)"
    assert mod.f_wide("%ls", 2) == "\u20ac\xe9x"
    assert mod.f_wide("%.2ls|", 0) == "he|"
    assert mod.f_wide("%7ls|", 2) == "    \u20ac\xe9x|"


def test_mixed(mod):
    assert mod.f_mixed("%d:%s:%R:%d", 1, "two", [3], 4) == "1:two:[3]:4"
    assert mod.f_mixed("%c%s%S%c", 0x20ac, "\xe9", "\ud800", 0x1f600) == \
        "\u20ac\xe9\ud800\U0001f600"


def test_va_list(mod):
    assert mod.f_v("x") == ("7-txt-'x'--3", "7-txt-'x'--3")


def test_err_format(mod):
    with pytest.raises(ValueError) as e:
        mod.err_format(ValueError, "bad value %R (%d)", "v", 42)
    assert str(e.value) == "bad value 'v' (42)"
    with pytest.raises(KeyError) as e:
        mod.err_format(KeyError, "%S", "k", 0)
    assert e.value.args == ("k",)

    class MyError(Exception):
        pass

    with pytest.raises(MyError, match="^custom 7$"):
        mod.err_format(MyError, "custom %S%d", "", 7)
    # a formatting error is raised instead
    with pytest.raises(SystemError, match="invalid conversion"):
        mod.err_format(ValueError, "%q", "", 0)


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_no_leaks(mod):
    o = Obj()
    s = "some text " + str(id(o))

    def calls():
        mod.f_obj("%S %R %A %U", False, o, o, o, s)
        mod.f_obj("%10.3U|%-10S", False, s, s)
        mod.f_V("%V|", s, "x")
        mod.f_V("%V|", None, "x")
        mod.f_int("%c %c", 0, 0xd800)
        mod.f_str("%s", "x" * 1000)
        with pytest.raises(SystemError):
            mod.f_obj("%S %U", False, o, o)
        with pytest.raises(ValueError):
            mod.err_format(ValueError, "%R %d", s, 1)
        with pytest.raises(SystemError):
            mod.f_obj("%R %q", False, s)

    calls()
    before = [sys.getrefcount(x) for x in (o, s)]
    for _ in range(100):
        calls()
    assert [sys.getrefcount(x) for x in (o, s)] == before
