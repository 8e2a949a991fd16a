"""Checks of test/wasm/wfast.c: the context functions with fast paths in the
WebAssembly host give what CPython gives, on the inputs the fast paths take
and on those they leave to CPython; the host has turned every fast path on
(its start-up checks passed on this CPython). Prints "all ok" at the end."""
import gc
import sys
import weakref

import hpy.universal
import wfast

ALL_FAST_PATHS = 0x7F  # the bits of _HPyWasm_fast (Python.h, hpy_wasm_fast_paths.h)


class Tup(tuple):
    def __len__(self):
        return 99

    def __getitem__(self, i):
        return "sub"


class Lst(list):
    def __getitem__(self, i):
        return "sub"


class Str(str):
    pass


class Int(int):
    pass


def raises(exc, f, *args):
    try:
        f(*args)
    except exc as e:
        return str(e)
    raise AssertionError(f"{f.__name__}{args!r} did not raise {exc.__name__}")


fast = hpy.universal._wasm_fast_paths()
assert fast == ALL_FAST_PATHS, f"fast paths {fast:#x} of {ALL_FAST_PATHS:#x} on {sys.version}"

# lengths
for o in [(), (1,), tuple(range(1000)), [], [1, 2], list(range(77)), Tup((1, 2)), "abc", {1: 2}]:
    assert wfast.length(o) == len(o), o
assert "has no len" in raises(TypeError, wfast.length, 5)

# items: exact tuples and lists, in range or not; subclasses keep their __getitem__
items = ("a", 2, None)
for o in [items, list(items)]:
    for i in range(3):
        assert wfast.item(o, i) is o[i]
    raises(IndexError, wfast.item, o, 3)
    assert wfast.item(o, -1) is o[-1]
assert wfast.item(Tup(items), 0) == "sub"
assert wfast.item(Lst(items), 0) == "sub"
assert wfast.item({0: "zero"}, 0) == "zero"
x = object()
t = (x,)
before = sys.getrefcount(x)
for _ in range(100):
    wfast.item(t, 0)
assert sys.getrefcount(x) == before

# UTF-8: ASCII strs in place, others through CPython
for s in ["", "a", "plain ASCII text", "caf\u00e9", "\u20ac", "\U0001f600 x", Str("sub"), "x" * 10000]:
    assert wfast.utf8(s) == s.encode("utf-8"), s
assert "surrogates not allowed" in raises(UnicodeEncodeError, wfast.utf8, "\ud800")
raises(TypeError, wfast.utf8, b"bytes")

# ints: one digit read in place, the rest through CPython
values = [0, 1, -1, 7, -5, -6, 256, 257, -300, 2**29, 2**30 - 1, -(2**30 - 1), 2**30, -(2**30), 2**31 - 1, -(2**31),
          2**40, -(2**62), 2**63 - 1, -(2**63)]
for v in values:
    assert wfast.int64(v) == v, v
    assert wfast.int64(Int(v)) == v, v
    if -(2**31) <= v < 2**31:
        assert wfast.int32(v) == v, v
    else:
        raises(OverflowError, wfast.int32, v)
for v in range(-10, 300):  # the small ints are CPython's own objects
    assert wfast.int64(v) == v and (wfast.int64(v) is v) == (-5 <= v <= 256), v
raises(OverflowError, wfast.int64, 2**63)
raises(TypeError, wfast.int64, "1")
assert wfast.int64(True) == 1

# type checks: exact type, builtin subclass bits, and the MRO
for o, t, want in [(1, int, True), (True, int, True), (Int(1), int, True), (1, Int, False),
                   ("s", str, True), (Str("s"), str, True), ("s", int, False), ((), tuple, True),
                   (Tup(), tuple, True), ([], list, True), (Lst(), list, True), ({}, dict, True),
                   (b"", bytes, True), (int, type, True), (ValueError(), BaseException, True),
                   (ValueError(), Exception, True), (ValueError(), KeyError, False),
                   (KeyError(), LookupError, True), (1, object, True), (None, int, False),
                   (Str("s"), Str, True), ("s", Str, False)]:
    assert wfast.type_check(o, t) is want, (o, t)

# reference counts: Dup and Close in place, balanced; the last Close frees
o = object()
before = sys.getrefcount(o)
wfast.dup_close(o, 64)
assert sys.getrefcount(o) == before
for immortal in [None, True, 1, ()]:
    wfast.dup_close(immortal, 64)


class C:
    pass


c = C()
r = weakref.ref(c)
wfast.dup_close(c, 10)
del c
gc.collect()
assert r() is None
before = sys.getrefcount(C)
for _ in range(100):
    assert wfast.type_of(C()) is C
assert sys.getrefcount(C) == before

print("all ok")
