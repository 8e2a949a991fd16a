"""Concrete containers and strings: HPyBytes, HPyUnicode (every member),
HPyList (incl. Insert), HPyDict (incl. Keys, Copy), HPyTuple."""
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


BYTES = src("""
    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyBytes_Check(ctx, arg));
    }

    HPyDef_METH(size, "size", HPyFunc_O)
    static HPy size_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPyBytes_Size(ctx, arg);
        if (n < 0)
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, n);
    }

    /* GET_SIZE / AS_STRING have no checks: only call them on bytes */
    HPyDef_METH(unchecked, "unchecked", HPyFunc_O)
    static HPy unchecked_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPyBytes_GET_SIZE(ctx, arg);
        const char *s = HPyBytes_AS_STRING(ctx, arg);
        return HPyBytes_FromStringAndSize(ctx, s, n);
    }

    /* AsString gives the NUL-terminated data: copy it up to the NUL */
    HPyDef_METH(as_string, "as_string", HPyFunc_O)
    static HPy as_string_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyBytes_AsString(ctx, arg);
        if (s == NULL)
            return HPy_NULL;
        return HPyBytes_FromString(ctx, s);
    }

    HPyDef_METH(from_size, "from_size", HPyFunc_VARARGS)
    static HPy from_size_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        /* from_size(data or None, n) */
        const char *s = NULL;
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[1]);
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        if (!HPy_Is(ctx, args[0], ctx->h_None))
            s = HPyBytes_AsString(ctx, args[0]);
        return HPyBytes_FromStringAndSize(ctx, s, n);
    }

    HPyDef_METH(literals, "literals", HPyFunc_NOARGS)
    static HPy literals_impl(HPyContext *ctx, HPy self)
    {
        HPy items[3];
        HPy res;
        int i;
        items[0] = HPyBytes_FromString(ctx, "hello");
        items[1] = HPyBytes_FromStringAndSize(ctx, "a\\0b", 3);
        items[2] = HPyBytes_FromStringAndSize(ctx, "", 0);
        for (i = 0; i < 3; i++)
            if (HPy_IsNull(items[i]))
                return HPy_NULL;
        res = HPyTuple_FromArray(ctx, items, 3);
        for (i = 0; i < 3; i++)
            HPy_Close(ctx, items[i]);
        return res;
    }
    @EXPORT(check)
    @EXPORT(size)
    @EXPORT(unchecked)
    @EXPORT(as_string)
    @EXPORT(from_size)
    @EXPORT(literals)
    @INIT
""")


def test_bytes(hpy):
    mod = hpy.make_module(BYTES)

    class B(bytes):
        pass
    assert mod.check(b"x") == 1
    assert mod.check(B(b"x")) == 1
    assert mod.check("x") == 0
    assert mod.check(bytearray()) == 0
    assert mod.size(b"abc") == 3
    assert mod.size(b"") == 0
    with pytest.raises(TypeError):
        mod.size("abc")
    assert mod.unchecked(b"a\0bc") == b"a\0bc"
    assert mod.as_string(b"abc\0def") == b"abc"
    with pytest.raises(TypeError):
        mod.as_string("abc")
    assert mod.literals() == (b"hello", b"a\0b", b"")


def test_bytes_from_string_and_size(hpy):
    mod = hpy.make_module(BYTES)
    assert mod.from_size(b"abcdef", 3) == b"abc"
    assert mod.from_size(b"abcdef", 0) == b""
    # as upstream, a NULL buffer is refused even for an empty result
    for n in (0, 5):
        with pytest.raises(ValueError) as e:
            mod.from_size(None, n)
        assert str(e.value) == "NULL char * passed to HPyBytes_FromStringAndSize"
    with pytest.raises(SystemError) as e:
        mod.from_size(b"abc", -1)
    assert str(e.value) == "Negative size passed to PyBytes_FromStringAndSize"


