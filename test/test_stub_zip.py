"""The loader stub of universal/hybrid binaries imported from a zip archive
(a zipped egg, or any zip on sys.path): the binary is extracted to a cache
directory and loaded from there, without pkg_resources."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from test_devel import TINY_HPY_MODULE, build_ext, make_dist, write

import setuptools

from hpy.devel import HPyDevel
from hpy.devel.stub import make_stub

CHECK = """
import sys
import {fullname} as m
print("RESULT", m.forty_two(), m.abi())
print("FILE", m.__file__)
print("PKG_RESOURCES", "pkg_resources" in sys.modules)
"""


@pytest.fixture(scope="module")
def universal_binary(tmp_path_factory) -> Path:
    """A universal build of the tiny module `tinyzip`."""
    work = tmp_path_factory.mktemp("build")
    old = os.getcwd()
    os.chdir(work)      # distutils builds in relative directories
    try:
        write(work / "tinyzip.c", TINY_HPY_MODULE.replace("NAME", "tinyzip"))
        dist = make_dist("universal", [setuptools.Extension("tinyzip", ["tinyzip.c"])])
        binary, stub = (work / p for p in build_ext(dist, HPyDevel()).get_outputs())
    finally:
        os.chdir(old)
    assert Path(stub).read_text() == make_stub("tinyzip", os.path.basename(binary))
    return Path(binary)


def make_zip(path: Path, binary: Path, package: str) -> Path:
    prefix = package + "/" if package else ""
    with zipfile.ZipFile(path, "w") as zf:
        if package:
            zf.writestr(prefix + "__init__.py", "")
        zf.writestr(prefix + "tinyzip.py", make_stub("tinyzip", binary.name))
        zf.write(binary, prefix + binary.name)
    return path


def run_from_zip(archive: Path, fullname: str, cache: Path, **env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HPY", "PYTHON_EGG_CACHE")}
    env.update(PYTHONPATH=str(archive), XDG_CACHE_HOME=str(cache), **env_extra)
    return subprocess.run([sys.executable, "-c", CHECK.format(fullname=fullname)], env=env,
                          capture_output=True, text=True, timeout=120)


def lines(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines())


@pytest.mark.parametrize("package", ["", "pkg"])
def test_import_from_zip(universal_binary, tmp_path, package):
    archive = make_zip(tmp_path / "mods.zip", universal_binary, package)
    cache = tmp_path / "cache"
    fullname = f"{package}.tinyzip" if package else "tinyzip"
    out = lines(run_from_zip(archive, fullname, cache))
    assert out["RESULT"] == "42 universal"
    assert out["PKG_RESOURCES"] == "False"
    extracted = Path(out["FILE"])
    # the binary keeps its name (its ABI tag is read from it), under the cache
    assert extracted.name == universal_binary.name
    assert extracted.parent.parent == cache / "hpy"
    assert extracted.read_bytes() == universal_binary.read_bytes()
    assert [p.name for p in extracted.parent.iterdir()] == [extracted.name]   # no temporary left
    # a second import uses the extracted copy
    mtime = extracted.stat().st_mtime_ns
    assert lines(run_from_zip(archive, fullname, cache))["FILE"] == str(extracted)
    assert extracted.stat().st_mtime_ns == mtime


def test_a_new_archive_is_extracted_again(universal_binary, tmp_path):
    archive = make_zip(tmp_path / "mods.zip", universal_binary, "pkg")
    cache = tmp_path / "cache"
    first = lines(run_from_zip(archive, "pkg.tinyzip", cache))["FILE"]
    archive.unlink()
    make_zip(archive, universal_binary, "pkg")
    with zipfile.ZipFile(archive, "a") as zf:     # another size
        zf.writestr("pkg/extra.txt", "x")
    second = lines(run_from_zip(archive, "pkg.tinyzip", cache))["FILE"]
    assert first != second and Path(second).is_file()


def test_python_egg_cache_and_debug_mode(universal_binary, tmp_path):
    archive = make_zip(tmp_path / "mods.zip", universal_binary, "pkg")
    egg_cache = tmp_path / "egg-cache"
    out = lines(run_from_zip(archive, "pkg.tinyzip", tmp_path / "cache",
                             PYTHON_EGG_CACHE=str(egg_cache), HPY="debug"))
    assert out["RESULT"] == "42 universal"
    assert Path(out["FILE"]).parent.parent == egg_cache
    assert not (tmp_path / "cache").exists()


EGG_SETUP_PY = """\
from setuptools import Extension, setup

setup(
    name="hpy-tiny",
    version="0.1",
    packages=["tinypkg"],
    zip_safe=True,
    hpy_ext_modules=[Extension("tinypkg.tiny", sources=["tiny.c"])],
)
"""


@pytest.mark.slow
def test_zipped_egg_of_setup_py_install(tmp_path):
    """setuptools < 80: `setup.py install` of a zip-safe project installs a
    zipped egg; its universal binary is imported from the cache."""
    from support import copy_hpy_source
    from test_devel_install import TINY_C, Venv

    venv = Venv(sys.executable, tmp_path / "env", requirements=("setuptools<80", "wheel"))
    venv.pip("install", "-q", "--no-build-isolation", copy_hpy_source(tmp_path / "hpy-src"))
    project = tmp_path / "project"
    write(project / "tinypkg" / "__init__.py", "")
    write(project / "tiny.c", TINY_C)
    write(project / "setup.py", EGG_SETUP_PY)
    subprocess.run([str(venv.python), "setup.py", "-q", "--hpy-abi=universal", "install"],
                   cwd=project, check=True, capture_output=True)
    [egg] = venv.site_packages().glob("hpy_tiny-*.egg")
    assert egg.is_file() and zipfile.is_zipfile(egg)
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HPY"))}
    env["XDG_CACHE_HOME"] = str(cache)
    proc = subprocess.run([str(venv.python), "-c", CHECK.format(fullname="tinypkg.tiny")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = lines(proc)
    assert out["RESULT"] == "42 universal"
    assert out["PKG_RESOURCES"] == "False"
    assert Path(out["FILE"]).parent.parent == cache / "hpy"
