"""Checks the types of wtypes.c; prints one line per check and "all ok".

Run in Pyodide by test/ts/wasm-types.test.ts (hpy-wasm run) and natively by
test_wasm_types_native in the same test file's native counterpart: the
output must be the same in both."""
import gc
import sys
import weakref

import wtypes


def check(name, cond):
    if not cond:
        print("FAILED:", name)
        sys.exit(1)
    print("ok", name)


def raises(exc, msg, f, *args):
    try:
        f(*args)
    except exc as e:
        if msg is not None and str(e) != msg:
            print("FAILED: message", repr(str(e)), "!=", repr(msg))
            sys.exit(1)
        return True
    return False


# members, get-sets, methods, slots, HPyType_GenericNew, doc
P = wtypes.Plain
p = P(21)
check("init and member", p.a == 21)
p.d = 1.5
p.obj = [1]
p.flag = True
check("members", (p.d, p.obj, p.flag, p.n) == (1.5, [1], True, 0))
check("readonly member", raises(AttributeError, None, setattr, p, "n", 3))
check("get-set", p.twice == 42)
p.twice = 10
check("set", p.a == 5)
check("method", p.bump(3) == 8 and p.n == 1)
check("repr", repr(p) == "Plain(8)")
check("len", len(p) == 8)
check("richcompare", P(3) == P(3) and P(3) != P(4))
check("hash", hash(P(7)) == 7)
check("doc", P.__doc__ == "Plain(a=0)" and P.bump.__doc__ == "adds to a")
check("member doc", P.a.__doc__ == "a long")
check("module and name", P.__module__ == "wtypes" and P.__name__ == "Plain")
del p.obj
check("member del", raises(AttributeError, None, getattr, p, "obj") or p.obj is None)

# a Python subclass finds the struct
class PySub(P):
    def extra(self):
        return self.a * 10


s = PySub(4)
check("python subclass", s.extra() == 40 and s.bump(1) == 5 and repr(s) == "Plain(5)")
check("python subclass has __dict__", not hasattr(P(1), "__dict__") and hasattr(s, "__dict__"))

# queries
check("GetBuiltinShape", [wtypes.shape_of(t) for t in (P, wtypes.LongS, wtypes.FloatS, wtypes.UnicodeS,
                                                         wtypes.TupleS, wtypes.ListS, wtypes.DictS, wtypes.TypeS)]
      == [0, 2, 3, 4, 5, 6, 7, 1])
check("GetBuiltinShape of a Python subclass and of int", wtypes.shape_of(PySub) == 0 and wtypes.shape_of(int) == -1)
check("GetBuiltinShape of a non-type",
      raises(TypeError, "arg must be a type (HPyType_GetBuiltinShape got an instance of 'int')",
             wtypes.shape_of, 3))
check("GetName", wtypes.name_of(P) == "Plain" and wtypes.name_of(int) == "int"
      and wtypes.name_of(PySub) == "PySub")
check("GetName of a non-type", raises(TypeError, "HPyType_GetName: expected a type", wtypes.name_of, 3))
check("IsSubtype", wtypes.is_subtype(PySub, P) and not wtypes.is_subtype(P, PySub)
      and not wtypes.is_subtype(3, P))
check("HPy_New of a non-type",
      raises(TypeError, "HPy_New arg 1 must be a type (got an instance of 'int')", wtypes.new_of, 3))
check("HPy_New of a non-HPy type",
      raises(TypeError, "HPy_New: 'list' is not a type created by HPyType_FromSpec (nor a subclass of one)",
             wtypes.new_of, list))
check("HPy_New of a Python subclass", type(wtypes.new_of(PySub)) is PySub)

# GC: fields kept alive, visited, cleared; destroy; HPy subtype; Python subclass
N = wtypes.Node
base_destroyed = wtypes.counts()[0]
payload = object()
n = N([payload])
del payload
check("field keeps its object", n.a[0] is not None)
lst = n.a
del n
check("destroy on dealloc", wtypes.counts()[0] == base_destroyed + 1)
check("field released", sys.getrefcount(lst) == 2)
a = N(None)
b = N(a)
a.a = b
del a, b
gc.collect()
check("cycle collected", wtypes.counts()[0] == base_destroyed + 3)
check("traverse reaches the fields", any(o is lst for o in gc.get_referents(N(lst))))


class PyNode(N):
    pass


pn = PyNode(None)
pn.a = pn
pn.attr = [1, 2]
del pn
gc.collect()
check("python subclass collected, destroy called", wtypes.counts()[0] == base_destroyed + 5)
SN = wtypes.SubNode
sn = SN(7)
sn.extra = 99
check("HPy subtype extends the struct", sn.a == 7 and sn.extra == 99 and sn.magic == 0x1234)
check("HPy subtype inherits", isinstance(sn, N) and type(sn).__mro__[1] is N)
del sn
gc.collect()
check("HPy subtype destroyed once", wtypes.counts()[0] == base_destroyed + 6)

f = wtypes.Fin()
del f
check("finalize", wtypes.counts()[1] == 1)
out = []
f = wtypes.Fin(out)
del f
check("finalize resurrects", len(out) == 1 and type(out[0]) is wtypes.Fin and wtypes.counts()[1] == 2)
out.clear()
check("finalize runs once", wtypes.counts()[1] == 2)
cyc = []
f = wtypes.Fin(cyc)
cyc.append(f)
del f, cyc
gc.collect()
check("finalize of an object in a cycle", wtypes.counts()[1] == 3)
gc.collect()
check("finalize of an object in a cycle runs once", wtypes.counts()[1] == 3)


class PyFin(wtypes.Fin):
    pass


