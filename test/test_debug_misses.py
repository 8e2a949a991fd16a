"""Misuses the debug mode once missed (issue 14, defect 6): builders neither
built nor cancelled (reported as leaks by LeakDetector and the hpy_debug
fixture), _HPy_AsStruct_Legacy on an object that is no instance of an HPy
type, HPyFields and HPyGlobals written without their Store function, and
HPy calls made while Python execution is left."""
import subprocess
import sys

import pytest

from debug_support import Loaded, assert_aborted, make_builder, raise_mode, run_debug_subprocess, snippet
from support import REPO, sanitizer_env

raise_mode = raise_mode  # the fixture

SOURCE = snippet("""
    #define NONE HPy_Dup(ctx, ctx->h_None)

    /* ---- builders ---- */

    /* builder(kind, finish): a builder of (kind, finish): kind 0 a tuple,
     * 1 a list; finish 0 leaves it unfinished, 1 builds it, 2 cancels it */
    HPyDef_METH(builder, "builder", HPyFunc_VARARGS)
    static HPy builder_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long kind = HPyLong_AsLong(ctx, args[0]), finish = HPyLong_AsLong(ctx, args[1]);
        if (kind == 0) {
            HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 2);
            HPyTupleBuilder_Set(ctx, b, 0, args[0]);
            HPyTupleBuilder_Set(ctx, b, 1, args[1]);
            if (finish == 1)
                return HPyTupleBuilder_Build(ctx, b);
            if (finish == 2)
                HPyTupleBuilder_Cancel(ctx, b);
        }
        else {
            HPyListBuilder b = HPyListBuilder_New(ctx, 2);
            HPyListBuilder_Set(ctx, b, 0, args[0]);
            HPyListBuilder_Set(ctx, b, 1, args[1]);
            if (finish == 1)
                return HPyListBuilder_Build(ctx, b);
            if (finish == 2)
                HPyListBuilder_Cancel(ctx, b);
        }
        return NONE;
    }

    /* ---- _HPy_AsStruct_Legacy ---- */

    static HPyType_Spec Leg_spec = {
        .name = "mytest.Leg",
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = HPyType_BuiltinShape_Legacy,
    };

    /* as_legacy(obj): whether _HPy_AsStruct_Legacy gives the object */
    HPyDef_METH(as_legacy, "as_legacy", HPyFunc_O)
    static HPy as_legacy_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        void *p = _HPy_AsStruct_Legacy(ctx, arg);
        if (p == NULL)
            return HPy_NULL;
        return HPyBool_FromBool(ctx, 1);
    }

    /* ---- fields and globals ---- */

    typedef struct { HPyField f; } HolderObject;
    HPyType_HELPERS(HolderObject)
    static HPyType_Spec Holder_spec = {
        .name = "mytest.Holder",
        .basicsize = sizeof(HolderObject),
        .flags = HPy_TPFLAGS_DEFAULT,
    };

    /* field(cls, how, arg): a new cls whose field is written `how`, then
     * loaded (how 0..2) or stored over (3); the field is emptied by hand
     * before returning */
    HPyDef_METH(field, "field", HPyFunc_VARARGS)
    static HPy field_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HolderObject *p;
        long how = HPyLong_AsLong(ctx, args[1]);
        HPy r = HPy_NULL;
        HPy h = HPy_New(ctx, args[0], &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        switch (how) {
        case 0: /* right */
            HPyField_Store(ctx, h, &p->f, args[2]);
            r = HPyField_Load(ctx, h, p->f);
            HPyField_Store(ctx, h, &p->f, HPy_NULL);
            break;
        case 1: /* a handle copied into the field */
            p->f._i = args[2]._i;
            r = HPyField_Load(ctx, h, p->f);
            break;
        case 2: /* garbage */
            p->f._i = 0x1231;
            r = HPyField_Load(ctx, h, p->f);
            break;
        case 3: /* a handle copied into the field, then stored over */
            p->f._i = args[2]._i;
            HPyField_Store(ctx, h, &p->f, args[2]);
            r = NONE;
            break;
        }
        p->f._i = 0;
        HPy_Close(ctx, h);
        return r;
    }

    static HPyGlobal glob;

    /* global(how, arg): as field() for an HPyGlobal */
    HPyDef_METH(global, "global", HPyFunc_VARARGS)
    static HPy global_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long how = HPyLong_AsLong(ctx, args[0]);
        HPy r = HPy_NULL;
        switch (how) {
        case 0:
            HPyGlobal_Store(ctx, &glob, args[1]);
            r = HPyGlobal_Load(ctx, glob);
            HPyGlobal_Store(ctx, &glob, HPy_NULL);
            break;
        case 1:
            glob._i = args[1]._i;
            r = HPyGlobal_Load(ctx, glob);
            break;
        case 3:
            glob._i = args[1]._i;
            HPyGlobal_Store(ctx, &glob, args[1]);
            r = NONE;
            break;
        }
        glob._i = 0;
        return r;
    }

    /* ---- leaving Python execution ---- */

    static volatile long counter;

    /* left(how, arg): leaves Python execution, then: 0 plain C only; 1
     * HPy_Dup in the window; 2 HPyLong_FromLong (HPyLong_FromInt64_t) inside the
     * HPy_BEGIN_LEAVE_PYTHON macros; 3 returns without reentering. Returns
     * arg's repr */
    HPyDef_METH(left, "left", HPyFunc_VARARGS)
    static HPy left_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long how = HPyLong_AsLong(ctx, args[0]);
        HPy arg = args[1];
        if (how == 2) {
            HPy_BEGIN_LEAVE_PYTHON(ctx)
            HPy n = HPyLong_FromLong(ctx, 1);
            HPy_Close(ctx, n);
            HPy_END_LEAVE_PYTHON(ctx)
        }
        else if (how == 3) {
            HPy r = HPy_Repr(ctx, arg);
            HPy_LeavePythonExecution(ctx);   /* never reentered */
            return r;
        }
        else {
            HPyThreadState state = HPy_LeavePythonExecution(ctx);
            counter++;
            if (how == 1)
                HPy_Close(ctx, HPy_Dup(ctx, arg));
            HPy_ReenterPythonExecution(ctx, state);
        }
        return HPy_Repr(ctx, arg);
    }

    @EXPORT(builder)
    @EXPORT(as_legacy)
    @EXPORT(field)
    @EXPORT(global)
    @EXPORT(left)
    @EXPORT_TYPE("Leg", Leg_spec)
    @EXPORT_TYPE("Holder", Holder_spec)
    @INIT
""")