UNICODE = src("""
    #include <wchar.h>

    static HPy pair_of(HPyContext *ctx, HPy a, HPy b)
    {
        HPy items[2];
        HPy res;
        if (HPy_IsNull(a) || HPy_IsNull(b)) {
            HPy_Close(ctx, a);
            HPy_Close(ctx, b);
            return HPy_NULL;
        }
        items[0] = a;
        items[1] = b;
        res = HPyTuple_FromArray(ctx, items, 2);
        HPy_Close(ctx, a);
        HPy_Close(ctx, b);
        return res;
    }

    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyUnicode_Check(ctx, arg));
    }

    HPyDef_METH(from_string, "from_string", HPyFunc_O)
    static HPy from_string_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        /* bytes (UTF-8) -> str */
        const char *s = HPyBytes_AsString(ctx, arg);
        if (s == NULL)
            return HPy_NULL;
        return HPyUnicode_FromString(ctx, s);
    }

    HPyDef_METH(as_ascii, "as_ascii", HPyFunc_O)
    static HPy as_ascii_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyUnicode_AsASCIIString(ctx, arg); }
    HPyDef_METH(as_latin1, "as_latin1", HPyFunc_O)
    static HPy as_latin1_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyUnicode_AsLatin1String(ctx, arg); }
    HPyDef_METH(as_utf8, "as_utf8", HPyFunc_O)
    static HPy as_utf8_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyUnicode_AsUTF8String(ctx, arg); }
    HPyDef_METH(encode_fs, "encode_fs", HPyFunc_O)
    static HPy encode_fs_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyUnicode_EncodeFSDefault(ctx, arg); }

    /* (utf8 bytes, size) from AsUTF8AndSize, also checking size == NULL works */
    HPyDef_METH(utf8_and_size, "utf8_and_size", HPyFunc_O)
    static HPy utf8_and_size_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = -1;
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, arg, &n);
        const char *s2;
        if (s == NULL)
            return HPy_NULL;
        s2 = HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        if (s2 == NULL || strcmp(s, s2) != 0)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "size == NULL differs");
        return pair_of(ctx, HPyBytes_FromStringAndSize(ctx, s, n), HPyLong_FromSsize_t(ctx, n));
    }

    HPyDef_METH(wide, "wide", HPyFunc_NOARGS)
    static HPy wide_impl(HPyContext *ctx, HPy self)
    {
        static const wchar_t w[] = L"h\\u00e9llo";
        return pair_of(ctx, HPyUnicode_FromWideChar(ctx, w, 3),
                       HPyUnicode_FromWideChar(ctx, w, -1));
    }

    HPyDef_METH(decode_fs, "decode_fs", HPyFunc_O)
    static HPy decode_fs_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyBytes_AsString(ctx, arg);
        HPy_ssize_t n = HPyBytes_Size(ctx, arg);
        if (s == NULL)
            return HPy_NULL;
        return pair_of(ctx, HPyUnicode_DecodeFSDefault(ctx, s),
                       HPyUnicode_DecodeFSDefaultAndSize(ctx, s, n > 0 ? n - 1 : 0));
    }

    HPyDef_METH(read_char, "read_char", HPyFunc_VARARGS)
    static HPy read_char_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        HPy_UCS4 c;
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        c = HPyUnicode_ReadChar(ctx, args[0], i);
        if (c == (HPy_UCS4)-1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromUInt32_t(ctx, (uint32_t)c);
    }

    /* decode_ascii(bytes, errors or None), decode_latin1(bytes, errors or None) */
    HPyDef_METH(decode_ascii, "decode_ascii", HPyFunc_VARARGS)
    static HPy decode_ascii_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *s = HPyBytes_AsString(ctx, args[0]);
        const char *errors = NULL;
        if (s == NULL)
            return HPy_NULL;
        if (!HPy_Is(ctx, args[1], ctx->h_None))
            errors = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        return HPyUnicode_DecodeASCII(ctx, s, HPyBytes_Size(ctx, args[0]), errors);
    }

    HPyDef_METH(decode_latin1, "decode_latin1", HPyFunc_VARARGS)
    static HPy decode_latin1_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *s = HPyBytes_AsString(ctx, args[0]);
        const char *errors = NULL;
        if (s == NULL)
            return HPy_NULL;
        if (!HPy_Is(ctx, args[1], ctx->h_None))
            errors = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        return HPyUnicode_DecodeLatin1(ctx, s, HPyBytes_Size(ctx, args[0]), errors);
    }

    /* from_encoded(obj, encoding, errors): str or None for each C string */
    HPyDef_METH(from_encoded, "from_encoded", HPyFunc_VARARGS)
    static HPy from_encoded_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *enc = NULL, *errors = NULL;
        if (!HPy_Is(ctx, args[1], ctx->h_None))
            enc = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (!HPy_Is(ctx, args[2], ctx->h_None))
            errors = HPyUnicode_AsUTF8AndSize(ctx, args[2], NULL);
        return HPyUnicode_FromEncodedObject(ctx, args[0], enc, errors);
    }

    HPyDef_METH(substring, "substring", HPyFunc_VARARGS)
    static HPy substring_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t a = HPyLong_AsSsize_t(ctx, args[1]);
        HPy_ssize_t b = HPyLong_AsSsize_t(ctx, args[2]);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyUnicode_Substring(ctx, args[0], a, b);
    }
    @EXPORT(check)
    @EXPORT(from_string)
    @EXPORT(as_ascii)
    @EXPORT(as_latin1)
    @EXPORT(as_utf8)
    @EXPORT(encode_fs)
    @EXPORT(utf8_and_size)
    @EXPORT(wide)
    @EXPORT(decode_fs)
    @EXPORT(read_char)
    @EXPORT(decode_ascii)
    @EXPORT(decode_latin1)
    @EXPORT(from_encoded)
    @EXPORT(substring)
    @INIT
""")


