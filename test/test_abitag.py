"""hpy.devel.abitag: ABI constants and extension file suffixes."""

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from hpy.devel import abitag
from hpy.devel.abitag import get_hpy_ext_suffix, parse_ext_suffix

INCLUDE_DIR = Path(__file__).resolve().parents[1] / "hpy" / "devel" / "include"

SUFFIXES = [
    # (EXT_SUFFIX, abi tag, binary extension)
    (".cpython-38-x86_64-linux-gnu.so", "cp38", "so"),
    (".cpython-38d-x86_64-linux-gnu.so", "cp38d", "so"),
    (".cpython-310-x86_64-linux-gnu.so", "cp310", "so"),
    (".cpython-310-darwin.so", "cp310", "so"),
    (".cp310-win_amd64.pyd", "cp310", "pyd"),
    (".pypy38-pp73-x86_64-linux-gnu.so", "pypy38-pp73", "so"),
    (".graalpy-38-native-x86_64-darwin.dylib", "graalpy-38-native", "dylib"),
]


def test_constants():
    assert abitag.HPY_ABI_VERSION == 0
    assert abitag.HPY_ABI_VERSION_MINOR == 0
    assert abitag.HPY_ABI_TAG == "hpy0"


@pytest.mark.parametrize("ext_suffix, tag, ext", SUFFIXES)
def test_parse_ext_suffix(ext_suffix, tag, ext):
    assert parse_ext_suffix(ext_suffix) == (tag, ext)


def test_parse_ext_suffix_defaults_to_interpreter():
    assert parse_ext_suffix() == parse_ext_suffix(sysconfig.get_config_var("EXT_SUFFIX"))


def test_parse_ext_suffix_without_abi_tag():
    with pytest.raises(ValueError, match="parse_ext_suffix"):
        parse_ext_suffix(".so")


@pytest.mark.parametrize("ext_suffix, tag, ext", SUFFIXES)
def test_get_hpy_ext_suffix(ext_suffix, tag, ext):
    assert get_hpy_ext_suffix("universal", ext_suffix) == f".hpy0.{ext}"
    assert get_hpy_ext_suffix("hybrid", ext_suffix) == f".hpy0-{tag}.{ext}"
    assert get_hpy_ext_suffix("cpython", ext_suffix) == ext_suffix


def test_get_hpy_ext_suffix_defaults_to_interpreter():
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert get_hpy_ext_suffix("cpython") == ext_suffix
    tag, ext = parse_ext_suffix(ext_suffix)
    assert get_hpy_ext_suffix("universal") == f".hpy0.{ext}"
    assert get_hpy_ext_suffix("hybrid") == f".hpy0-{tag}.{ext}"


def test_get_hpy_ext_suffix_examples():
    assert get_hpy_ext_suffix("universal", ".cpython-310-x86_64-linux-gnu.so") == ".hpy0.so"
    assert get_hpy_ext_suffix("hybrid", ".cpython-38-x86_64-linux-gnu.so") == ".hpy0-cp38.so"


def test_get_hpy_ext_suffix_unknown_abi():
    with pytest.raises(ValueError, match="get_hpy_ext_suffix.*'limited'"):
        get_hpy_ext_suffix("limited")


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_constants_match_headers(tmp_path):
    source = tmp_path / "check.c"
    source.write_text('#include "hpy.h"\n')
    include = ["-I", str(INCLUDE_DIR / "hpy" / "forbid_python_h"), "-I", str(INCLUDE_DIR)]
    cmd = ["cc", "-E", "-dM", "-DHPY", "-DHPY_ABI_UNIVERSAL", *include, str(source)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    macros = dict(re.findall(r"^#define (\w+) (.*)$", proc.stdout, re.MULTILINE))
    assert macros["HPY_ABI_VERSION"] == str(abitag.HPY_ABI_VERSION)
    assert macros["HPY_ABI_VERSION_MINOR"] == str(abitag.HPY_ABI_VERSION_MINOR)
    assert macros["HPY_ABI_TAG"] == f'"{abitag.HPY_ABI_TAG}"'
    assert macros["HPY_ABI"] == '"universal"'
