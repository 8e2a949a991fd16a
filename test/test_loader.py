"""hpy.universal's loader: the loading protocol's checks, with well-formed
and malformed binaries, and _load_bootstrap's handling of HPY / HPY_LOG."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import hpy.universal
from support import REPO, WASM, Builder, expand_markers, wasm_compile

GOOD = """
    HPyDef_METH(f, "f", HPyFunc_NOARGS)
    static HPy f_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, 7);
    }
    @EXPORT(f)
    @INIT
"""


def cc_shared(tmp_path: Path, filename: str, source: str) -> Path:
    src = tmp_path / "raw.c"
    src.write_text(source)
    out = tmp_path / filename
    if WASM:
        return wasm_compile(src, out, raw=True)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(out), str(src)], check=True)
    return out


def raw_module(name: str, major: int = 0, minor: int = 0, *, init_ctx: bool = True,
               init: str = "return &def;") -> str:
    """A binary that speaks the protocol by hand, without the HPy headers."""
    return f"""
        #include <stdint.h>
        #include <stddef.h>
        typedef struct {{ const char *doc; intptr_t size; void *a, *b, *c; }} moddef;
        static moddef def = {{ "raw", 0, NULL, NULL, NULL }};
        uint32_t get_required_hpy_major_version_{name}(void) {{ return {major}; }}
        uint32_t get_required_hpy_minor_version_{name}(void) {{ return {minor}; }}
        {"void HPyInitGlobalContext_" + name + "(void *ctx) { (void)ctx; }" if init_ctx else ""}
        moddef *HPyInit_{name}(void) {{ {init} }}
    """


def load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, str(path))
    return hpy.universal.load(name, str(path), spec)


def test_constants_and_version():
    assert (hpy.universal.MODE_UNIVERSAL, hpy.universal.MODE_DEBUG, hpy.universal.MODE_TRACE) == (0, 1, 2)
    version, revision = hpy.universal.get_version()
    assert isinstance(version, str) and isinstance(revision, str)
    import hpy as hpy_pkg

    assert version == hpy_pkg.__version__


def test_raw_module_loads(tmp_path):
    mod = load("raw", cc_shared(tmp_path, "raw.hpy0.so", raw_module("raw")))
    assert mod.__doc__ == "raw"


def test_dotted_and_dashed_names(tmp_path):
    path = cc_shared(tmp_path, "my-mod.hpy0.so", raw_module("my_mod"))
    mod = load("pkg.sub.my-mod", path)
    assert mod.__name__ == "pkg.sub.my-mod"


def test_missing_library(tmp_path):
    path = tmp_path / "nothere.hpy0.so"
    with pytest.raises(RuntimeError) as e:
        load("nothere", path)
    assert str(e.value).startswith(
        f"Error during loading of the HPy extension module at path '{path}'. "
        "Error message from dlopen/WinAPI: ")


def test_missing_version_symbols(tmp_path):
    path = cc_shared(tmp_path, "novers.hpy0.so", "int unrelated(void) { return 0; }\n")
    with pytest.raises(RuntimeError) as e:
        load("novers", path)
    assert str(e.value).startswith(
        f"Error during loading of the HPy extension module at path '{path}'. Cannot locate "
        "the required minimal HPy versions as symbols 'get_required_hpy_minor_version_novers' "
        "and `get_required_hpy_major_version_novers`. Error message from dlopen/WinAPI: ")


def test_missing_major_version_symbol(tmp_path):
    source = "#include <stdint.h>\nuint32_t get_required_hpy_minor_version_onlyminor(void) { return 0; }\n"
    path = cc_shared(tmp_path, "onlyminor.hpy0.so", source)
    with pytest.raises(RuntimeError, match="Cannot locate the required minimal HPy versions as "
                                           "symbols 'get_required_hpy_minor_version_onlyminor' "
                                           "and `get_required_hpy_major_version_onlyminor`"):
        load("onlyminor", path)


@pytest.mark.parametrize("major,minor", [(1, 0), (0, 1), (7, 3)])
def test_unsupported_version(tmp_path, major, minor):
    path = cc_shared(tmp_path, "vers.hpy0.so", raw_module("vers", major, minor))
    with pytest.raises(RuntimeError) as e:
        load("pkg.vers", path)
    assert str(e.value) == (
        "HPy extension module 'vers' requires unsupported version of the HPy runtime. "
        f"Requested version: {major}.{minor}. Current HPy version: 0.0.")


def test_filename_without_tag(tmp_path):
    path = cc_shared(tmp_path, "notag.so", raw_module("notag"))
    with pytest.raises(RuntimeError) as e:
        load("notag", path)
    assert str(e.value).startswith(
        f"HPy extension module 'notag' at path '{path}': could not find HPy ABI tag encoded in "
        "the filename. The extension claims to be compiled with HPy ABI version: 0.0.")


def test_filename_with_wrong_major(tmp_path):
    path = cc_shared(tmp_path, "wrongtag.hpy1.so", raw_module("wrongtag"))
    with pytest.raises(RuntimeError) as e:
        load("wrongtag", path)
    assert str(e.value) == (
        f"HPy extension module 'wrongtag' at path '{path}': mismatch between the HPy ABI tag "
        "encoded in the filename and the major version requested by the HPy extension itself. "
        "Major version tag parsed from filename: 1. Requested version: 0.0.")


def test_missing_context_initialiser(tmp_path):
    path = cc_shared(tmp_path, "noinit.hpy0.so", raw_module("noinit", init_ctx=False))
    with pytest.raises(RuntimeError) as e:
        load("noinit", path)
    assert str(e.value).startswith(
        f"Error during loading of the HPy extension module at path '{path}' while trying to "
        "find symbol 'HPyInitGlobalContext_noinit'. Did you usethe HPy_MODINIT macro to "
        "register your module? Error message from dlsym/WinAPI: ")


def test_init_returning_null(tmp_path):
    path = cc_shared(tmp_path, "nulldef.hpy0.so", raw_module("nulldef", init="return NULL;"))
    with pytest.raises(RuntimeError) as e:
        load("nulldef", path)
    assert str(e.value) == (
        f"Error during loading of the HPy extension module at path '{path}'. "
        "Function 'HPyInit_nulldef' returned NULL.")


def test_name_mismatch_finds_no_symbols(tmp_path):
    path = cc_shared(tmp_path, "other.hpy0.so", raw_module("other"))
    with pytest.raises(RuntimeError, match="'get_required_hpy_minor_version_renamed' and "
                                           "`get_required_hpy_major_version_renamed`"):
        load("renamed", path)


def test_load_bad_arguments(tmp_path):
    with pytest.raises(TypeError):
        hpy.universal.load(42, "x", None)
    with pytest.raises(TypeError):
        hpy.universal.load("x")
    with pytest.raises(ValueError, match="invalid HPy mode"):
        hpy.universal.load("x", str(tmp_path / "x.hpy0.so"), None, mode=9)


@pytest.fixture
def good_binary(tmp_path_factory, _runtime_cache) -> Path:
    builder = Builder("universal", tmp_path_factory.mktemp("good"), _runtime_cache)
    return builder.compile("good", expand_markers(GOOD, "good"))


def bootstrap(path: Path, env: dict, name: str = "good", fullname: str = "pkg.good"):
    spec = importlib.util.spec_from_file_location(fullname, str(path))
    loader = object()
    return hpy.universal._load_bootstrap(name, fullname, "pkg", str(path), loader, spec, env), spec, loader


def test_load_bootstrap_sets_import_attributes(good_binary):
    mod, spec, loader = bootstrap(good_binary, {})
    assert mod.f() == 7
    assert mod.__name__ == "pkg.good"
    assert mod.__package__ == "pkg"
    assert mod.__file__ == str(good_binary)
    assert mod.__loader__ is loader
    assert mod.__spec__ is spec
    assert spec.origin == str(good_binary)


@pytest.mark.parametrize("value", ["", "universal", "UNIVERSAL", "good:universal", "other:debug,good:universal"])
def test_hpy_env_universal(good_binary, value):
    mod, _, _ = bootstrap(good_binary, {"HPY": value})
    assert mod.f() == 7


@pytest.mark.parametrize("value", ["bogus", "deb", "good:bogus", "other:debug", "goo:debug"])
def test_hpy_env_invalid(good_binary, value):
    with pytest.raises(ValueError) as e:
        bootstrap(good_binary, {"HPY": value})
    assert str(e.value).startswith(f"invalid HPy mode: {value}")


def test_hpy_env_invalid_value_is_cut(good_binary):
    value = "x" * 60
    with pytest.raises(ValueError) as e:
        bootstrap(good_binary, {"HPY": value})
    assert str(e.value).startswith("invalid HPy mode: " + "x" * 50 + " (")
    # 50 bytes end inside the sequence of the 25th 2-byte character: it is left out
    value = "x" + "\u00e9" * 40
    with pytest.raises(ValueError) as e:
        bootstrap(good_binary, {"HPY": value})
    assert str(e.value).startswith("invalid HPy mode: " + value[:25] + " (")


def test_hpy_log(good_binary, capfd):
    bootstrap(good_binary, {"HPY_LOG": "1"})
    assert "Loading 'good' in HPy universal mode" in capfd.readouterr().out
    bootstrap(good_binary, {})
    assert capfd.readouterr().out == ""


def test_load_bootstrap_bad_arguments(good_binary):
    with pytest.raises(TypeError):
        hpy.universal._load_bootstrap("good", "good", None, str(good_binary), None, None)


def test_same_binary_loaded_twice(good_binary):
    a = load("good", good_binary)
    b = load("good", good_binary)
    assert a is not b
    assert a.f() == b.f() == 7


def test_subprocess_import_via_stub(good_binary, tmp_path):
    """A plain interpreter loads a universal module through its .py stub."""
    from hpy.devel.stub import make_stub

    pkg = tmp_path / "site"
    pkg.mkdir()
    (pkg / good_binary.name).write_bytes(good_binary.read_bytes())
    (pkg / "good.py").write_text(make_stub("good", good_binary.name))
    code = "import good; print(good.f(), good.__name__)"
    env = dict(os.environ, PYTHONPATH=str(REPO))  # hpy itself, when not installed
    out = subprocess.run([sys.executable, "-c", code], cwd=pkg, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    assert out.returncode == 0, out.stdout
    assert out.stdout.split() == ["7", "good"]


# ---- the ABI tag is read from the file name only, and exactly ----

def _load_raw_as(tmp_path: Path, relpath: str, name: str = "tagged") -> types.ModuleType:
    path = tmp_path / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    built = cc_shared(tmp_path, "built.so", raw_module(name))
    built.rename(path)
    # spec_from_file_location gives no spec for an unknown suffix
    spec = importlib.machinery.ModuleSpec(name, None, origin=str(path))
    return hpy.universal.load(name, str(path), spec)


@pytest.mark.parametrize("relpath", [
    "x.hpy_y/tagged.hpy0.so",      # a directory with ".hpy" but no digit
    "v.hpy1/tagged.hpy0.so",       # a directory with another major version
    "a.hpy0x/b.hpy/tagged.hpy0.so",
    "tagged.hpy0-cp311.so",        # hybrid
    "tagged.hpy0-cp311-x86_64.so",
])
def test_filename_tag_accepted(tmp_path, relpath):
    assert _load_raw_as(tmp_path, relpath).__doc__ == "raw"


@pytest.mark.parametrize("filename", [
    "tagged.hpy00.so", "tagged.hpy0x.so", "tagged.hpy.so", "tagged.hpyx0.so",
    "tagged.hpy0", "tagged.hpy0.", "tagged.hpy0-.so", "tagged.hpy0-cp311",
    "tagged.hpy0.so.1", "tagged.x.hpy0.so", ".hpy0.so", "tagged_hpy0.so",
    "tagged.hpy 0.so", "tagged.hpy-1.so",
])
def test_filename_tag_malformed(tmp_path, filename):
    with pytest.raises(RuntimeError) as e:
        _load_raw_as(tmp_path, "d.hpy0/" + filename)
    assert str(e.value).startswith(
        f"HPy extension module 'tagged' at path '{tmp_path / 'd.hpy0' / filename}': could not "
        "find HPy ABI tag encoded in the filename. The extension claims to be compiled with HPy "
        "ABI version: 0.0.")


@pytest.mark.parametrize("filename,parsed", [
    ("tagged.hpy1-cp311.so", "1"),
    ("tagged.hpy10.so", "10"),
    ("tagged.hpy123456789012345678901234567890.so", "123456789012345678901234567890"),
])
def test_filename_tag_mismatch(tmp_path, filename, parsed):
    with pytest.raises(RuntimeError) as e:
        _load_raw_as(tmp_path, filename)
    assert str(e.value) == (
        f"HPy extension module 'tagged' at path '{tmp_path / filename}': mismatch between the "
        "HPy ABI tag encoded in the filename and the major version requested by the HPy "
        f"extension itself. Major version tag parsed from filename: {parsed}. Requested "
        "version: 0.0.")


# ---- load()'s arguments ----

@pytest.mark.parametrize("spec", [None, 42, types.SimpleNamespace(name=3), types.SimpleNamespace()])
def test_load_spec_must_be_a_spec(tmp_path, spec):
    path = cc_shared(tmp_path, "raw.hpy0.so", raw_module("raw"))
    with pytest.raises(TypeError) as e:
        hpy.universal.load("raw", str(path), spec)
    assert str(e.value) == (
        "load() argument 'spec' must be a module spec (an object with a str attribute 'name'), "
        f"not {'types.SimpleNamespace' if isinstance(spec, types.SimpleNamespace) else type(spec).__name__}")
    with pytest.raises(TypeError) as e:
        hpy.universal._load_bootstrap("raw", "raw", "", str(path), None, spec, {})
    assert str(e.value).startswith("_load_bootstrap() argument 'spec' must be a module spec")


def test_load_spec_name_error_passes_through(tmp_path):
    class Spec:
        @property
        def name(self):
            raise KeyError("boom")

    path = cc_shared(tmp_path, "raw.hpy0.so", raw_module("raw"))
    with pytest.raises(KeyError, match="boom"):
        hpy.universal.load("raw", str(path), Spec())


@pytest.mark.parametrize("mode", [-5, -2, 3, 2**31 - 1])
def test_load_mode_out_of_range(tmp_path, mode):
    path = cc_shared(tmp_path, "raw.hpy0.so", raw_module("raw"))
    spec = importlib.util.spec_from_file_location("raw", str(path))
    with pytest.raises(ValueError) as e:
        hpy.universal.load("raw", str(path), spec, mode=mode)
    assert str(e.value) == (
        f"invalid HPy mode: {mode} (load() argument 'mode' must be MODE_UNIVERSAL (0), "
        "MODE_DEBUG (1), MODE_TRACE (2), or -1 to follow 'debug')")


def test_load_debug_conflicts_with_universal_mode(tmp_path):
    path = cc_shared(tmp_path, "raw.hpy0.so", raw_module("raw"))
    spec = importlib.util.spec_from_file_location("raw", str(path))
    with pytest.raises(ValueError) as e:
        hpy.universal.load("raw", str(path), spec, debug=True, mode=hpy.universal.MODE_UNIVERSAL)
    assert str(e.value) == (
        "load() arguments 'debug' and 'mode' conflict: debug=True asks for the debug mode, "
        "mode=MODE_UNIVERSAL for the universal mode")
    # -1 is the default and defers to `debug`
    assert hpy.universal.load("raw", str(path), spec, debug=False, mode=-1).__doc__ == "raw"


# ---- HPy_mod_create results through _load_bootstrap ----

CREATE = """
    #include "hpy.h"
    HPyDef_SLOT(create, HPy_mod_create)
    static HPy create_impl(HPyContext *ctx, HPy spec)
    {
        return %s;
    }
    static HPyDef *defines[] = { &create, NULL };
    static HPyModuleDef moduledef = { .defines = defines };
    HPy_MODINIT(created, moduledef)