def test_unicode_check_and_from_string(hpy):
    mod = hpy.make_module(UNICODE)

    class S(str):
        pass
    assert mod.check("") == 1
    assert mod.check(S("x")) == 1
    assert mod.check(b"x") == 0
    assert mod.from_string("h\u00e9\u20ac\U0001F600".encode()) == "h\u00e9\u20ac\U0001F600"
    with pytest.raises(UnicodeDecodeError):
        mod.from_string(b"\xff\xfe")


def test_unicode_encoders(hpy):
    mod = hpy.make_module(UNICODE)
    assert mod.as_ascii("abc") == b"abc"
    with pytest.raises(UnicodeEncodeError):
        mod.as_ascii("\u00e9")
    assert mod.as_latin1("\u00e9") == b"\xe9"
    with pytest.raises(UnicodeEncodeError):
        mod.as_latin1("\u20ac")
    assert mod.as_utf8("\u20ac") == "\u20ac".encode()
    with pytest.raises(UnicodeEncodeError):
        mod.as_utf8("\ud800")
    for f in (mod.as_ascii, mod.as_latin1, mod.as_utf8):
        with pytest.raises(TypeError):
            f(b"bytes")
    assert mod.encode_fs("path") == b"path"
    assert mod.encode_fs("caf\u00e9") == "caf\u00e9".encode(sys.getfilesystemencoding(), "surrogateescape")


def test_unicode_utf8_and_size(hpy):
    mod = hpy.make_module(UNICODE)
    assert mod.utf8_and_size("abc") == (b"abc", 3)
    assert mod.utf8_and_size("\u20ac") == (b"\xe2\x82\xac", 3)
    assert mod.utf8_and_size("") == (b"", 0)
    # compact ASCII strings are read in place, everything else is encoded
    assert mod.utf8_and_size("x" * 1000) == (b"x" * 1000, 1000)
    assert mod.utf8_and_size("caf\u00e9") == (b"caf\xc3\xa9", 5)

    class Str(str):
        pass
    assert mod.utf8_and_size(Str("abc")) == (b"abc", 3)
    assert mod.utf8_and_size(Str("\u20ac")) == (b"\xe2\x82\xac", 3)
    with pytest.raises(TypeError):
        mod.utf8_and_size(b"abc")
    with pytest.raises(UnicodeEncodeError):
        mod.utf8_and_size("\ud800")


def test_unicode_wide_and_fs(hpy):
    mod = hpy.make_module(UNICODE)
    assert mod.wide() == ("h\u00e9l", "h\u00e9llo")
    assert mod.decode_fs(b"abc") == ("abc", "ab")
    b = "caf\u00e9".encode(sys.getfilesystemencoding())
    assert mod.decode_fs(b) == ("caf\u00e9", b[:-1].decode(sys.getfilesystemencoding(), "surrogateescape"))


def test_unicode_read_char_and_substring(hpy):
    mod = hpy.make_module(UNICODE)
    s = "a\u00e9\U0001F600"
    assert [mod.read_char(s, i) for i in range(3)] == [ord(c) for c in s]
    with pytest.raises(IndexError):
        mod.read_char(s, 3)
    with pytest.raises(IndexError):
        mod.read_char(s, -1)
    with pytest.raises(TypeError):
        mod.read_char(b"abc", 0)
    assert mod.substring("hello", 1, 3) == "el"
    assert mod.substring("hello", 2, 100) == "llo"
    assert mod.substring("h\u00e9llo", 1, 2) == "\u00e9"
    assert mod.substring("hello", 3, 1) == ""
    with pytest.raises(IndexError):
        mod.substring("hello", -1, 2)
    if hpy.abi != "debug":      # a violation there (test_debug_checks)
        # PyUnicode_Substring itself would read a bytes object as a str
        with pytest.raises(TypeError, match="^HPyUnicode_Substring: expected a str, got 'bytes'$"):
            mod.substring(b"hello", 0, 1)


