/**
 * The fast paths of the WebAssembly host (wasm/host/include/Python.h,
 * hpy_wasm_fast_paths.h): the host turns each on at start-up after checking
 * the layout it reads against CPython's functions. In both Pyodide releases
 * the project supports (0.29: Python 3.13, 314: Python 3.14, whose tuples
 * differ) every check must pass, and the context functions with a fast path
 * must give what CPython gives: test/wasm/wfast.c, built once with
 * `hpy-wasm build`, checked by test/wasm/wfast_check.py in each.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { PyodideInterface } from "pyodide";
import { loadPyodide as loadPyodide314 } from "pyodide";
import { loadPyodide as loadPyodide029 } from "pyodide-0.29";
import { installHPy, mountDir } from "../../wasm/src/index.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHECK = path.join(ROOT, "test/wasm/wfast_check.py");

async function runCheck(load: typeof loadPyodide314, out: string): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const pyodide = (await load({
    stdout: (l: string) => lines.push(l),
    stderr: (l: string) => lines.push(l),
  })) as unknown as PyodideInterface;
  await installHPy(pyodide);
  mountDir(pyodide, out);
  mountDir(pyodide, path.dirname(CHECK));
  const status = pyodide.runPython(`
import runpy, sys
sys.path[:0] = [${JSON.stringify(out)}, ${JSON.stringify(path.dirname(CHECK))}]
try:
    runpy.run_path(${JSON.stringify(CHECK)}, run_name="__main__")
    status = 0
except SystemExit as e:
    status = e.code
except BaseException:
    import traceback
    traceback.print_exc()
    status = 1
status
`) as number;
  return { status, lines };
}

describe("the WebAssembly host's fast paths", () => {
  let out: string;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-fast-"));
    const r = spawnSync("npx", ["hpy-wasm", "build", "-o", out, path.join(ROOT, "test/wasm/wfast.c")], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `hpy-wasm build failed:\n${r.stdout}${r.stderr}`);
  });

  after(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  for (const [name, load] of [
    ["Pyodide 314 (Python 3.14)", loadPyodide314],
    ["Pyodide 0.29 (Python 3.13)", loadPyodide029 as unknown as typeof loadPyodide314],
  ] as const) {
    test(`every fast path is on and agrees with CPython in ${name}`, async () => {
      const { status, lines } = await runCheck(load, out);
      assert.equal(status, 0, lines.join("\n"));
      assert.equal(lines.at(-1), "all ok", lines.join("\n"));
    });
  }
});
