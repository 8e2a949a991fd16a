"""The microbenchmark module written in Python: the reference line of the
WebAssembly section (what the same operations cost without any extension).
Every function, method and attribute returns what bench/hpy_bench.c and
bench/cpyext_bench.c return, so the bench checks the same values."""
from __future__ import annotations

__all__ = ["noargs", "onearg", "varargs", "keywords", "parse_kw", "int_tuple", "pair", "make_type",
           "Obj", "GcObj"]


def noargs():
    return None


def onearg(x):
    return x


def varargs(*args):
    return args[-1] if args else None


def keywords(a, b=None):
    return b


def parse_kw(a, b=0, c=0):
    return a + b + c


def int_tuple(n):
    return (n + 1000, n + 2000, n + 3000)


def pair(a, b):
    return (a, b)


class Obj:
    __slots__ = ("x", "_y", "_n")
    __module__ = "bench"

    def __init__(self):
        self.x = 7
        self._y = 0
        self._n = 10

    def get_x(self):
        return self.x

    def echo(self, v):
        return v

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        if not 0 <= i < self._n:
            raise IndexError("Obj index out of range")
        return i + self.x

    def __add__(self, other):
        if isinstance(other, int):
            return self.x + other
        if isinstance(other, type(self)):
            r = type(self)()
            r.x, r._y, r._n = self.x + other.x, self._y + other._y, self._n + other._n
            return r
        return NotImplemented

    @property
    def y(self):
        return self._y

    @y.setter
    def y(self, v):
        self._y = v


def make_type():
    return type("Dyn", (Obj,), {"__slots__": (), "__module__": "bench"})


class GcObj:
    __slots__ = ("ref", "n")
    __module__ = "bench"

    def __init__(self):
        self.ref = None
        self.n = 3