def test_unicode_decoders(hpy):
    mod = hpy.make_module(UNICODE)
    assert mod.decode_ascii(b"abc", None) == "abc"
    with pytest.raises(UnicodeDecodeError):
        mod.decode_ascii(b"a\xffc", None)
    assert mod.decode_ascii(b"a\xffc", "replace") == "a\ufffdc"
    assert mod.decode_ascii(b"a\xffc", "ignore") == "ac"
    with pytest.raises(LookupError):
        mod.decode_ascii(b"a\xffc", "no-such-handler")
    assert mod.decode_latin1(b"caf\xe9", None) == "caf\u00e9"
    assert mod.decode_latin1(b"", "strict") == ""
    assert mod.from_encoded(b"caf\xc3\xa9", None, None) == "caf\u00e9"
    assert mod.from_encoded(b"caf\xe9", "latin-1", None) == "caf\u00e9"
    assert mod.from_encoded(bytearray(b"x\xff"), "utf-8", "replace") == "x\ufffd"
    with pytest.raises(UnicodeDecodeError):
        mod.from_encoded(b"\xff", "utf-8", "strict")
    with pytest.raises(TypeError):
        mod.from_encoded("already str", None, None)
    with pytest.raises(LookupError):
        mod.from_encoded(b"x", "no-such-codec", None)


LISTS_DICTS_TUPLES = src("""
    static HPy ok(HPyContext *ctx, int r)
    {
        if (r < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(list_check, "list_check", HPyFunc_O)
    static HPy list_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyList_Check(ctx, arg));
    }

    HPyDef_METH(list_new, "list_new", HPyFunc_O)
    static HPy list_new_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        /* HPyList_New(0), then n squares appended; n < 0 is passed to
         * HPyList_New as is. (HPyList_New(n > 0) leaves NULL slots that only
         * the C API's PyList_SET_ITEM could fill: not testable here.) */
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, arg), i;
        HPy lst;
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        lst = HPyList_New(ctx, n < 0 ? n : 0);
        if (HPy_IsNull(lst))
            return HPy_NULL;
        for (i = 0; i < n; i++) {
            HPy v = HPyLong_FromSsize_t(ctx, i * i);
            int r = HPyList_Append(ctx, lst, v);
            HPy_Close(ctx, v);
            if (r < 0) {
                HPy_Close(ctx, lst);
                return HPy_NULL;
            }
        }
        if (n > 0) {
            /* and HPy_SetItem_i on a list */
            HPy v = HPyUnicode_FromString(ctx, "first");
            int r = HPy_SetItem_i(ctx, lst, 0, v);
            HPy_Close(ctx, v);
            if (r < 0) {
                HPy_Close(ctx, lst);
                return HPy_NULL;
            }
        }
        return lst;
    }

    HPyDef_METH(list_append, "list_append", HPyFunc_VARARGS)
    static HPy list_append_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return ok(ctx, HPyList_Append(ctx, args[0], args[1]));
    }

    HPyDef_METH(list_insert, "list_insert", HPyFunc_VARARGS)
    static HPy list_insert_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return ok(ctx, HPyList_Insert(ctx, args[0], i, args[2]));
    }

    HPyDef_METH(dict_check, "dict_check", HPyFunc_O)
    static HPy dict_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyDict_Check(ctx, arg));
    }

    HPyDef_METH(dict_new, "dict_new", HPyFunc_NOARGS)
    static HPy dict_new_impl(HPyContext *ctx, HPy self)
    {
        HPy d = HPyDict_New(ctx), v;
        if (HPy_IsNull(d))
            return HPy_NULL;
        v = HPyLong_FromLong(ctx, 1);
        if (HPy_SetItem_s(ctx, d, "one", v) < 0) {
            HPy_Close(ctx, v);
            HPy_Close(ctx, d);
            return HPy_NULL;
        }
        HPy_Close(ctx, v);
        return d;
    }

    HPyDef_METH(dict_keys, "dict_keys", HPyFunc_O)
    static HPy dict_keys_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyDict_Keys(ctx, arg); }
    HPyDef_METH(dict_copy, "dict_copy", HPyFunc_O)
    static HPy dict_copy_impl(HPyContext *ctx, HPy self, HPy arg) { return HPyDict_Copy(ctx, arg); }

    HPyDef_METH(tuple_check, "tuple_check", HPyFunc_O)
    static HPy tuple_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyTuple_Check(ctx, arg));
    }

    /* The args array itself, as a tuple */
    HPyDef_METH(tuple_from_array, "tuple_from_array", HPyFunc_VARARGS)
    static HPy tuple_from_array_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyTuple_FromArray(ctx, args, (HPy_ssize_t)nargs);
    }

    HPyDef_METH(tuple_bad, "tuple_bad", HPyFunc_O)
    static HPy tuple_bad_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy items[2];
        long which = HPyLong_AsLong(ctx, arg);
        items[0] = ctx->h_None;
        items[1] = HPy_NULL;
        switch (which) {
        case 0: return HPyTuple_FromArray(ctx, items, -1);
        case 1: return HPyTuple_FromArray(ctx, NULL, 2);
        case 2: return HPyTuple_FromArray(ctx, NULL, 0);
        default: return HPyTuple_FromArray(ctx, items, 2);
        }
    }

    @EXPORT(list_check)
    @EXPORT(list_new)
    @EXPORT(list_append)
    @EXPORT(list_insert)
    @EXPORT(dict_check)
    @EXPORT(dict_new)
    @EXPORT(dict_keys)
    @EXPORT(dict_copy)
    @EXPORT(tuple_check)
    @EXPORT(tuple_from_array)
    @EXPORT(tuple_bad)
    @INIT
""")


