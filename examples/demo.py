"""`make demo`: build the examples in every ABI, run them, show debug mode
catching a planted handle leak, and run quickstart built for WebAssembly.

Each example is copied to a scratch directory, built with its own setup.py
(`--hpy-abi=...`, exactly as a user would) and imported in a fresh interpreter.
The WebAssembly part builds quickstart once for wasm32 with `npx hpy-wasm
build` and runs the same script in Pyodide in Node.js (`npx hpy-wasm run`);
without clang's wasm32 target (or Node.js) it says why it is skipped.
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
REPO = HERE.parent
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


def wasm_unavailable() -> str | None:
    """Why the WebAssembly part cannot run here, or None."""
    if shutil.which("npx") is None:
        return "Node.js (npx) is not installed"
    if not (REPO / "node_modules" / "pyodide").is_dir():
        return "the npm packages are not installed (run `make setup`)"
    proc = subprocess.run(["npx", "--no-install", "hpy-wasm", "toolchain"], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        return proc.stdout.strip().removeprefix("hpy-wasm: ")
    return None


def demo_wasm(scratch: Path) -> None:
    print("== quickstart in WebAssembly: built once for wasm32, run in Pyodide (Node.js)")
    reason = wasm_unavailable()
    if reason is not None:
        print(f"  skipped: {reason}")
        return
    out = scratch / "quickstart-wasm"
    source = HERE / "quickstart" / "quickstart.c"
    run(["npx", "--no-install", "hpy-wasm", "build", "-o", str(out), str(source)], REPO)
    script = out / "run_quickstart.py"
    script.write_text("import os\n" + SCRIPTS["quickstart"][0])
    output = run(["npx", "--no-install", "hpy-wasm", "run", "--path", str(out), str(script)], REPO)
    print(f"  {'wasm32':<10} -> {output.strip()}")
    leaky = scratch / "leaky-wasm"
    run(["npx", "--no-install", "hpy-wasm", "build", "-o", str(leaky), str(HERE / "leaky" / "leaky.c")], REPO)
    script = leaky / "run_leaky.py"
    script.write_text(LEAK_SCRIPT)
    output = run(["npx", "--no-install", "hpy-wasm", "run", "--mode", "debug", str(script)], REPO)
    print("  leaky in debug mode in Pyodide (hpy-wasm run --mode debug):")
    print(output.rstrip())
    print("  The same module in a browser: `npx hpy-wasm demo` builds the demo page,")
    print("  serves it on 127.0.0.1 and prints the address to open.")


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
            hybrid one mixes both (tag .hpy0-cpXY).
            """))
        demo_wasm(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
