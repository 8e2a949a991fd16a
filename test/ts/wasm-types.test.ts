/**
 * HPy types in the WebAssembly host (wasm/host/src/ctx_type_wasm*.c) on the
 * older Pyodide: test/wasm/wtypes.c is built with `hpy-wasm build` and the
 * checks of test/wasm/wtypes_check.py run in Pyodide 0.29 (Python 3.13),
 * loaded in this process. test/test_wasm_types.py runs the same checks with
 * `hpy-wasm run` (Pyodide 314) and natively.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { PyodideInterface } from "pyodide";
import { loadPyodide } from "pyodide-0.29";
import { installHPy, mountDir } from "../../wasm/src/index.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHECK = path.join(ROOT, "test/wasm/wtypes_check.py");

function hpyWasm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("npx", ["hpy-wasm", ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function build(outDir: string, source: string): void {
  const r = hpyWasm(["build", "-o", outDir, source]);
  assert.equal(r.status, 0, `hpy-wasm build ${source} failed:\n${r.stdout}${r.stderr}`);
}

describe("HPy types in the WebAssembly host", () => {
  let out: string;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-types-"));
    build(out, path.join(ROOT, "test/wasm/wtypes.c"));
  });

  after(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  test("every check of wtypes_check.py passes in Pyodide 0.29 (Python 3.13)", async () => {
    const lines: string[] = [];
    // the API the host uses is the same in both releases; their types differ in details
    const pyodide = (await loadPyodide({
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
status
`) as number;
    assert.equal(status, 0, lines.join("\n"));
    assert.equal(lines.at(-1), "all ok", lines.join("\n"));
  });
});
