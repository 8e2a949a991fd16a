/**
 * HPy_TypeCheck by the fast-subclass flags in the WebAssembly host
 * (hpy_host_direct_typeflags in hpy/universal/src/entry_points.c): the host
 * offers the flags only where its start-up check found tp_flags in place and
 * its probe found the eight types' flags and their inheritance as the binary
 * reads them, so test/test_direct_typecheck.py (the offer taken, the answers
 * by the flags alone, every object against every type as the host answers,
 * the same with the step off, refused offers, a type given a flag without
 * the base) runs in both Pyodide releases the project supports: 314
 * (Python 3.14) and 0.29 (Python 3.13).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { loadPyodide as loadPyodide314, type PyodideInterface } from "pyodide";
import { loadPyodide as loadPyodide029 } from "pyodide-0.29";
import { paths } from "../../wasm/src/paths.ts";
import { runPytest } from "../../wasm/src/pytest.ts";

const TIMEOUT = 15 * 60 * 1000;

// Each run has its own pytest folder (pytest empties it first; `make test`
// runs the wasm suite alongside), on the mounted tree as hpy-wasm pytest needs.
const temps: string[] = [];
after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function basetemp(): string {
  fs.mkdirSync(paths.buildDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(paths.buildDir, "pytest-tflags-"));
  temps.push(dir);
  return dir;
}

// (a new object per load: loadPyodide adds its settings to the one it gets)
const quiet = () => ({ stdout: () => {}, stderr: () => {} });

describe("HPy_TypeCheck by the fast-subclass flags in the WebAssembly host", { timeout: TIMEOUT }, () => {
  for (const [name, load] of [
    ["Pyodide 314 (Python 3.14)", () => loadPyodide314(quiet())],
    ["Pyodide 0.29 (Python 3.13)", () => loadPyodide029(quiet()) as Promise<unknown> as Promise<PyodideInterface>],
  ] as const) {
    test(`test_direct_typecheck.py passes in ${name}`, async () => {
      const status = await runPytest({
        args: [`--basetemp=${basetemp()}`, "-q", "test/test_direct_typecheck.py"],
        load,
      });
      assert.equal(status, 0);
    });
  }
});
