/**
 * HPy types in the WebAssembly host (wasm/host/src/ctx_type_wasm*.c) on the
 * older Pyodide: test/wasm/wtypes.c is built with `hpy-wasm build` and the
 * checks of test/wasm/wtypes_check.py run in Pyodide 0.29 (Python 3.13),
 * loaded in this process. test/test_wasm_types.py runs the same checks with
 * `hpy-wasm run` (Pyodide 314) and natively.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadPyodide } from "pyodide-0.29";
import { hpyWasmBuild, ROOT, runCheckScript } from "./pyodide-check.ts";

const CHECK = path.join(ROOT, "test/wasm/wtypes_check.py");

describe("HPy types in the WebAssembly host", () => {
  let out: string;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-types-"));
    hpyWasmBuild(out, path.join(ROOT, "test/wasm/wtypes.c"));
  });

  after(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  test("every check of wtypes_check.py passes in Pyodide 0.29 (Python 3.13)", async () => {
    // the API the host uses is the same in both releases; their types differ in details
    const { status, lines } = await runCheckScript(loadPyodide, out, CHECK);
    assert.equal(status, 0, lines.join("\n"));
    assert.equal(lines.at(-1), "all ok", lines.join("\n"));
  });
});
