"""Number protocol: every binary, in-place and unary operator, HPy_Power and
HPy_InPlacePower, HPy_Index/Long/Float, HPyNumber_Check, HPyFloat and HPyBool."""
import operator
import sys
import textwrap

import pytest

BINARY = ["Add", "Subtract", "Multiply", "MatrixMultiply", "FloorDivide", "TrueDivide",
          "Remainder", "Divmod", "Lshift", "Rshift", "And", "Xor", "Or"]
INPLACE = ["Add", "Subtract", "Multiply", "MatrixMultiply", "FloorDivide", "TrueDivide",
           "Remainder", "Lshift", "Rshift", "And", "Xor", "Or"]
UNARY = ["Negative", "Positive", "Absolute", "Invert", "Index", "Long", "Float"]

PYOP = {
    "Add": operator.add, "Subtract": operator.sub, "Multiply": operator.mul,
    "MatrixMultiply": operator.matmul, "FloorDivide": operator.floordiv,
    "TrueDivide": operator.truediv, "Remainder": operator.mod, "Divmod": divmod,
    "Lshift": operator.lshift, "Rshift": operator.rshift, "And": operator.and_,
    "Xor": operator.xor, "Or": operator.or_,
}
PYIOP = {
    "Add": operator.iadd, "Subtract": operator.isub, "Multiply": operator.imul,
    "MatrixMultiply": operator.imatmul, "FloorDivide": operator.ifloordiv,
    "TrueDivide": operator.itruediv, "Remainder": operator.imod, "Lshift": operator.ilshift,
    "Rshift": operator.irshift, "And": operator.iand, "Xor": operator.ixor, "Or": operator.ior,
}
PYUNARY = {
    "Negative": operator.neg, "Positive": operator.pos, "Absolute": abs,
    "Invert": operator.invert, "Index": operator.index, "Long": int, "Float": float,
}


def _source():
    lines = []
    exports = []
    for op in BINARY:
        lines.append(f"BINOP({op})")
        exports.append(op)
    for op in INPLACE:
        lines.append(f"BINOP(InPlace{op})")
        exports.append(f"InPlace{op}")
    for op in UNARY:
        lines.append(f"UNOP({op})")
        exports.append(op)
    return textwrap.indent(textwrap.dedent("""
        #define BINOP(OP)                                                   \\
            HPyDef_METH(OP, #OP, HPyFunc_VARARGS)                           \\
            static HPy OP##_impl(HPyContext *ctx, HPy self,                 \\
                                 const HPy *args, size_t nargs)            \\
            {                                                               \\
                return HPy_##OP(ctx, args[0], args[1]);                     \\
            }
        #define UNOP(OP)                                                    \\
            HPyDef_METH(OP, #OP, HPyFunc_O)                                 \\
            static HPy OP##_impl(HPyContext *ctx, HPy self, HPy arg)        \\
            {                                                               \\
                return HPy_##OP(ctx, arg);                                  \\
            }
        """) + "\n".join(lines) + textwrap.dedent("""

        HPyDef_METH(Power, "Power", HPyFunc_VARARGS)
        static HPy Power_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            return HPy_Power(ctx, args[0], args[1], nargs > 2 ? args[2] : ctx->h_None);
        }

        HPyDef_METH(InPlacePower, "InPlacePower", HPyFunc_VARARGS)
        static HPy InPlacePower_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            return HPy_InPlacePower(ctx, args[0], args[1], nargs > 2 ? args[2] : ctx->h_None);
        }

        HPyDef_METH(number_check, "number_check", HPyFunc_O)
        static HPy number_check_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPyLong_FromLong(ctx, HPyNumber_Check(ctx, arg));
        }

        HPyDef_METH(float_roundtrip, "float_roundtrip", HPyFunc_O)
        static HPy float_roundtrip_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            double d = HPyFloat_AsDouble(ctx, arg);
            if (d == -1.0 && HPyErr_Occurred(ctx))
                return HPy_NULL;
            return HPyFloat_FromDouble(ctx, d * 2.0);
        }

        HPyDef_METH(bools, "bools", HPyFunc_NOARGS)
        static HPy bools_impl(HPyContext *ctx, HPy self)
        {
            HPy items[4];
            HPy res;
            int i;
            items[0] = HPyBool_FromBool(ctx, true);
            items[1] = HPyBool_FromBool(ctx, false);
            items[2] = HPyBool_FromLong(ctx, -7);
            items[3] = HPyBool_FromLong(ctx, 0);
            res = HPyTuple_FromArray(ctx, items, 4);
            for (i = 0; i < 4; i++)
                HPy_Close(ctx, items[i]);
            return res;
        }
        """) + "\n".join(f"@EXPORT({e})" for e in exports) + textwrap.dedent("""
        @EXPORT(Power)
        @EXPORT(InPlacePower)
        @EXPORT(number_check)
        @EXPORT(float_roundtrip)
        @EXPORT(bools)
        @INIT
        """), " " * 8)


SOURCE = _source()


class Mat:
    """Supports @ and @= (no built-in type does), recording what was used."""

    def __init__(self, v):
        self.v = v

    def __matmul__(self, other):
        return Mat(("matmul", self.v, other.v))

    def __imatmul__(self, other):
        self.v = ("imatmul", self.v, other.v)
        return self


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


