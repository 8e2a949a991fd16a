"""`make demo`: build the examples in every ABI, run them, and show debug mode
catching a planted handle leak.

Each example is copied to a scratch directory, built with its own setup.py
(`--hpy-abi=...`, exactly as a user would) and imported in a fresh interpreter.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ABIS = ("cpython", "universal", "hybrid")

# What to run in each example once it is built, and the output we expect.
SCRIPTS = {
    "quickstart": (
        "import quickstart as m\n"
        "print(m.abi(), '|', m.say_hello('HPy'), '|', m.add_ints(2, 40), '|', os.path.basename(m.__file__))",
    ),
    "point": (
        "from point import Point\n"
        "p = Point(3, 4, label='p') + Point(0, 0)\n"
        "print(repr(Point(3, 4, label='p')), '|', p.norm, '|', Point(1, 2).x + Point(1, 2).y)",
    ),
}


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        print(proc.stdout)
        raise SystemExit(f"demo: command failed in {cwd}: {' '.join(cmd)}")
    return proc.stdout


def build(example: str, abi: str, scratch: Path) -> Path:
    workdir = scratch / f"{example}-{abi}"
    shutil.copytree(HERE / example, workdir)
    run([sys.executable, "setup.py", "--quiet", f"--hpy-abi={abi}", "build_ext", "--inplace"], workdir)
    return workdir


def run_example(workdir: Path, script: str, env_extra: dict[str, str] | None = None) -> str:
    env = dict(os.environ, **(env_extra or {}))
    code = "import os\n" + script
    return run([sys.executable, "-c", code], workdir, env).rstrip()


LEAK_SCRIPT = """
from hpy.debug import LeakDetector, HPyLeakError
import leaky
print("    leaky.count_items([1, 2, 3]) =", leaky.count_items([1, 2, 3]))
try:
    with LeakDetector():
        leaky.count_items(["a", "b"])
except HPyLeakError as e:
    print("    debug mode caught it:", str(e).replace(chr(10), chr(10) + "      "))
else:
    raise SystemExit("the leak was not detected")
"""


def demo_debug_mode(scratch: Path) -> None:
    print("== leaky: a planted handle leak, loaded in debug mode (HPY=debug)")
    workdir = build("leaky", "universal", scratch)
    print(run_example(workdir, LEAK_SCRIPT, {"HPY": "debug"}))
    print()


def main() -> int:
    print(f"HPy demo on Python {sys.version.split()[0]}\n")
    with tempfile.TemporaryDirectory(prefix="hpy-demo-") as tmp:
        scratch = Path(tmp)
        for example, (script,) in SCRIPTS.items():
            print(f"== {example}: one C source, built in each ABI")
            for abi in ABIS:
                workdir = build(example, abi, scratch)
                print(f"  {abi:<10} -> {run_example(workdir, script).strip()}")
            print()
        demo_debug_mode(scratch)
        print(textwrap.dedent("""\
            The universal binary (.hpy0.so) is the same file for every CPython version;
            the cpython binary is compiled against this interpreter's C API, and the
            hybrid one mixes both (tag .hpy0-cpXY)."""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
