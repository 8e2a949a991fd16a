"""hpy.devel: HPyDevel, the setuptools integration and the loader stub.

Most build tests use a fake HPy tree (``fake_devel``): a stand-in ``hpy.h``,
forbidding ``Python.h`` and runtime sources whose only job is to prove which
files and macros reach the compiler. That exercises the build machinery
independently of the real headers. The tests at the end build real HPy
modules with the real headers and load them with the built host.
"""

import importlib.util
import os
import sys
import sysconfig
import types
import zipfile
from pathlib import Path

import pytest
import setuptools
from setuptools.command.build_ext import build_ext as setuptools_build_ext
from distutils.ccompiler import new_compiler
from distutils.core import Distribution
from distutils.errors import CompileError, DistutilsOptionError, DistutilsSetupError
from distutils.sysconfig import customize_compiler

import hpy.devel
from hpy.devel import HPyDevel, handle_hpy_ext_modules
from hpy.devel._commands import _HPyBuildExt
from hpy.devel.abitag import get_hpy_ext_suffix
from hpy.devel.stub import STUB_MARKER, make_stub

REPO = Path(__file__).resolve().parents[1]
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

# setuptools' build_ext --inplace and install_lib instantiate the deprecated install command
pytestmark = pytest.mark.filterwarnings("ignore:setup.py install is deprecated")


# ---------------------------------------------------------------------------
# a fake HPy tree and C sources that check what the build passes to them

FAKE_HPY_H = "#define FAKE_HPY_H 1\nint fake_helper(void);\nint fake_ctx(void);\n"
FAKE_PYTHON_H = '#error "Python.h is forbidden in the fake universal ABI"\n'
FAKE_HELPER_C = """\
#include "hpy.h"
#ifndef HPY
#error "HPY is not defined"
#endif
int fake_helper(void) { return 7; }
"""
FAKE_CTX_C = """\
#include "hpy.h"
#ifndef HPY_ABI_CPYTHON
#error "ctx_ sources are compiled for the cpython ABI only"
#endif
int fake_ctx(void) { return 8; }
"""


def c_api_module(name: str, prelude: str, values: str) -> str:
    """A C-API module ``name`` whose ``helpers()`` returns the C pair ``values``."""
    return f"""\
{prelude}
static PyObject *helpers(PyObject *self, PyObject *unused)
{{
    return Py_BuildValue("(ii)", {values});
}}
static PyMethodDef methods[] = {{{{"helpers", helpers, METH_NOARGS, NULL}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef moduledef = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&moduledef); }}
"""


def fake_cpython_module(name: str) -> str:
    """A cpython-ABI module that exposes the fake runtime helpers."""
    prelude = """\
#include <Python.h>
#include "hpy.h"
#if !defined(HPY) || !defined(HPY_ABI_CPYTHON) || !defined(FAKE_HPY_H)
#error "missing HPY, HPY_ABI_CPYTHON or the fake hpy.h"
#endif"""
    return c_api_module(name, prelude, "fake_helper(), fake_ctx()")


def plain_module(name: str) -> str:
    """A plain C-API module that must get nothing from hpy.devel."""
    prelude = """\
#include <Python.h>
#ifdef HPY
#error "HPY must not be defined for plain extensions"
#endif"""
    return c_api_module(name, prelude, "1, 2")


FAKE_UNIVERSAL_MODULE = """\
#include "hpy.h"
#if !defined(HPY) || !defined(HPY_ABI_UNIVERSAL) || !defined(FAKE_HPY_H)
#error "missing HPY, HPY_ABI_UNIVERSAL or the fake hpy.h"
#endif
int fake_universal(void) { return fake_helper(); }
"""

FAKE_HYBRID_MODULE = """\
#include <Python.h>
#include "hpy.h"
#if !defined(HPY) || !defined(HPY_ABI_HYBRID) || !defined(FAKE_HPY_H)
#error "missing HPY, HPY_ABI_HYBRID or the fake hpy.h"
#endif
int fake_hybrid(void) { return fake_helper(); }
"""

