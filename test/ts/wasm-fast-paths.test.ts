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
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadPyodide as loadPyodide314 } from "pyodide";
import { loadPyodide as loadPyodide029 } from "pyodide-0.29";
import { hpyWasmBuild, ROOT, runCheckScript } from "./pyodide-check.ts";

const CHECK = path.join(ROOT, "test/wasm/wfast_check.py");

describe("the WebAssembly host's fast paths", () => {
  let out: string;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-fast-"));
    hpyWasmBuild(out, path.join(ROOT, "test/wasm/wfast.c"));
  });

  after(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  for (const [name, load] of [
    ["Pyodide 314 (Python 3.14)", loadPyodide314],
    ["Pyodide 0.29 (Python 3.13)", loadPyodide029],
  ] as const) {
    test(`every fast path is on and agrees with CPython in ${name}`, async () => {
      const { status, lines } = await runCheckScript(load, out, CHECK);
      assert.equal(status, 0, lines.join("\n"));
      assert.equal(lines.at(-1), "all ok", lines.join("\n"));
    });
  }
});