"""


@pytest.mark.parametrize("mode", ["universal", "debug"])
def test_load_bootstrap_mod_create_object_without_attributes(tmp_path, _runtime_cache, mode):
    """As importlib does for what an extension's create slot returns, the
    import attributes are set where the object takes them."""
    builder = Builder("universal", tmp_path, _runtime_cache)
    path = builder.compile("created", CREATE % "HPyLong_FromLong(ctx, 42)")
    spec = importlib.util.spec_from_file_location("pkg.created", str(path))
    obj = hpy.universal._load_bootstrap("created", "pkg.created", "pkg", str(path), None, spec,
                                        {"HPY": mode})
    assert obj == 42
    assert spec.origin == str(path)


def test_load_bootstrap_mod_create_object_with_attributes(tmp_path, _runtime_cache):
    builder = Builder("universal", tmp_path, _runtime_cache)
    source = CREATE % 'HPy_Call(ctx, HPy_GetAttr_s(ctx, HPyImport_ImportModule(ctx, "types"), ' \
                      '"SimpleNamespace"), NULL, 0, HPy_NULL)'
    path = builder.compile("created", source)
    spec = importlib.util.spec_from_file_location("pkg.created", str(path))
    loader = object()
    obj = hpy.universal._load_bootstrap("created", "pkg.created", "pkg", str(path), loader, spec, {})
    assert type(obj) is types.SimpleNamespace
    assert (obj.__file__, obj.__loader__, obj.__name__, obj.__package__, obj.__spec__) == (
        str(path), loader, "pkg.created", "pkg", spec)


# ---- one binary, one context per module ----

MODES = """
    HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
    static HPy ctx_name_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, ctx->name);
    }
    HPyDef_METH(leak, "leak", HPyFunc_O)
    static HPy leak_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Dup(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }
    @EXPORT(ctx_name)
    @EXPORT(leak)
    @INIT