def test_list(hpy):
    mod = hpy.make_module(LISTS_DICTS_TUPLES)

    class L(list):
        pass
    assert mod.list_check([]) == 1
    assert mod.list_check(L()) == 1
    assert mod.list_check(()) == 0
    assert mod.list_new(0) == []
    assert mod.list_new(4) == ["first", 1, 4, 9]
    with pytest.raises(SystemError):
        mod.list_new(-1)
    lst = [1]
    mod.list_append(lst, "x")
    assert lst == [1, "x"]
    with pytest.raises(SystemError):
        mod.list_append((), 1)
    mod.list_insert(lst, 0, "first")
    mod.list_insert(lst, 100, "last")
    mod.list_insert(lst, -1, "before-last")
    assert lst == ["first", 1, "x", "before-last", "last"]
    with pytest.raises(SystemError):
        mod.list_insert({}, 0, 1)
    o = object()
    before = sys.getrefcount(o)
    big = []
    for _ in range(10):
        mod.list_append(big, o)
        mod.list_insert(big, 0, o)
    assert sys.getrefcount(o) == before + 20
    del big
    assert sys.getrefcount(o) == before


def test_dict(hpy):
    mod = hpy.make_module(LISTS_DICTS_TUPLES)

    class D(dict):
        pass
    assert mod.dict_check({}) == 1
    assert mod.dict_check(D()) == 1
    assert mod.dict_check([]) == 0
    assert mod.dict_new() == {"one": 1}
    d = {"a": 1, 2: "b"}
    keys = mod.dict_keys(d)
    assert type(keys) is list and keys == ["a", 2]
    c = mod.dict_copy(d)
    assert c == d and c is not d and type(c) is dict
    c["new"] = 1
    assert "new" not in d
    with pytest.raises(SystemError):
        mod.dict_keys([])
    with pytest.raises(SystemError):
        mod.dict_copy([])


def test_tuple(hpy):
    mod = hpy.make_module(LISTS_DICTS_TUPLES)
    assert mod.tuple_check(()) == 1
    assert mod.tuple_check([]) == 0
    assert mod.tuple_from_array() == ()
    assert mod.tuple_from_array(1, "a", None) == (1, "a", None)
    o = object()
    before = sys.getrefcount(o)
    for _ in range(100):
        t = mod.tuple_from_array(o, o)
    assert sys.getrefcount(o) == before + 2
    del t
    assert sys.getrefcount(o) == before


def test_tuple_from_array_bad_input(hpy):
    mod = hpy.make_module(LISTS_DICTS_TUPLES)
    with pytest.raises(SystemError, match="HPyTuple_FromArray: negative size"):
        mod.tuple_bad(0)
    with pytest.raises(SystemError, match="HPyTuple_FromArray: NULL array"):
        mod.tuple_bad(1)
    assert mod.tuple_bad(2) == ()
    with pytest.raises(SystemError, match="HPyTuple_FromArray: item 1 is HPy_NULL"):
        mod.tuple_bad(3)