@pytest.fixture(scope="module")
def mod(tmp_path_factory, _runtime_cache):
    return Loaded(make_builder("debug", tmp_path_factory, _runtime_cache), "mytest", SOURCE)


# ---- builders neither built nor cancelled ----

def test_finished_builders_are_no_leak(mod):
    from hpy.debug import LeakDetector

    with LeakDetector():
        assert mod.builder(0, 1) == (0, 1)
        assert mod.builder(1, 1) == [1, 1]
        assert mod.builder(0, 2) is None
        assert mod.builder(1, 2) is None


def test_unfinished_builders_are_leaks(mod):
    from hpy.debug import HPyLeakError, LeakDetector
    from hpy.debug.leakdetector import UnfinishedBuilder

    with pytest.raises(HPyLeakError) as info:
        with LeakDetector():
            mod.builder(0, 0)
            mod.builder(1, 1)
            mod.builder(1, 0)
    leaks = info.value.leaks
    assert [type(b) for b in leaks] == [UnfinishedBuilder, UnfinishedBuilder]
    assert [(b.kind, b.size) for b in leaks] == [("HPyTupleBuilder", 2), ("HPyListBuilder", 2)]
    msg = str(info.value)
    assert msg.startswith("2 unfinished builders:\n    <HPyTupleBuilder 0x"), msg
    assert "<HPyListBuilder 0x" in msg and "neither built nor cancelled>" in msg
    # reported once: a later detector starts a new generation
    with LeakDetector():
        pass


def test_get_open_builders(mod):
    from hpy.universal import _debug

    gen = _debug.new_generation()
    assert _debug.get_open_builders(gen) == []
    mod.builder(1, 0)
    mod.builder(0, 2)
    [(kind, address, size)] = _debug.get_open_builders(gen)
    assert (kind, size) == ("HPyListBuilder", 2) and address != 0
    assert _debug.get_open_builders(_debug.new_generation()) == []


PYTEST_PLUGIN_TEST = """
import importlib.util
import hpy.universal

pytest_plugins = ["hpy.debug.pytest"]

spec = importlib.util.spec_from_file_location(NAME, PATH)
mod = hpy.universal.load(NAME, PATH, spec, debug=True)

def test_clean(hpy_debug):
    assert mod.builder(0, 1) == (0, 1)

def test_unfinished(hpy_debug):
    mod.builder(0, 0)
"""


