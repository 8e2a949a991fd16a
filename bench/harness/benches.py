"""The benchmarks: a statement timed in a loop, the names it needs, and the
value that must be the same in every mode."""
from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

Namespace = Dict[str, object]


def _identity(value: object) -> object:
    return value


def _instance_key(obj: object) -> object:
    return (type(obj).__qualname__, getattr(obj, "x"), getattr(obj, "y"), len(obj))  # type: ignore[arg-type]


def _gc_instance_key(obj: object) -> object:
    return (type(obj).__qualname__, getattr(obj, "n"))


def _type_key(tp: object) -> object:
    assert isinstance(tp, type)
    return (tp.__qualname__, tp.__module__, getattr(tp(), "x"))


@dataclass(frozen=True)
class Bench:
    """One benchmark: `stmt` is timed in a loop with the names of `setup`."""

    name: str
    group: str
    description: str
    stmt: str
    setup: Callable[[types.ModuleType], Namespace]
    check: str = ""  # expression compared across modes; default: stmt
    normalize: Callable[[object], object] = _identity

    @property
    def check_expr(self) -> str:
        return self.check or self.stmt


def _fn(attr: str, **extra: object) -> Callable[[types.ModuleType], Namespace]:
    def setup(mod: types.ModuleType) -> Namespace:
        ns: Namespace = {"f": getattr(mod, attr)}
        ns.update(extra)
        return ns

    return setup


def _obj(**extra: object) -> Callable[[types.ModuleType], Namespace]:
    def setup(mod: types.ModuleType) -> Namespace:
        ns: Namespace = {"o": getattr(mod, "Obj")()}
        ns.update(extra)
        return ns

    return setup


def _cls(attr: str) -> Callable[[types.ModuleType], Namespace]:
    def setup(mod: types.ModuleType) -> Namespace:
        return {"T": getattr(mod, attr)}

    return setup


BENCHES: Tuple[Bench, ...] = (
    Bench("call_noargs", "module calls", "f(): HPyFunc_NOARGS / METH_NOARGS", "f()", _fn("noargs")),
    Bench("call_o", "module calls", "f(a): HPyFunc_O / METH_O", "f(a)", _fn("onearg", a="spam")),
    Bench("call_varargs", "module calls", "f(1, 2, 3): HPyFunc_VARARGS / METH_FASTCALL",
          "f(1, 2, 3)", _fn("varargs")),
    Bench("call_keywords", "module calls",
          "f(1, b=2): HPyFunc_KEYWORDS / METH_FASTCALL|METH_KEYWORDS, keywords matched by hand",
          "f(1, b=2)", _fn("keywords")),
    Bench("parse_keywords", "module calls",
          "f(1, 2, c=3): HPyArg_ParseKeywords vs PyArg_ParseTupleAndKeywords (METH_VARARGS|METH_KEYWORDS)",
          "f(1, 2, c=3)", _fn("parse_kw")),
    Bench("meth_noargs", "type", "o.get_x(): method, HPyFunc_NOARGS", "o.get_x()", _obj()),
    Bench("meth_o", "type", "o.echo(a): method, HPyFunc_O", "o.echo(a)", _obj(a="spam")),
    Bench("slot_len", "type", "len(o): HPy_sq_length", "len(o)", _obj()),
    Bench("slot_getitem", "type", "o[3]: HPy_sq_item", "o[3]", _obj()),
    Bench("slot_add", "type", "o + 1: HPy_nb_add", "o + 1", _obj()),
    Bench("slot_add_new", "allocation", "o + o: HPy_nb_add returning a new instance (HPy_New)", "o + o", _obj(),
          normalize=_instance_key),
    Bench("member_get", "type", "o.x: HPyMember_LONG", "o.x", _obj()),
    Bench("member_set", "type", "o.x = 5: HPyMember_LONG", "o.x = 5", _obj(), check="setattr(o, 'x', 5) or o.x"),
    Bench("getset_get", "type", "o.y: HPyDef_GETSET getter", "o.y", _obj()),
    Bench("getset_set", "type", "o.y = 5: HPyDef_GETSET setter", "o.y = 5", _obj(),
          check="setattr(o, 'y', 5) or o.y"),
    Bench("alloc_instance", "allocation", "T(): HPy_tp_new + HPy_New, then deallocation", "T()", _cls("Obj"),
          normalize=_instance_key),
    Bench("alloc_gc_instance", "allocation",
          "T(): HPy_tp_new + HPy_New on a GC type (an HPyField, HPy_tp_traverse), then deallocation",
          "T()", _cls("GcObj"), normalize=_gc_instance_key),
    Bench("alloc_int_tuple", "allocation", "f(1000): three new ints and a 3-tuple",
          "f(n)", _fn("int_tuple", n=1000)),
    Bench("alloc_tuple", "allocation",
          "f(a, b): the 2-tuple (a, b), HPyTuple_FromArray vs PyTuple_New + PyTuple_SET_ITEM", "f(a, b)",
          _fn("pair", a="spam", b=7)),
    Bench("type_from_spec", "type creation", "f(): HPyType_FromSpec vs PyType_FromSpec",
          "f()", _fn("make_type"), normalize=_type_key),
)

BENCH_BY_NAME: Dict[str, Bench] = {b.name: b for b in BENCHES}


def select_benches(pattern: Optional[str]) -> List[Bench]:
    if not pattern:
        return list(BENCHES)
    rx = re.compile(pattern)
    return [b for b in BENCHES if rx.search(b.name)]


def check_value(bench: Bench, mod: types.ModuleType) -> str:
    """The benchmark's value in this module, as a comparable string."""
    ns = bench.setup(mod)
    value = eval(bench.check_expr, {"setattr": setattr}, ns)  # noqa: S307 - our own expressions
    return repr(bench.normalize(value))