@pytest.mark.parametrize("op", BINARY)
def test_binary(mod, op):
    f = getattr(mod, op)
    if op == "MatrixMultiply":
        assert f(Mat(1), Mat(2)).v == ("matmul", 1, 2)
        with pytest.raises(TypeError):
            f(1, 2)
        return
    for a, b in [(17, 5), (-17, 5), (12345678901234567890, 3), (6, 3)]:
        assert f(a, b) == PYOP[op](a, b)
    if op in ("Add", "Subtract", "Multiply", "TrueDivide", "FloorDivide", "Remainder", "Divmod"):
        assert f(7.5, 2) == PYOP[op](7.5, 2)
    with pytest.raises(TypeError):
        f(1, "x") if op != "Multiply" else f("x", 1.5)
    if op in ("FloorDivide", "TrueDivide", "Remainder", "Divmod"):
        with pytest.raises(ZeroDivisionError):
            f(1, 0)
    if op == "Lshift":
        with pytest.raises(ValueError, match="negative shift count"):
            f(1, -1)


def test_sequence_operators(mod):
    assert mod.Add([1], [2]) == [1, 2]
    assert mod.Multiply("ab", 3) == "ababab"
    assert mod.Remainder("%s-%s", (1, 2)) == "1-2"
    assert mod.Or({1, 2}, {3}) == {1, 2, 3}
    assert mod.Subtract({1, 2}, {2}) == {1}


@pytest.mark.parametrize("op", INPLACE)
def test_inplace(mod, op):
    f = getattr(mod, "InPlace" + op)
    if op == "MatrixMultiply":
        m = Mat(1)
        r = f(m, Mat(2))
        assert r is m and m.v == ("imatmul", 1, 2)
        return
    for a, b in [(17, 5), (-17, 5), (6, 3)]:
        assert f(a, b) == PYIOP[op](a, b)
    with pytest.raises(TypeError):
        f(None, 1)


def test_inplace_mutates(mod):
    lst = [1]
    assert mod.InPlaceAdd(lst, [2]) is lst
    assert lst == [1, 2]
    assert mod.InPlaceMultiply(lst, 2) is lst
    assert lst == [1, 2, 1, 2]
    s = {1, 2, 3}
    assert mod.InPlaceAnd(s, {2, 3, 4}) is s
    assert mod.InPlaceOr(s, {9}) is s
    assert mod.InPlaceXor(s, {2}) is s
    assert mod.InPlaceSubtract(s, {9}) is s
    assert s == {3}
    t = (1,)
    r = mod.InPlaceAdd(t, (2,))
    assert r == (1, 2) and t == (1,)


def test_power(mod):
    assert mod.Power(2, 10) == 1024
    assert mod.Power(2, 100, 7) == pow(2, 100, 7)
    assert mod.Power(2.0, 0.5) == 2.0 ** 0.5
    assert mod.Power(3, -1, 7) == pow(3, -1, 7)
    with pytest.raises(TypeError):
        mod.Power("a", 2)
    with pytest.raises(ValueError):
        mod.Power(2, 10, 0)
    assert mod.InPlacePower(3, 4) == 81
    assert mod.InPlacePower(3, 4, 5) == pow(3, 4, 5)

    class P:
        def __ipow__(self, other):
            return ("ipow", other)
    assert mod.InPlacePower(P(), 3) == ("ipow", 3)


@pytest.mark.parametrize("op", UNARY)
def test_unary(mod, op):
    f = getattr(mod, op)
    # (~True is deprecated since 3.12)
    for v in (5, -5, 0, 2**80) + ((True,) if op != "Invert" else ()):
        r = f(v)
        assert r == PYUNARY[op](v)
        assert type(r) is type(PYUNARY[op](v))
    if op in ("Negative", "Positive", "Absolute", "Long", "Float"):
        assert f(-2.5) == PYUNARY[op](-2.5)
    with pytest.raises(TypeError):
        f("x") if op not in ("Long", "Float") else f([])
    if op in ("Long", "Float"):
        assert f("12") == PYUNARY[op]("12")
        with pytest.raises(ValueError):
            f("nope")


def test_index_long_float_protocols(mod):
    class Index:
        def __index__(self):
            return 42

    class L:
        def __int__(self):
            return 43

    class F:
        def __float__(self):
            return 4.5

    assert mod.Index(Index()) == 42
    with pytest.raises(TypeError):
        mod.Index(4.0)
    with pytest.raises(TypeError):
        mod.Index(L())
    assert mod.Long(L()) == 43
    assert mod.Long(4.9) == 4
    assert mod.Float(F()) == 4.5
    assert mod.Float(Index()) == 42.0


def test_number_check(mod):
    for v in (1, 1.5, 2j, True):
        assert mod.number_check(v) == 1
    for v in ("1", [], None, object()):
        assert mod.number_check(v) == 0


def test_float(mod):
    assert mod.float_roundtrip(1.25) == 2.5
    assert mod.float_roundtrip(3) == 6.0

    class F:
        def __float__(self):
            return 0.5
    assert mod.float_roundtrip(F()) == 1.0
    with pytest.raises(TypeError):
        mod.float_roundtrip("1.0")
    with pytest.raises(OverflowError):
        mod.float_roundtrip(2**2000)


def test_bool(mod):
    r = mod.bools()
    assert r == (True, False, True, False)
    assert all(type(x) is bool for x in r)


def test_no_leaks(mod):
    a, b = 2**100, 2**90
    before = sys.getrefcount(a), sys.getrefcount(b)
    for _ in range(100):
        mod.Add(a, b)
        mod.InPlaceAdd(a, b)
        mod.Negative(a)
        mod.Power(a, 2, b)
        with pytest.raises(TypeError):
            mod.Add(a, "x")
    assert (sys.getrefcount(a), sys.getrefcount(b)) == before