"""

CTX_NAMES = {"universal": "HPy Universal ABI (CPython backend)", "debug": "HPy Debug Mode ABI",
             "trace": "HPy Trace Mode ABI"}


@pytest.fixture
def modes_binary(tmp_path, _runtime_cache) -> Path:
    return Builder("universal", tmp_path, _runtime_cache).compile("modes", expand_markers(MODES, "modes"))


def load_mode(path: Path, mode: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("modes", str(path))
    return hpy.universal.load("modes", str(path), spec, mode=getattr(hpy.universal, "MODE_" + mode.upper()))


@pytest.mark.parametrize("first,second", [("debug", "universal"), ("universal", "debug"),
                                          ("debug", "trace"), ("trace", "universal")])
def test_second_load_in_another_mode_is_refused(modes_binary, first, second):
    a = load_mode(modes_binary, first)
    with pytest.raises(RuntimeError) as e:
        load_mode(modes_binary, second)
    assert str(e.value) == (
        f"HPy extension module 'modes' at path '{modes_binary}' is already loaded in {first} "
        f"mode and cannot also be loaded in {second} mode: a binary is given one context, which "
        "all its modules use (load a copy of the file, at another path, to use both modes in "
        "one process)")
    # the first module keeps its context
    assert a.ctx_name() == CTX_NAMES[first]
    # loading again in the first mode is fine and shares the context
    assert load_mode(modes_binary, first).ctx_name() == CTX_NAMES[first]


def test_debug_module_keeps_its_checks(modes_binary):
    from hpy.debug import HPyLeakError, LeakDetector

    a = load_mode(modes_binary, "debug")
    with pytest.raises(RuntimeError):
        load_mode(modes_binary, "universal")
    with pytest.raises(HPyLeakError):
        with LeakDetector():
            a.leak(object())


def test_copy_of_binary_loads_in_another_mode(modes_binary, tmp_path):
    a = load_mode(modes_binary, "debug")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    copy = copy_dir / modes_binary.name
    copy.write_bytes(modes_binary.read_bytes())
    b = load_mode(copy, "universal")
    assert (a.ctx_name(), b.ctx_name()) == (CTX_NAMES["debug"], CTX_NAMES["universal"])


def test_bootstrap_in_another_mode_is_refused(good_binary):
    bootstrap(good_binary, {"HPY": "debug"})
    with pytest.raises(RuntimeError, match="is already loaded in debug mode and cannot also be "
                                           "loaded in universal mode"):
        bootstrap(good_binary, {})
    mod, _, _ = bootstrap(good_binary, {"HPY": "good:debug"})
    assert mod.f() == 7


def test_other_module_of_the_same_binary_in_another_mode_is_refused(tmp_path):
    """Two modules in one binary share its context (without HPY_EMBEDDED_MODULES
    they share the very global), so the binary keeps the first mode."""
    source = "".join(f"""
        #include <stdint.h>
        #include <stddef.h>
        typedef struct {{ const char *doc; intptr_t size; void *a, *b, *c; }} moddef_{n};
        static moddef_{n} def_{n} = {{ "{n}", 0, NULL, NULL, NULL }};
        uint32_t get_required_hpy_major_version_{n}(void) {{ return 0; }}
        uint32_t get_required_hpy_minor_version_{n}(void) {{ return 0; }}
        void HPyInitGlobalContext_{n}(void *ctx) {{ (void)ctx; }}
        moddef_{n} *HPyInit_{n}(void) {{ return &def_{n}; }}
    """ for n in ("one", "two"))
    path = cc_shared(tmp_path, "one.hpy0.so", source)
    spec = importlib.machinery.ModuleSpec("x", None, origin=str(path))
    assert hpy.universal.load("one", str(path), spec, mode=hpy.universal.MODE_DEBUG).__doc__ == "one"
    with pytest.raises(RuntimeError) as e:
        hpy.universal.load("two", str(path), spec)
    assert str(e.value).startswith(f"HPy extension module 'two' at path '{path}' is already loaded "
                                   "in debug mode and cannot also be loaded in universal mode: ")
    assert hpy.universal.load("two", str(path), spec, debug=True).__doc__ == "two"
