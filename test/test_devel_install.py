"""End-to-end packaging tests (slow): hpy installed by pip into virtual
environments, then HPy projects built with ``setup.py`` and ``pip``.

The interpreters default to the one running the tests; set ``HPY_TEST_PYTHONS``
to a list of interpreters separated by ``os.pathsep`` to test others, e.g.
``HPY_TEST_PYTHONS=/root/.pyenv/versions/3.8.18/bin/python:/root/.pyenv/versions/3.13.0/bin/python``.
pip fetches setuptools and wheel from the package index when the
environment lacks them.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List

import pytest

from support import copy_hpy_source
PYTHONS = [p for p in os.environ.get("HPY_TEST_PYTHONS", "").split(os.pathsep) if p] or [sys.executable]

pytestmark = pytest.mark.slow

TINY_C = """\
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
HPy_MODINIT(tiny, moduledef)
"""

# two extensions with the same last name component: 'tiny' and 'tinypkg.tiny'
TINY_SETUP_PY = """\
from setuptools import Extension, setup

setup(
    name="hpy-tiny",
    version="0.1",
    packages=["tinypkg"],
    hpy_ext_modules=[
        Extension("tiny", sources=["tiny.c"]),
        Extension("tinypkg.tiny", sources=["tiny.c"]),
    ],
)
"""

TINY_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "hpy"]
build-backend = "setuptools.build_meta"
"""

CHECK_TINY = """\
import os, tiny, tinypkg.tiny
for m in (tiny, tinypkg.tiny):
    assert m.forty_two() == 42, m
    print(m.__name__, m.abi(), os.path.basename(m.__file__))
"""

def clean_env() -> dict:
    """The environment for subprocesses: nothing that points at the source tree."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HPY"))}


def run(cmd: List[str], cwd) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=str(cwd), env=clean_env(), capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.fail(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}",
            pytrace=False,
        )
    return proc.stdout


class Venv:
    def __init__(self, base_python: str, path: Path, requirements=("setuptools>=64", "wheel")) -> None:
        self.path = path
        run([base_python, "-m", "venv", path], cwd=path.parent)
        self.python = path / "bin" / "python"
        try:
            self.pip("install", "-q", *requirements)
        except pytest.fail.Exception as exc:
            pytest.skip(f"could not install {' '.join(requirements)} into a venv: {exc}")

    def setuptools_major(self) -> int:
        """Major version of the venv's setuptools (0 when there is none)."""
        code = (
            "try:\n    import setuptools\nexcept ImportError:\n    print(0)\n"
            "else:\n    print(setuptools.__version__.split('.')[0])"
        )
        return int(self.python_code(code))

    def pip(self, *args, cwd=None) -> str:
        return run([self.python, "-m", "pip", *args], cwd=cwd or self.path)

    def python_code(self, code: str, cwd=None) -> str:
        return run([self.python, "-c", code], cwd=cwd or self.path)

    def has_host(self) -> bool:
        code = (
            "try:\n    import hpy.universal as u\nexcept ImportError:\n    u = None\n"
            "print(hasattr(u, '_load_bootstrap'))"
        )
        return self.python_code(code).strip() == "True"

    def ext_suffix(self, hpy_abi: str) -> str:
        code = f"from hpy.devel.abitag import get_hpy_ext_suffix as s; print(s({hpy_abi!r}))"
        return self.python_code(code).strip()

    def site_packages(self) -> Path:
        return Path(self.python_code("import sysconfig; print(sysconfig.get_paths()['platlib'])").strip())


@pytest.fixture(scope="session")
def hpy_source(tmp_path_factory) -> Path:
    return copy_hpy_source(tmp_path_factory.mktemp("src") / "hpy-src")


@pytest.fixture(scope="session", params=PYTHONS)
def hpy_venv(request, tmp_path_factory, hpy_source) -> Venv:
    """A venv with hpy installed (non-editable, no build isolation)."""
    venv = Venv(request.param, tmp_path_factory.mktemp("venv") / "env")
    venv.pip("install", "-q", "--no-build-isolation", hpy_source)
    return venv


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "tiny-project"
    (root / "tinypkg").mkdir(parents=True)
    (root / "tinypkg" / "__init__.py").write_text("")
    (root / "tiny.c").write_text(TINY_C)
    (root / "setup.py").write_text(TINY_SETUP_PY)
    (root / "pyproject.toml").write_text(TINY_PYPROJECT)
    return root


