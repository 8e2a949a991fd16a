/**
 * The direct paths whose facts differ between the two Pyodide releases the
 * project supports, 314 (Python 3.14) and 0.29 (Python 3.13), run in both:
 * - test/test_direct_refcount.py: one host binary chooses the reference-count
 *   rules by the running CPython's version (hpy_host_direct_refcount in
 *   hpy/universal/src/entry_points.c): immortal from 1 << 30 while not
 *   negative in 3.14, at exactly 0x3FFFFFFF in 3.13; counts at the edges of
 *   the rules against CPython's own Py_IncRef/Py_DecRef, an object freed by
 *   the inline Close, every call seen in debug mode;
 * - test/test_direct_calls.py: the inline calls use that model, and the int
 *   layout the host finds (and a tuple's items, after a cached hash from
 *   3.14) differ between the two;
 * - test/test_direct_typecheck.py: the host offers the fast-subclass flags
 *   only where its start-up check found tp_flags in place and its probe
 *   found the eight types' flags and their inheritance as the binary reads
 *   them (hpy_host_direct_typeflags).
 * One pytest session per release, so Pyodide is loaded once for the three.
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
const FILES = ["test/test_direct_refcount.py", "test/test_direct_calls.py", "test/test_direct_typecheck.py"];

// Each run has its own pytest folder (pytest empties it first; `make test`
// runs the wasm suite alongside), on the mounted tree as hpy-wasm pytest needs.
const temps: string[] = [];
after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function basetemp(): string {
  fs.mkdirSync(paths.buildDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(paths.buildDir, "pytest-direct-"));
  temps.push(dir);
  return dir;
}

// (a new object per load: loadPyodide adds its settings to the one it gets)
const quiet = () => ({ stdout: () => {}, stderr: () => {} });

describe("the direct paths in both Pyodide releases", { timeout: TIMEOUT }, () => {
  for (const [name, load] of [
    ["Pyodide 314 (Python 3.14)", () => loadPyodide314(quiet())],
    ["Pyodide 0.29 (Python 3.13)", () => loadPyodide029(quiet()) as Promise<unknown> as Promise<PyodideInterface>],
  ] as const) {
    test(`${FILES.map((f) => path.basename(f)).join(", ")} pass in ${name}`, async () => {
      const status = await runPytest({ args: [`--basetemp=${basetemp()}`, "-q", ...FILES], load });
      assert.equal(status, 0);
    });
  }
});
