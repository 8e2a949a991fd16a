"""hpy.universal's loader: the loading protocol's checks, with well-formed
and malformed binaries, and _load_bootstrap's handling of HPY / HPY_LOG."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import hpy.universal
from support import REPO, Builder, expand_markers

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
