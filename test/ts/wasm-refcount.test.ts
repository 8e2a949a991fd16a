/**
 * The reference-count model of the WebAssembly host (hpy_host_direct_refcount
 * in hpy/universal/src/entry_points.c): one host binary chooses the rules by
 * the running CPython's version, so test/test_direct_refcount.py (the model
 * offered with the expected flags, counts at the edges of the rules against
 * CPython's own Py_IncRef/Py_DecRef, getrefcount after Dup/Close loops, an
 * object freed by the inline Close, every call seen in debug mode) runs in
 * both Pyodide releases the project supports: 314 (Python 3.14, immortal
 * from 1 << 30 while not negative) and 0.29 (Python 3.13, immortal at
 * exactly 0x3FFFFFFF). test/test_direct_calls.py runs with it: the inline
 * calls use the model, and the int layout the host finds (and the tuple's
 * items, after a cached hash from 3.14) differ between the two.
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
  const dir = fs.mkdtempSync(path.join(paths.buildDir, "pytest-rc-"));
  temps.push(dir);
  return dir;
}

// (a new object per load: loadPyodide adds its settings to the one it gets)
const quiet = () => ({ stdout: () => {}, stderr: () => {} });

describe("the WebAssembly host's reference-count model", { timeout: TIMEOUT }, () => {
  for (const [name, load] of [
    ["Pyodide 314 (Python 3.14)", () => loadPyodide314(quiet())],
    ["Pyodide 0.29 (Python 3.13)", () => loadPyodide029(quiet()) as Promise<unknown> as Promise<PyodideInterface>],
  ] as const) {
    test(`test_direct_refcount.py and test_direct_calls.py pass in ${name}`, async () => {
      const status = await runPytest({
        args: [`--basetemp=${basetemp()}`, "-q", "test/test_direct_refcount.py", "test/test_direct_calls.py"],
        load,
      });
      assert.equal(status, 0);
    });
  }
});