keep = []
pf = PyFin(keep)
del pf
check("finalize of a Python subclass resurrects", len(keep) == 1 and wtypes.counts()[1] == 4)
keep.clear()
gc.collect()
check("finalize of a Python subclass runs once", wtypes.counts()[1] == 4)

del p
seen = []
P.__del__ = lambda self: seen.append(self.a)
p = P(5)
del p
del P.__del__
p = P(6)
del p
check("__del__ given to an HPy type", seen == [5])

# a type dies
T = wtypes.make_type()
t = T(None)
t.a = t
wt = weakref.ref(T)
del T, t
gc.collect()
check("a dead type is collected", wt() is None)
for i in range(50):
    T = wtypes.make_type()
    x = T(i)
    check_ok = x.a == i
    del T, x
gc.collect()
check("types made and collected in a loop", check_ok)

# metaclass param
class Meta(type):
    pass


M = wtypes.make_with_meta(Meta)
check("metaclass param", type(M) is Meta and M(5).a == 5)


class NewMeta(type):
    def __new__(mcls, *args):
        return super().__new__(mcls, *args)


check("metaclass with tp_new",
      raises(TypeError, "Metaclasses with custom tp_new are not supported. (metaclass of 'wtypes.Made')",
             wtypes.make_with_meta, NewMeta))
check("metaclass not a type", raises(TypeError, None, wtypes.make_with_meta, 3))

# a bases tuple with a Python mixin (which has a __dict__ and weak references)
class Mixin:
    def hello(self):
        return "hello " + str(self.a)


MT = wtypes.make_with_bases((N, Mixin))
before = wtypes.counts()[0]
mt = MT(5)
check("bases tuple with a Python mixin", MT.__bases__ == (N, Mixin) and mt.hello() == "hello 5")
mt.a = mt
del mt
gc.collect()
check("mixin instance collected", wtypes.counts()[0] == before + 1)

# the call protocol
C = wtypes.Call
c = C(3)
check("tp_call", c(1, 2, k=3) == ("default", 3, 2, 1))
c.set_other()
check("HPy_SetCallFunction", c(1) == ("other", 3, 1, 0) and C(2)() == ("default", 2, 0, 0))
check("vectorcalloffset member", "__vectorcalloffset__" in C.__dict__)


class PyCall(C):
    pass


check("python subclass is callable", PyCall(4)(1) == ("default", 4, 1, 0))
check("SetCallFunction on a type without call",
      raises(TypeError, "type 'wtypes.Plain does not implement the HPy call protocol "
             "(HPy_SetCallFunction needs a type with HPy_tp_call or a member __vectorcalloffset__)",
             wtypes.set_call, P(1)))

# the buffer protocol
bo = wtypes.Buf()
with memoryview(bo) as m:
    check("getbuffer", bytes(m) == b"abcdefgh" and m.readonly and bo.exports == 1)
check("releasebuffer", bo.exports == 0)

# builtin shapes
li = wtypes.LongS(2 ** 100 + 5)
li.extra = 11
check("Long shape", li == 2 ** 100 + 5 and li.extra == 11 and li.get_extra() == 11)
z = wtypes.LongS()
z.extra = 3
check("Long shape 0", z == 0 and z.get_extra() == 3)
fl = wtypes.FloatS(2.5)
fl.extra = 12
check("Float shape", fl == 2.5 and fl.get_extra() == 12)
us = wtypes.UnicodeS("héllo")
us.extra = 13
check("Unicode shape", us == "héllo" and us.get_extra() == 13)
tu = wtypes.TupleS((1, 2, 3, 4, 5))
tu.extra = 14
check("Tuple shape", tu == (1, 2, 3, 4, 5) and tu.get_extra() == 14)
# a chain of six HPy types with a destroy and a traverse each
for level in range(1, 7):
    C = getattr(wtypes, "Chain%d" % level)
    held = [object() for _ in range(level)]
    before = [sys.getrefcount(o) for o in held]
    c = C(*held)
    check("Chain%d keeps its fields" % level, [sys.getrefcount(o) - 1 for o in held] == before)
    del c
    check("Chain%d destroys every level, most derived first" % level,
          wtypes.chain_log() == int("".join(str(k) for k in range(level, 0, -1))))
    check("Chain%d releases every field" % level, [sys.getrefcount(o) for o in held] == before)
    cycle = []
    c = C(cycle, *held[1:])
    cycle.append(c)
    del c, cycle
    gc.collect()
    check("Chain%d in a cycle collected, every level destroyed" % level,
          wtypes.chain_log() == int("".join(str(k) for k in range(level, 0, -1))) and
          [sys.getrefcount(o) for o in held] == before)

ls = wtypes.ListS([1, 2])
ls.extra = 15
ls.append(3)
check("List shape", ls == [1, 2, 3] and ls.get_extra() == 15)
ds = wtypes.DictS(a=1)
ds.extra = 16
check("Dict shape", ds == {"a": 1} and ds.get_extra() == 16)
TS = wtypes.TypeS("X", (), {"v": 1})
TS.extra = 17
check("Type shape", TS.v == 1 and TS.get_extra() == 17 and type(TS) is wtypes.TypeS)

# errors of HPyType_FromSpec
check("HAVE_GC without traverse",
      raises(ValueError, "You must provide an HPy_tp_traverse slot if you specify HPy_TPFLAGS_HAVE_GC "
             "(type 'wtypes.BadGC')", wtypes.make_bad, 0))
check("invalid shape", raises(ValueError, "invalid shape: 42 (type 'wtypes.BadShape')", wtypes.make_bad, 1))
check("call protocol with var objects",
      raises(TypeError, "Cannot use HPy call protocol with var objects (type 'wtypes.BadCall' has itemsize 8)",
             wtypes.make_bad, 2))
print("all ok")