# a real HPy module: needs the real headers
TINY_HPY_MODULE = """\
#include "hpy.h"

HPyDef_METH(forty_two, "forty_two", HPyFunc_NOARGS)
static HPy forty_two_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, 42);
}

HPyDef_METH(abi, "abi", HPyFunc_NOARGS)
static HPy abi_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromString(ctx, HPY_ABI);
}

static HPyDef *module_defines[] = { &forty_two, &abi, NULL };
static HPyModuleDef moduledef = { .doc = "tiny", .size = 0, .defines = module_defines };
HPy_MODINIT(NAME, moduledef)
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def fake_devel(tmp_path) -> HPyDevel:
    base = tmp_path / "fake_devel"
    write(base / "include" / "hpy.h", FAKE_HPY_H)
    write(base / "include" / "hpy" / "forbid_python_h" / "Python.h", FAKE_PYTHON_H)
    write(base / "src" / "runtime" / "helpers.c", FAKE_HELPER_C)
    write(base / "src" / "runtime" / "ctx_fake.c", FAKE_CTX_C)
    return HPyDevel(base)


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """The current directory for a build (distutils uses relative build dirs)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def make_dist(hpy_abi, hpy_ext_modules, ext_modules=None, static=False, dist_class=Distribution):
    dist = dist_class()
    dist.hpy_abi = hpy_abi
    dist.hpy_use_static_libs = static
    dist.hpy_ext_modules = hpy_ext_modules
    dist.ext_modules = ext_modules
    dist.py_modules = []
    return dist


def build_ext(dist, hpydevel, inplace=False):
    hpydevel.fix_distribution(dist)
    cmd = dist.get_command_obj("build_ext")
    cmd.inplace = inplace
    dist.run_command("build_ext")
    return cmd


