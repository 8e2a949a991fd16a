"""Smoke run of the libFuzzer targets (test/fuzz/): build them with
`make fuzz-build`, run every seed of each target once in debug and universal
mode, then a few hundred mutations in debug mode. Any crash, sanitizer
report, leaked handle or inconsistent helper result fails the test.

`make fuzz` is the long run; this only proves the harnesses build and the
seeds pass. Needs clang-19 with libFuzzer (libclang-rt-19-dev) and libffi's
headers, which .ci/run installs; without them the tests are skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FUZZ_CC = os.environ.get("FUZZ_CC", "clang-19")
BINARY = REPO / "build" / "fuzz" / "hpy_fuzz"
CORPUS = REPO / "test" / "fuzz" / "corpus"
TARGETS = ("parse", "parse_keywords", "parse_keywords_dict", "build_value", "from_format")


def _missing_tools(tmp: Path) -> str:
    """Why the targets cannot be built here ("" if they can): a probe
    linked the way the driver is, with libFuzzer and libffi's header."""
    if shutil.which(FUZZ_CC) is None:
        return f"{FUZZ_CC} is not installed"
    probe = tmp / "probe.c"
    probe.write_text("#include <ffi.h>\n#include <stddef.h>\n#include <stdint.h>\n"
                     "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
                     "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    proc = subprocess.run([FUZZ_CC, "-fsanitize=fuzzer,address", str(probe), "-o", str(tmp / "probe")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        return (f"{FUZZ_CC} cannot link a libFuzzer target with libffi's header "
                f"(libclang-rt-19-dev, libffi-dev): {proc.stdout.strip()[:300]}")
    return ""


def _clean_env() -> dict:
    """The environment without what `make test-sanitize` sets for gcc's ASan
    (the fuzz binary carries clang's own runtime)."""
    drop = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "CFLAGS", "LDFLAGS", "HPY_TEST_CFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("HPY")}
    env["PYTHONMALLOC"] = "malloc"
    env["ASAN_OPTIONS"] = "detect_leaks=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    return env


@pytest.fixture(scope="module")
def fuzz_binary(tmp_path_factory) -> Path:
    missing = _missing_tools(tmp_path_factory.mktemp("fuzzprobe"))
    if missing:
        pytest.skip(missing)
    proc = subprocess.run(["make", "-s", "fuzz-build", f"PYTHON={sys.executable}", f"FUZZ_CC={FUZZ_CC}"],
                          cwd=REPO, env=_clean_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    return BINARY


def _run(binary: Path, target: str, mode: str, args: list, artifacts: Path) -> subprocess.CompletedProcess:
    env = dict(_clean_env(), HPY_FUZZ_TARGET=target, HPY_FUZZ_MODE=mode)
    args = [f"-artifact_prefix={artifacts}/"] + args
    return subprocess.run([str(binary)] + args, cwd=artifacts, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)


@pytest.mark.parametrize("mode", ["debug", "universal"])
@pytest.mark.parametrize("target", TARGETS)
def test_seeds(fuzz_binary, target, mode, tmp_path):
    seeds = sorted(str(p) for p in (CORPUS / target).iterdir())
    assert len(seeds) >= 5
    proc = _run(fuzz_binary, target, mode, seeds, tmp_path)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert proc.stdout.count("Executed ") == len(seeds), proc.stdout[-5000:]


@pytest.mark.parametrize("target", TARGETS)
def test_short_fuzzing(fuzz_binary, target, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    proc = _run(fuzz_binary, target, "debug", ["-runs=300", "-seed=1", str(corpus), str(CORPUS / target)],
                tmp_path)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert "Done 300 runs" in proc.stdout, proc.stdout[-5000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("leak-*"))


def test_setup_failure_is_a_crash(fuzz_binary, tmp_path):
    """A driver that cannot set up must not pass silently: an unknown target
    makes the embedded setup fail, and the driver aborts."""
    seed = tmp_path / "seed"
    seed.write_bytes(b"\x00i\n")
    proc = _run(fuzz_binary, "no_such_target", "debug", [str(seed)], tmp_path)
    assert proc.returncode != 0
    assert "HPY_FUZZ_TARGET must be one of" in proc.stdout