def check_tiny(venv: Venv, hpy_abi: str, cwd) -> None:
    """Import both tiny modules and check them."""
    lines = venv.python_code(CHECK_TINY, cwd=cwd).splitlines()
    suffix = venv.ext_suffix(hpy_abi)
    assert [line.split() for line in lines] == [
        ["tiny", hpy_abi, f"tiny{suffix}"],
        ["tinypkg.tiny", hpy_abi, f"tiny{suffix}"],
    ]


def tiny_files(directory: Path) -> List[str]:
    """The tiny binaries and loader stubs in ``directory`` and ``directory/tinypkg``."""
    found = list(directory.glob("tiny*")) + list(directory.glob("tinypkg/tiny*"))
    return sorted(p.relative_to(directory).as_posix() for p in found if p.suffix in (".so", ".py"))


def expected_files(venv: Venv, hpy_abi: str) -> List[str]:
    suffix = venv.ext_suffix(hpy_abi)
    files = [f"tiny{suffix}", f"tinypkg/tiny{suffix}"]
    if hpy_abi != "cpython":
        files += ["tiny.py", "tinypkg/tiny.py"]
    return sorted(files)


def assert_stub(path: Path) -> None:
    text = path.read_text()
    assert "This file is automatically generated by hpy" in text
    assert "pkg_resources" not in text


# ---------------------------------------------------------------------------
# hpy itself


def test_installed_hpy(hpy_venv, hpy_source):
    code = """\
import json, os
from importlib.metadata import entry_points
from hpy.devel import HPyDevel
eps = entry_points()
if hasattr(eps, "select"):
    group = eps.select(group="distutils.setup_keywords")
else:
    group = eps.get("distutils.setup_keywords", [])
d = HPyDevel()
print(json.dumps({
    "entry_points": {ep.name: ep.value for ep in group},
    "hpy_h": os.path.exists(os.path.join(d.include_dir, "hpy.h")),
    "forbid": os.path.exists(os.path.join(d.forbid_python_h_dir, "Python.h")),
    "sources": [os.path.basename(s) for s in d.get_extra_sources("cpython")],
}))
"""
    info = json.loads(hpy_venv.python_code(code))
    assert info["entry_points"]["hpy_ext_modules"] == "hpy.devel:handle_hpy_ext_modules"
    assert info["hpy_h"] and info["forbid"]
    runtime = hpy_source / "hpy" / "devel" / "src" / "runtime"
    assert info["sources"] == sorted(p.name for p in runtime.glob("*.c"))


