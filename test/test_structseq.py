"""HPyStructSequence_NewType / HPyStructSequence_New
(hpy/devel/src/runtime/structseq.c), in every ABI."""
import pickle
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


STRUCTSEQ = src("""
    static HPyStructSequence_Field point_fields[] = {
        { "x", "x coordinate" },
        { "y", NULL },
        { NULL, NULL },     /* replaced by the unnamed marker at run time */
        { "z", "z coordinate" },
        { NULL, NULL },
    };
    static HPyStructSequence_Desc point_desc = {
        .name = "mytest_ss.Point", .doc = "A point in space", .fields = point_fields,
    };

    static HPyStructSequence_Field one_field[] = { { "a", NULL }, { NULL, NULL } };
    static HPyStructSequence_Field no_fields[] = { { NULL, NULL } };
    static HPyStructSequence_Field dup_fields[] = { { "a", NULL }, { "a", NULL },
                                                    { NULL, NULL } };
    static HPyStructSequence_Field reserved_fields[] = { { "n_fields", NULL },
                                                         { NULL, NULL } };
    static HPyStructSequence_Field all_unnamed[2] = { { NULL, NULL }, { NULL, NULL } };

    /* new_type(which) */
    HPyDef_METH(new_type, "new_type", HPyFunc_O)
    static HPy new_type_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyStructSequence_Desc d = { "mytest_ss.T", NULL, one_field };
        point_fields[2].name = HPyStructSequence_UnnamedField;
        all_unnamed[0].name = HPyStructSequence_UnnamedField;
        switch (HPyLong_AsLong(ctx, arg)) {
        case 0: return HPyStructSequence_NewType(ctx, &point_desc);
        case 1: d.name = "NoModule"; d.doc = "doc"; break;
        case 2: d.fields = no_fields; break;
        case 3: d.name = "pkg.sub.mod.Deep"; break;
        case 4: d.fields = dup_fields; break;
        case 5: d.fields = reserved_fields; break;
        case 6: d.fields = all_unnamed; break;
        case 7: return HPyStructSequence_NewType(ctx, NULL);
        case 8: d.name = NULL; break;
        case 9: d.fields = NULL; break;
        default: break;
        }
        return HPyStructSequence_NewType(ctx, &d);
    }

    /* new(type, *items) */
    HPyDef_METH(new, "new", HPyFunc_VARARGS)
    static HPy new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyStructSequence_New(ctx, args[0], (HPy_ssize_t)nargs - 1, (HPy *)args + 1);
    }

    HPyDef_METH(new_bad, "new_bad", HPyFunc_O)
    static HPy new_bad_impl(HPyContext *ctx, HPy self, HPy type)
    {
        return HPyStructSequence_New(ctx, type, 2, NULL);
    }

    HPyDef_METH(unnamed_marker, "unnamed_marker", HPyFunc_NOARGS)
    static HPy unnamed_marker_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, HPyStructSequence_UnnamedField);
    }

    HPyDef_SLOT(exec_ss, HPy_mod_exec)
    static int exec_ss_impl(HPyContext *ctx, HPy m)
    {
        HPy t;
        int r;
        point_fields[2].name = HPyStructSequence_UnnamedField;
        t = HPyStructSequence_NewType(ctx, &point_desc);
        if (HPy_IsNull(t))
            return -1;
        r = HPy_SetAttr_s(ctx, m, "Point", t);
        HPy_Close(ctx, t);
        return r;
    }

    @EXPORT(new_type)
    @EXPORT(new)
    @EXPORT(new_bad)
    @EXPORT(unnamed_marker)
    @EXPORT(exec_ss)
    @INIT
""")

_modules = {}


@pytest.fixture
def mod(hpy):
    if hpy.abi not in _modules:
        _modules[hpy.abi] = hpy.make_module(STRUCTSEQ, name="mytest_ss")
    return _modules[hpy.abi]


def test_unnamed_marker(mod):
    assert mod.unnamed_marker() == "unnamed field"


def test_type(mod):
    P = mod.new_type(0)
    assert isinstance(P, type)
    assert issubclass(P, tuple)
    assert P.__name__ == "Point"
    assert P.__qualname__ == "Point"
    assert P.__module__ == "mytest_ss"
    assert P.__doc__ == "A point in space"
    assert P.n_fields == P.n_sequence_fields == 4
    assert P.n_unnamed_fields == 1
    assert P.__match_args__ == ("x", "y", "z")
    assert P.x.__doc__ == "x coordinate"
    assert P.z.__doc__ == "z coordinate"
    assert mod.new_type(0) is not P                # a new type each time


