/**
 * What the WebAssembly TypeScript tests share: build a C file with
 * `hpy-wasm build`, and run a check script (test/wasm/*_check.py) in a
 * Pyodide loaded in this process with the host installed, collecting what it
 * prints and the status it exits with.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PyodideInterface } from "pyodide";
import { installHPy, mountDir } from "../../wasm/src/index.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Builds `source` into `outDir` (NAME.hpy0.wasm); fails the test if the build fails. */
export function hpyWasmBuild(outDir: string, source: string): void {
  const r = spawnSync("npx", ["hpy-wasm", "build", "-o", outDir, source], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, `hpy-wasm build ${source} failed:\n${r.stdout}${r.stderr}`);
}

type Loader = (options: { stdout: (l: string) => void; stderr: (l: string) => void }) => Promise<unknown>;

/** Runs `script` as __main__ in a new Pyodide from `load`, with `moduleDir`
 * and the script's folder on sys.path. */
export async function runCheckScript(
  load: Loader,
  moduleDir: string,
  script: string,
): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const pyodide = (await load({
    stdout: (l: string) => lines.push(l),
    stderr: (l: string) => lines.push(l),
  })) as PyodideInterface;
  await installHPy(pyodide);
  mountDir(pyodide, moduleDir);
  mountDir(pyodide, path.dirname(script));
  const status = pyodide.runPython(`
import runpy, sys
sys.path[:0] = [${JSON.stringify(moduleDir)}, ${JSON.stringify(path.dirname(script))}]
try:
    runpy.run_path(${JSON.stringify(script)}, run_name="__main__")
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