def test_wheel_of_hpy_with_build_isolation(hpy_source, tmp_path):
    out = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, hpy_source], cwd=tmp_path)
    [wheel] = out.glob("hpy-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "hpy/devel/include/hpy.h" in names
    assert "hpy/devel/include/hpy/forbid_python_h/Python.h" in names
    assert "hpy/devel/abitag.py" in names and "hpy/debug/pytest.py" in names
    runtime = hpy_source / "hpy" / "devel" / "src" / "runtime"
    assert all(f"hpy/devel/src/runtime/{p.name}" in names for p in runtime.glob("*.[ch]"))
    assert "hpy/devel/src/runtime/utf8_cut.h" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[distutils.setup_keywords]" in text and "hpy.devel:handle_hpy_ext_modules" in text
    assert any(n.startswith("hpy/universal.") for n in names)
    assert not wheel.name.endswith("-none-any.whl")


def test_editable_install_of_hpy(tmp_path):
    source = copy_hpy_source(tmp_path / "hpy-editable")
    venv = Venv(PYTHONS[0], tmp_path / "env")
    venv.pip("install", "-q", "--no-build-isolation", "-e", source)
    base_dir = venv.python_code("from hpy.devel import HPyDevel; print(HPyDevel().base_dir)").strip()
    assert Path(base_dir) == source / "hpy" / "devel"
    assert venv.has_host()


# ---------------------------------------------------------------------------
# HPy projects


@pytest.mark.parametrize("hpy_abi", ["cpython", "universal", "hybrid"])
def test_setup_py_build_ext_inplace(hpy_abi, hpy_venv, project):
    run([hpy_venv.python, "setup.py", f"--hpy-abi={hpy_abi}", "build_ext", "--inplace"], cwd=project)
    assert tiny_files(project) == expected_files(hpy_venv, hpy_abi)
    if hpy_abi != "cpython":
        assert_stub(project / "tinypkg" / "tiny.py")
    check_tiny(hpy_venv, hpy_abi, cwd=project)


def test_setup_py_build_universal(hpy_venv, project):
    run([hpy_venv.python, "setup.py", "--hpy-abi=universal", "build"], cwd=project)
    [build_lib] = (project / "build").glob("lib*-hpy-universal")
    assert tiny_files(build_lib) == expected_files(hpy_venv, "universal")
    assert (build_lib / "tinypkg" / "__init__.py").exists()
    assert list((project / "build").glob("temp*-hpy-universal"))
    assert not list(project.glob("tiny*.so"))


@pytest.mark.parametrize("hpy_abi", ["cpython", "universal", "hybrid"])
def test_pip_install_project(hpy_abi, hpy_venv, project, tmp_path):
    options = [] if hpy_abi == "cpython" else [f"--config-settings=--global-option=--hpy-abi={hpy_abi}"]
    hpy_venv.pip("install", "-q", "--no-build-isolation", *options, project)
    try:
        site = hpy_venv.site_packages()
        assert tiny_files(site) == expected_files(hpy_venv, hpy_abi)
        if hpy_abi != "cpython":
            assert_stub(site / "tiny.py")
        check_tiny(hpy_venv, hpy_abi, cwd=tmp_path)
    finally:
        hpy_venv.pip("uninstall", "-q", "-y", "hpy-tiny")
    assert tiny_files(site) == [], "pip uninstall left files behind"


def test_pip_install_project_editable_universal(hpy_venv, project, tmp_path):
    hpy_venv.pip(
        "install", "-q", "--no-build-isolation", "-e", project,
        "--config-settings=--global-option=--hpy-abi=universal",
    )
    try:
        assert tiny_files(project) == expected_files(hpy_venv, "universal")
        check_tiny(hpy_venv, "universal", cwd=tmp_path)
    finally:
        hpy_venv.pip("uninstall", "-q", "-y", "hpy-tiny")


@pytest.mark.parametrize("python", PYTHONS)
def test_project_with_bundled_setuptools(python, hpy_source, project, tmp_path):
    """A project built with the setuptools a venv comes with, when that is
    older than what hpy itself needs to be built (CPython 3.8 and 3.9)."""
    venv = Venv(python, tmp_path / "env", requirements=["wheel"])
    if venv.setuptools_major() in range(1, 64):
        venv.pip("install", "-q", hpy_source)  # with build isolation
    else:
        pytest.skip("this venv's setuptools is tested through hpy_venv")
    run([venv.python, "setup.py", "--hpy-abi=universal", "build_ext", "--inplace"], cwd=project)
    assert tiny_files(project) == expected_files(venv, "universal")
    check_tiny(venv, "universal", cwd=project)
    # setuptools < 64 cannot take --config-settings from pip: build the wheel directly
    run([venv.python, "setup.py", "--hpy-abi=hybrid", "bdist_wheel"], cwd=project)
    [wheel] = (project / "dist").glob("*.whl")
    venv.pip("install", "-q", wheel)
    assert tiny_files(venv.site_packages()) == expected_files(venv, "hybrid")
    check_tiny(venv, "hybrid", cwd=tmp_path)


def test_bdist_wheel_universal(hpy_venv, project):
    run([hpy_venv.python, "setup.py", "--hpy-abi=universal", "bdist_wheel"], cwd=project)
    [wheel] = (project / "dist").glob("*.whl")
    assert not wheel.name.endswith("-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n for n in names if n in expected_files(hpy_venv, "universal")) == expected_files(
        hpy_venv, "universal"
    )
    assert not [n for n in names if n.endswith(".so") and n not in expected_files(hpy_venv, "universal")]