def test_instance(mod):
    P = mod.new_type(0)
    p = mod.new(P, 1, "two", 3.0, [4])
    assert type(p) is P
    assert isinstance(p, tuple)
    assert len(p) == 4
    assert p == (1, "two", 3.0, [4])
    assert p[0] == 1 and p[2] == 3.0 and p[-1] == [4]
    assert p[1:3] == ("two", 3.0)
    assert (p.x, p.y, p.z) == (1, "two", [4])
    assert list(p) == [1, "two", 3.0, [4]]
    x, y, u, z = p
    assert u == 3.0
    assert repr(p) == "mytest_ss.Point(x=1, y='two', z=[4])"
    assert not hasattr(p, "__dict__")
    with pytest.raises(AttributeError):
        p.x = 5
    with pytest.raises(AttributeError):
        p.other = 5
    assert hash(mod.new(P, 1, 2, 3, 4)) == hash((1, 2, 3, 4))


def test_construct_from_python(mod):
    P = mod.new_type(0)
    p = P([1, 2, 3, 4])
    assert type(p) is P and p == (1, 2, 3, 4) and p.z == 4
    assert P(iter(range(4))) == (0, 1, 2, 3)
    with pytest.raises(TypeError, match=r"mytest_ss.Point\(\) takes a 4-sequence \(3-sequence given\)"):
        P((1, 2, 3))
    with pytest.raises(TypeError, match="constructor requires a sequence"):
        P(5)


def test_match(mod):
    P = mod.new_type(0)
    p = P((1, 2, 3, 4))
    match p:
        case P(1, 2, z=4):
            ok = True
        case _:
            ok = False
    assert ok


def test_wrong_count(mod):
    P = mod.new_type(0)
    with pytest.raises(TypeError, match=r"takes a 4-sequence \(3-sequence given\)"):
        mod.new(P, 1, 2, 3)
    with pytest.raises(TypeError, match=r"takes a 4-sequence \(5-sequence given\)"):
        mod.new(P, 1, 2, 3, 4, 5)
    with pytest.raises(TypeError, match=r"takes a 4-sequence \(0-sequence given\)"):
        mod.new(P)


def test_not_a_structseq_type(mod):
    for t in (tuple, list, int):
        with pytest.raises(TypeError, match="not a struct sequence type"):
            mod.new(t, 1, 2)
    with pytest.raises(SystemError):
        mod.new_bad(mod.new_type(0))


def test_variants(mod):
    T = mod.new_type(1)
    assert T.__name__ == "NoModule"
    assert T.__module__ == "builtins"
    assert T.__doc__ == "doc"
    assert repr(mod.new(T, 1)) == "NoModule(a=1)"

    E = mod.new_type(2)
    assert E.n_fields == 0
    e = mod.new(E)
    assert e == () and repr(e) == "mytest_ss.T()"

    D = mod.new_type(3)
    assert D.__module__ == "pkg.sub.mod"
    assert D.__name__ == "Deep"
    assert D.__doc__ is None
    assert repr(mod.new(D, "v")) == "pkg.sub.mod.Deep(a='v')"

    U = mod.new_type(6)
    assert U.n_fields == 1 and U.n_unnamed_fields == 1 and U.__match_args__ == ()
    u = mod.new(U, 7)
    assert u[0] == 7 and repr(u) == "mytest_ss.T()"


def test_bad_descriptors(mod):
    with pytest.raises(ValueError, match="'a'"):
        mod.new_type(4)
    with pytest.raises(ValueError, match="'n_fields'"):
        mod.new_type(5)
    for which in (7, 8, 9):
        with pytest.raises(SystemError):
            mod.new_type(which)


def test_at_module_exec(mod, monkeypatch):
    P = mod.Point
    p = mod.new(P, 1, 2, 3, 4)
    monkeypatch.setitem(sys.modules, "mytest_ss", mod)
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is P and q == p


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_refcounts(mod):
    P = mod.new_type(0)
    obj = object()
    base = sys.getrefcount(obj)
    p = mod.new(P, obj, obj, obj, obj)
    assert sys.getrefcount(obj) == base + 4
    del p
    for _ in range(100):
        mod.new(P, obj, obj, obj, obj)
        with pytest.raises(TypeError):
            mod.new(P, obj, obj)
    assert sys.getrefcount(obj) == base