def test_pytest_fixture_reports_unfinished_builders(mod, tmp_path):
    (tmp_path / "test_plugin.py").write_text(
        f"NAME = {mod.name!r}\nPATH = {str(mod.path)!r}\n" + PYTEST_PLUGIN_TEST)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plugin.py"],
        cwd=str(tmp_path), env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **sanitizer_env()},
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ERROR test_plugin.py::test_unfinished" in proc.stdout
    assert "1 unfinished builder:" in proc.stdout and "<HPyTupleBuilder 0x" in proc.stdout
    assert "2 passed, 1 error" in proc.stdout


# ---- _HPy_AsStruct_Legacy ----

def test_as_struct_legacy_of_an_hpy_type(mod):
    class Sub(mod.Leg):
        pass

    assert mod.as_legacy(mod.Leg()) is True
    assert mod.as_legacy(Sub()) is True


@pytest.mark.parametrize("make", [lambda: 42, lambda: object(), lambda: ValueError("x")])
def test_as_struct_legacy_of_another_type(mod, raise_mode, make):
    from hpy.debug import HPyDebugError

    obj = make()
    with pytest.raises(HPyDebugError) as info:
        mod.as_legacy(obj)
    assert str(info.value).startswith(
        f"_HPy_AsStruct_Legacy: the object is an instance of '{type(obj).__name__}', which is "
        "not an HPy type: only instances of HPy types of builtin shape Legacy"), str(info.value)


def test_as_struct_legacy_aborts_by_default(mod):
    proc = run_debug_subprocess(mod, "mod.as_legacy(42)")
    assert_aborted(proc, "_HPy_AsStruct_Legacy: the object is an instance of 'int', which is "
                         "not an HPy type")


# ---- fields and globals written without Store ----

def test_field_and_global_stored_right(mod):
    from hpy.debug import LeakDetector

    with LeakDetector():
        assert mod.field(mod.Holder, 0, "value") == "value"
        assert getattr(mod, "global")(0, "value") == "value"


@pytest.mark.parametrize("how,fragments", [
    (1, ["HPyField_Load: the HPyField holds 0x", "which is an HPy handle: it was written without "
         "HPyField_Store", "an argument handed to an HPy function"]),
    (2, ["HPyField_Load: the HPyField holds 0x1231, which is no value HPyField_Store writes: it "
         "was written without HPyField_Store"]),
    (3, ["HPyField_Store: the HPyField holds 0x", "which is an HPy handle: it was written without "
         "HPyField_Store"]),
])
def test_field_written_without_store(mod, raise_mode, how, fragments):
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError) as info:
        mod.field(mod.Holder, how, "value")
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("how,fragment", [
    (1, "HPyGlobal_Load: the HPyGlobal holds 0x"),
    (3, "HPyGlobal_Store: the HPyGlobal holds 0x"),
])
def test_global_written_without_store(mod, raise_mode, how, fragment):
    from hpy.debug import HPyDebugError

    with pytest.raises(HPyDebugError) as info:
        getattr(mod, "global")(how, "value")
    assert fragment in str(info.value) and "written without HPyGlobal_Store" in str(info.value)


def test_field_written_without_store_aborts_by_default(mod):
    proc = run_debug_subprocess(mod, "mod.field(mod.Holder, 1, 'value')")
    assert_aborted(proc, "HPyField_Load: the HPyField holds 0x", "which is an HPy handle")


# ---- calls while Python execution is left ----

def test_leaving_python_execution(mod):
    assert mod.left(0, "fine") == "'fine'"
    assert mod.left(0, 42) == "42"


@pytest.mark.parametrize("how,fn", [(1, "HPy_Dup"), (2, "HPyLong_FromInt64_t")])  # (HPyLong_FromLong calls it)
def test_call_while_python_execution_is_left(mod, how, fn):
    # fatal even in raise mode: without the GIL nothing can be raised
    proc = run_debug_subprocess(mod, f"mod.left({how}, 'x')", env={"HPY_DEBUG_RAISE": "1"})
    assert_aborted(proc, f"{fn}: called while Python execution is left (between "
                         "HPy_LeavePythonExecution and HPy_ReenterPythonExecution")


def test_return_while_python_execution_is_left(mod):
    proc = run_debug_subprocess(mod, "mod.left(3, 'x')", env={"HPY_DEBUG_RAISE": "1"})
    assert_aborted(proc, "the HPyFunc_VARARGS function", "returned while Python execution is "
                         "left: HPy_LeavePythonExecution without HPy_ReenterPythonExecution")