def import_file(name: str, path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def objects_in(directory: Path):
    return sorted(p.name for p in directory.rglob("*.o"))


# ---------------------------------------------------------------------------
# HPyDevel: paths, sources, include dirs, static libraries


def test_default_paths():
    devel = HPyDevel()
    base = Path(hpy.devel.__file__).resolve().parent
    assert devel.base_dir == str(base)
    assert devel.include_dir == str(base / "include")
    assert devel.forbid_python_h_dir == str(base / "include" / "hpy" / "forbid_python_h")
    assert devel.src_dir == str(base / "src")
    assert devel.lib_dir == str(base / "lib")
    assert HPyDevel(base_dir=base).base_dir == devel.base_dir


def test_extra_include_dirs():
    devel = HPyDevel()
    assert devel.get_extra_include_dirs("universal") == [devel.forbid_python_h_dir, devel.include_dir]
    assert devel.get_extra_include_dirs("hybrid") == [devel.include_dir]
    assert devel.get_extra_include_dirs("cpython") == [devel.include_dir]


def test_define_macros():
    devel = HPyDevel()
    assert devel.get_define_macros("cpython") == [("HPY", None), ("HPY_ABI_CPYTHON", None)]
    assert devel.get_define_macros("universal") == [("HPY", None), ("HPY_ABI_UNIVERSAL", None)]
    assert devel.get_define_macros("hybrid") == [("HPY", None), ("HPY_ABI_HYBRID", None)]


def test_extra_sources(tmp_path):
    runtime = tmp_path / "src" / "runtime"
    for name in ["helpers.c", "ctx_type.c", "argparse.c", "ctx_module.c", "notes.txt"]:
        write(runtime / name, "")
    devel = HPyDevel(tmp_path)
    common = [str(runtime / "argparse.c"), str(runtime / "helpers.c")]
    ctx = [str(runtime / "ctx_module.c"), str(runtime / "ctx_type.c")]
    assert devel.get_ctx_sources() == ctx
    assert devel.get_extra_sources("cpython") == sorted(common + ctx)
    assert devel.get_extra_sources("universal") == common
    assert devel.get_extra_sources("hybrid") == common


def test_extra_sources_without_runtime_dir(tmp_path):
    devel = HPyDevel(tmp_path)
    assert devel.get_extra_sources("cpython") == []
    assert devel.get_ctx_sources() == []


def test_real_runtime_sources_are_found():
    runtime = REPO / "hpy" / "devel" / "src" / "runtime"
    expected = sorted(str(p) for p in runtime.glob("*.c"))
    assert HPyDevel().get_extra_sources("cpython") == expected


def test_static_libs(tmp_path):
    devel = HPyDevel(tmp_path)
    assert devel.get_static_libs("universal") == []
    lib = write(tmp_path / "lib" / "universal" / "libhpyextra.a", "")
    write(tmp_path / "lib" / "universal" / ".gitkeep", "")
    assert devel.get_static_libs("universal") == [str(lib)]
    assert devel.get_static_libs("cpython") == []
    write(tmp_path / "lib" / "universal" / "libother.a", "")
    with pytest.raises(RuntimeError, match="get_static_libs: expected at most one library"):
        devel.get_static_libs("universal")


@pytest.mark.parametrize(
    "method", ["get_extra_sources", "get_extra_include_dirs", "get_static_libs", "get_define_macros"]
)
def test_unknown_abi(method):
    with pytest.raises(ValueError, match=f"HPyDevel.{method}: unknown hpy_abi 'limited'"):
        getattr(HPyDevel(), method)("limited")


def test_fix_extension_leaves_the_original_alone(fake_devel):
    ext = setuptools.Extension("m", sources=["m.c"], include_dirs=["inc"], define_macros=[("X", "1")])
    ext.include_dirs = None  # callers may pass None
    fixed = fake_devel.fix_extension(ext, "universal")
    assert fixed.include_dirs == fake_devel.get_extra_include_dirs("universal")
    assert fixed.define_macros == [("X", "1"), ("HPY", None), ("HPY_ABI_UNIVERSAL", None)]
    assert fixed.sources == ["m.c"] + fake_devel.get_extra_sources("universal")
    assert ext.sources == ["m.c"] and ext.include_dirs is None and ext.define_macros == [("X", "1")]
    static = fake_devel.fix_extension(ext, "universal", ["libh.a"])
    assert static.sources == ["m.c"] and static.extra_objects == ["libh.a"]


# ---------------------------------------------------------------------------
# fix_distribution and the setup() keyword


def test_fix_distribution_commands_and_options():
    dist = make_dist("universal", [setuptools.Extension("m", ["m.c"])])
    HPyDevel().fix_distribution(dist)
    for name in ("build", "build_ext", "install_lib"):
        cls = dist.get_command_class(name)
        assert cls.__name__ == name
        assert "hpy.devel" in cls.__module__
    assert issubclass(dist.get_command_class("build_ext"), _HPyBuildExt)
    options = [opt[0] for opt in dist.global_options]
    assert "hpy-abi=" in options and "hpy-use-static-libs" in options


def test_fix_distribution_keeps_custom_commands():
    from distutils.command.build_ext import build_ext as base

    class my_build_ext(base):
        pass

    dist = make_dist("cpython", [])
    dist.cmdclass["build_ext"] = my_build_ext
    HPyDevel().fix_distribution(dist)
    assert issubclass(dist.get_command_class("build_ext"), my_build_ext)


def test_fix_distribution_defaults():
    dist = Distribution()
    dist.hpy_ext_modules = [setuptools.Extension("m", ["m.c"])]
    HPyDevel().fix_distribution(dist)
    assert dist.hpy_abi == "cpython"
    assert not dist.hpy_use_static_libs


def test_fix_distribution_rejects_unknown_abi():
    with pytest.raises(DistutilsOptionError, match="--hpy-abi: invalid value 'limited'"):
        HPyDevel().fix_distribution(make_dist("limited", []))


def test_only_hpy_ext_modules_is_platform_specific():
    dist = make_dist("universal", [setuptools.Extension("m", ["m.c"])])
    assert not dist.has_ext_modules()
    HPyDevel().fix_distribution(dist)
    assert dist.has_ext_modules()
    assert not dist.is_pure()


def test_empty_hpy_ext_modules_does_not_disturb_ext_modules():
    plain = setuptools.Extension("plain", ["plain.c"])
    dist = make_dist("universal", [], ext_modules=[plain])
    HPyDevel().fix_distribution(dist)
    assert dist.ext_modules == [plain]
    dist = make_dist("universal", [])
    HPyDevel().fix_distribution(dist)
    assert not dist.ext_modules and not dist.has_ext_modules()


def test_fix_distribution_twice():
    ext = setuptools.Extension("m", ["m.c"])
    dist = make_dist("universal", [ext])
    HPyDevel().fix_distribution(dist)
    HPyDevel().fix_distribution(dist)
    assert dist.ext_modules == [ext]
    assert [opt[0] for opt in dist.global_options].count("hpy-abi=") == 1


def test_handle_hpy_ext_modules_parses_global_options():
    ext = setuptools.Extension("m", ["m.c"])
    dist = setuptools.Distribution()
    dist.script_args = ["--hpy-abi=hybrid", "--hpy-use-static-libs", "build"]
    handle_hpy_ext_modules(dist, "hpy_ext_modules", [ext])
    dist.parse_command_line()
    assert dist.hpy_abi == "hybrid"
    assert dist.hpy_use_static_libs
    assert dist.ext_modules == [ext]
    assert dist.commands == ["build"]


@pytest.mark.parametrize(
    "args",
    [
        ["build_ext", "--build-lib", "out", "--hpy-abi=universal", "--hpy-use-static-libs"],
        ["build_ext", "--hpy-abi", "universal", "--build-lib", "out", "--hpy-use-static-libs"],
    ],
)
def test_handle_hpy_ext_modules_accepts_options_after_the_command(args):
    # setuptools < 69 puts --config-settings=--global-option=... after the command
    dist = setuptools.Distribution()
    dist.script_args = args
    handle_hpy_ext_modules(dist, "hpy_ext_modules", [setuptools.Extension("m", ["m.c"])])
    dist.parse_command_line()
    assert dist.hpy_abi == "universal"
    assert dist.hpy_use_static_libs
    assert dist.commands == ["build_ext"]
    assert dist.get_option_dict("build_ext")["build_lib"] == ("command line", "out")


@pytest.mark.parametrize("value", ["m.c", [("m", {"sources": ["m.c"]})], None])
def test_handle_hpy_ext_modules_rejects_bad_values(value):
    with pytest.raises(DistutilsSetupError, match="handle_hpy_ext_modules: 'hpy_ext_modules'"):
        handle_hpy_ext_modules(setuptools.Distribution(), "hpy_ext_modules", value)


def test_entry_point_declared_in_pyproject():
    text = (REPO / "pyproject.toml").read_text()
    assert '[project.entry-points."distutils.setup_keywords"]' in text
    assert 'hpy_ext_modules = "hpy.devel:handle_hpy_ext_modules"' in text


# ---------------------------------------------------------------------------
# build directories and file names


@pytest.mark.parametrize("hpy_abi", ["universal", "hybrid"])
def test_build_dirs_have_abi_suffix(hpy_abi, workdir):
    dist = make_dist(hpy_abi, [setuptools.Extension("m", ["m.c"])])
    HPyDevel().fix_distribution(dist)
    build = dist.get_command_obj("build")
    build.ensure_finalized()
    for name in ("build_lib", "build_platlib", "build_temp"):
        assert getattr(build, name).endswith(f"-hpy-{hpy_abi}"), name
    build_ext = dist.get_command_obj("build_ext")
    build_ext.ensure_finalized()
    assert build_ext.build_lib == build.build_lib
    assert build_ext.build_temp == build.build_temp


def test_build_dirs_cpython_abi_unchanged(workdir):
    dist = make_dist("cpython", [setuptools.Extension("m", ["m.c"])])
    HPyDevel().fix_distribution(dist)
    build = dist.get_command_obj("build")
    build.ensure_finalized()
    assert "-hpy-" not in build.build_lib + build.build_platlib + build.build_temp


def test_build_dirs_explicit_paths_are_kept(workdir):
    dist = make_dist("universal", [setuptools.Extension("m", ["m.c"])])
    HPyDevel().fix_distribution(dist)
    build = dist.get_command_obj("build")
    build.build_lib = "mylib"
    build.ensure_finalized()
    assert build.build_lib == "mylib"
    assert build.build_temp.endswith("-hpy-universal")


@pytest.mark.parametrize("hpy_abi", ["cpython", "universal", "hybrid"])
def test_ext_filenames(hpy_abi, workdir):
    hpy_ext = setuptools.Extension("pkg.fast", ["fast.c"])
    plain = setuptools.Extension("pkg.plain", ["plain.c"])
    dist = make_dist(hpy_abi, [hpy_ext], ext_modules=[plain])
    HPyDevel().fix_distribution(dist)
    cmd = dist.get_command_obj("build_ext")
    cmd.ensure_finalized()
    assert cmd.get_ext_filename("pkg.fast") == os.path.join("pkg", "fast") + get_hpy_ext_suffix(hpy_abi)
    assert cmd.get_ext_filename("pkg.plain") == os.path.join("pkg", "plain") + EXT_SUFFIX
    hpy_path = os.path.join(cmd.build_lib, "pkg", "fast") + get_hpy_ext_suffix(hpy_abi)
    assert cmd.get_ext_fullpath("pkg.fast") == hpy_path
    assert cmd.get_ext_fullpath("pkg.plain") == os.path.join(cmd.build_lib, "pkg", "plain") + EXT_SUFFIX


# ---------------------------------------------------------------------------
# the loader stub


def test_stub_text():
    text = make_stub("foo", "foo.hpy0.so")
    assert STUB_MARKER in text
    assert STUB_MARKER == "This file is automatically generated by hpy"
    assert "pkg_resources" not in text
    assert "_load_bootstrap" in text
    compile(text, "foo.py", "exec")


@pytest.mark.parametrize("args", [("a.b", "b.hpy0.so"), ("", ".hpy0.so"), ("foo", "bar.hpy0.so")])
def test_stub_rejects_bad_names(args):
    with pytest.raises(ValueError, match="make_stub"):
        make_stub(*args)


@pytest.mark.parametrize("package", ["", "pkg"])
def test_stub_calls_load_bootstrap(package, tmp_path, monkeypatch):
    calls = []
    loaded = types.ModuleType("loaded")

    def _load_bootstrap(*args):
        calls.append(args)
        return loaded

    fake_universal = types.ModuleType("hpy.universal")
    fake_universal._load_bootstrap = _load_bootstrap
    monkeypatch.setitem(sys.modules, "hpy.universal", fake_universal)
    monkeypatch.syspath_prepend(str(tmp_path))
    directory = tmp_path / package if package else tmp_path
    if package:
        write(directory / "__init__.py", "")
    write(directory / "stubbed.py", make_stub("stubbed", "stubbed.hpy0.so"))
    fullname = f"{package}.stubbed" if package else "stubbed"
    monkeypatch.delitem(sys.modules, fullname, raising=False)
    try:
        module = importlib.import_module(fullname)
    finally:
        sys.modules.pop(fullname, None)
        sys.modules.pop(package, None)
    assert module is loaded
    [(name, ext_name, pkg, path, loader, spec, env)] = calls
    assert (name, ext_name, pkg) == ("stubbed", fullname, package)
    assert path == str(directory / "stubbed.hpy0.so")
    assert spec.name == fullname and loader is spec.loader
    assert env is os.environ


# ---------------------------------------------------------------------------
# building with the fake HPy tree


def test_build_cpython_abi(fake_devel, workdir):
    write(workdir / "fakecp.c", fake_cpython_module("fakecp"))
    dist = make_dist("cpython", [setuptools.Extension("fakecp", ["fakecp.c"])])
    cmd = build_ext(dist, fake_devel)
    [binary] = cmd.get_outputs()
    assert binary.endswith("fakecp" + EXT_SUFFIX)
    assert objects_in(workdir / "build") == ["ctx_fake.o", "fakecp.o", "helpers.o"]
    assert import_file("fakecp", binary).helpers() == (7, 8)


@pytest.mark.parametrize("hpy_abi, source", [("universal", FAKE_UNIVERSAL_MODULE), ("hybrid", FAKE_HYBRID_MODULE)])
def test_build_universal_and_hybrid(hpy_abi, source, fake_devel, workdir):
    write(workdir / "pkg" / "fakeu.c", source)
    dist = make_dist(hpy_abi, [setuptools.Extension("pkg.fakeu", ["pkg/fakeu.c"])])
    cmd = build_ext(dist, fake_devel)
    binary, stub = cmd.get_outputs()
    assert binary == os.path.join(cmd.build_lib, "pkg", "fakeu" + get_hpy_ext_suffix(hpy_abi))
    assert f"-hpy-{hpy_abi}" in cmd.build_lib
    assert stub == os.path.join(cmd.build_lib, "pkg", "fakeu.py")
    assert os.path.exists(binary)
    assert Path(stub).read_text() == make_stub("fakeu", os.path.basename(binary))
    assert objects_in(workdir / "build") == ["fakeu.o", "helpers.o"]


def test_build_inplace_top_level_module(fake_devel, workdir):
    write(workdir / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    dist = make_dist("universal", [setuptools.Extension("fakeu", ["fakeu.c"])])
    cmd = build_ext(dist, fake_devel, inplace=True)
    assert sorted(os.path.basename(p) for p in cmd.get_outputs()) == ["fakeu.hpy0.so", "fakeu.py"]
    assert (workdir / "fakeu.py").read_text() == make_stub("fakeu", "fakeu.hpy0.so")
    assert (workdir / "fakeu.hpy0.so").exists()


def test_build_inplace_setuptools(fake_devel, workdir):
    write(workdir / "pkg" / "__init__.py", "")
    write(workdir / "pkg" / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    dist = setuptools.Distribution({"packages": ["pkg"], "script_args": ["build_ext", "--inplace"]})
    handle_hpy_ext_modules(dist, "hpy_ext_modules", [setuptools.Extension("pkg.fakeu", ["pkg/fakeu.c"])])
    dist.hpy_abi = "universal"
    fake_devel.fix_distribution(dist)
    dist.parse_command_line()
    dist.run_commands()
    assert (workdir / "pkg" / "fakeu.hpy0.so").exists()
    assert (workdir / "pkg" / "fakeu.py").read_text() == make_stub("fakeu", "fakeu.hpy0.so")
    cmd = dist.get_command_obj("build_ext")
    # setuptools >= 64 reports the build_lib files, older versions the in-place ones
    outputs = sorted(Path(p).parent.name + "/" + Path(p).name for p in cmd.get_outputs())
    assert outputs == ["pkg/fakeu.hpy0.so", "pkg/fakeu.py"]
    if hasattr(setuptools_build_ext, "get_output_mapping"):  # setuptools >= 64 (editable installs)
        mapping = {os.path.relpath(k, cmd.build_lib): v for k, v in cmd.get_output_mapping().items()}
        assert mapping[os.path.join("pkg", "fakeu.py")] == os.path.join("pkg", "fakeu.py")


def test_universal_forbids_python_h(fake_devel, workdir, capfd):
    write(workdir / "bad.c", "#include <Python.h>\n")
    dist = make_dist("universal", [setuptools.Extension("bad", ["bad.c"])])
    with pytest.raises(CompileError):
        build_ext(dist, fake_devel)
    assert "Python.h is forbidden" in capfd.readouterr().err


def test_compile_error_is_visible(workdir, capfd):
    write(workdir / "broken.c", "int broken(void) { return this_is_not_declared; }\n")
    dist = make_dist("cpython", [setuptools.Extension("broken", ["broken.c"])])
    with pytest.raises(CompileError):
        build_ext(dist, HPyDevel())
    assert "this_is_not_declared" in capfd.readouterr().err


def test_plain_extension_next_to_hpy_ones(fake_devel, workdir):
    name = "plainext"
    write(workdir / "plainext.c", plain_module(name))
    write(workdir / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    plain = setuptools.Extension(name, ["plainext.c"])
    dist = make_dist("universal", [setuptools.Extension("fakeu", ["fakeu.c"])], ext_modules=[plain])
    cmd = build_ext(dist, fake_devel)
    names = sorted(os.path.basename(p) for p in cmd.get_outputs())
    assert names == ["fakeu.hpy0.so", "fakeu.py", name + EXT_SUFFIX]
    assert import_file(name, os.path.join(cmd.build_lib, name + EXT_SUFFIX)).helpers() == (1, 2)


def test_static_libs_requested_but_missing(fake_devel, workdir, capfd, caplog):
    write(workdir / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    dist = make_dist("universal", [setuptools.Extension("fakeu", ["fakeu.c"])], static=True)
    build_ext(dist, fake_devel)
    # newer setuptools log warnings through `logging`, older ones print them
    assert "no prebuilt helper library" in capfd.readouterr().err + caplog.text
    assert objects_in(workdir / "build") == ["fakeu.o", "helpers.o"]


def test_static_libs_are_linked(fake_devel, workdir):
    compiler = new_compiler()
    customize_compiler(compiler)
    runtime = Path(fake_devel.src_dir) / "runtime"
    objects = compiler.compile(
        [str(runtime / "helpers.c"), str(runtime / "ctx_fake.c")],
        output_dir=str(workdir / "libobj"),
        include_dirs=[fake_devel.include_dir],
        macros=fake_devel.get_define_macros("cpython"),
    )
    lib_dir = Path(fake_devel.lib_dir) / "cpython"
    compiler.create_static_lib(objects, "hpyfake", output_dir=str(lib_dir))
    [lib] = fake_devel.get_static_libs("cpython")
    write(workdir / "fakest.c", fake_cpython_module("fakest"))
    dist = make_dist("cpython", [setuptools.Extension("fakest", ["fakest.c"])], static=True)
    cmd = build_ext(dist, fake_devel)
    assert objects_in(workdir / "build") == ["fakest.o"]
    [binary] = cmd.get_outputs()
    assert import_file("fakest", binary).helpers() == (7, 8)


def test_install_lib_reports_stub_bytecode(fake_devel, workdir, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    write(workdir / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    dist = make_dist("universal", [setuptools.Extension("fakeu", ["fakeu.c"])])
    fake_devel.fix_distribution(dist)
    dist.run_command("build")
    install_lib = dist.get_command_obj("install_lib")
    install_lib.install_dir = str(workdir / "site")
    install_lib.skip_build = True
    install_lib.compile = True
    dist.run_command("install_lib")
    outputs = install_lib.get_outputs()
    stub = str(workdir / "site" / "fakeu.py")
    assert stub in outputs and str(workdir / "site" / "fakeu.hpy0.so") in outputs
    assert importlib.util.cache_from_source(stub) in outputs
    assert all(os.path.exists(p) for p in outputs)


def test_bdist_egg_keeps_the_hpy_stub(fake_devel, workdir):
    write(workdir / "fakeu.c", FAKE_UNIVERSAL_MODULE)
    dist = setuptools.Distribution(
        {
            "name": "fakeu",
            "version": "1.0",
            "script_name": "setup.py",
            "script_args": ["-q", "bdist_egg"],
        }
    )
    dist.hpy_abi = "universal"
    handle_hpy_ext_modules(dist, "hpy_ext_modules", [setuptools.Extension("fakeu", ["fakeu.c"])])
    fake_devel.fix_distribution(dist)
    try:
        dist.get_command_class("bdist_egg")
    except Exception:
        pytest.skip("this setuptools has no bdist_egg")
    dist.parse_command_line()
    dist.run_commands()
    [egg] = (workdir / "dist").glob("*.egg")
    with zipfile.ZipFile(egg) as zf:
        assert "fakeu.hpy0.so" in zf.namelist()
        assert zf.read("fakeu.py").decode() == make_stub("fakeu", "fakeu.hpy0.so")


# ---------------------------------------------------------------------------
# building real HPy modules


def test_real_build_cpython_abi(workdir):
    write(workdir / "tinycp.c", TINY_HPY_MODULE.replace("NAME", "tinycp"))
    dist = make_dist("cpython", [setuptools.Extension("tinycp", ["tinycp.c"], include_dirs=None)])
    cmd = build_ext(dist, HPyDevel())
    [binary] = cmd.get_outputs()
    assert binary.endswith("tinycp" + EXT_SUFFIX)
    module = import_file("tinycp", binary)
    assert module.forty_two() == 42
    assert module.abi() == "cpython"


@pytest.mark.parametrize("hpy_abi", ["universal", "hybrid"])
def test_real_build_universal_and_hybrid(hpy_abi, workdir, monkeypatch):
    name = f"tiny{hpy_abi}"
    write(workdir / f"{name}.c", TINY_HPY_MODULE.replace("NAME", name))
    dist = make_dist(hpy_abi, [setuptools.Extension(name, [f"{name}.c"])])
    cmd = build_ext(dist, HPyDevel())
    binary, stub = cmd.get_outputs()
    assert binary.endswith(name + get_hpy_ext_suffix(hpy_abi))
    assert STUB_MARKER in Path(stub).read_text()
    monkeypatch.syspath_prepend(cmd.build_lib)
    monkeypatch.delenv("HPY", raising=False)
    try:
        module = importlib.import_module(name)
    finally:
        sys.modules.pop(name, None)
    assert module.forty_two() == 42
    assert module.abi() == hpy_abi
    assert module.__file__ == os.path.abspath(binary)
    assert module.__spec__.loader is module.__loader__


def test_real_universal_build_rejects_python_h(workdir, capfd):
    write(workdir / "withpy.c", "#include <Python.h>\n" + TINY_HPY_MODULE.replace("NAME", "withpy"))
    dist = make_dist("universal", [setuptools.Extension("withpy", ["withpy.c"])])
    with pytest.raises(CompileError):
        build_ext(dist, HPyDevel())
    assert "forbidden" in capfd.readouterr().err
