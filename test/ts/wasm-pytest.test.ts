/**
 * The pieces of `hpy-wasm pytest` (wasm/src/pytest.ts) that run without
 * Pyodide: finding the wheels, and the build function test/support.py calls
 * (JSON in, the binary's path or the compiler's message out). The suite
 * itself running in Pyodide is `make test-wasm`.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { findWheels, makeBuilder, MissingWheelsError } from "../../wasm/src/pytest.ts";

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-pytest-test-"));
  made.push(dir);
  return dir;
}

describe("hpy-wasm pytest", () => {
  test("a folder without a pytest wheel says how to fetch them", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "pluggy-1.7.0-py3-none-any.whl"), "");
    assert.throws(() => findWheels(dir), (e: unknown) => e instanceof MissingWheelsError && /make wasm-wheels/.test(e.message));
    assert.throws(() => findWheels(path.join(dir, "absent")), MissingWheelsError);
    fs.writeFileSync(path.join(dir, "pytest-9.2.0-py3-none-any.whl"), "");
    assert.deepEqual(findWheels(dir).map((w) => path.basename(w)), [
      "pluggy-1.7.0-py3-none-any.whl",
      "pytest-9.2.0-py3-none-any.whl",
    ]);
  });

  test("the build function returns a wasm binary, or the compiler's message", () => {
    const dir = tempDir();
    const build = makeBuilder(path.join(dir, "obj"));
    const good = path.join(dir, "raw.c");
    fs.writeFileSync(good, "int HPyInit_raw(void) { return 0; }\n");
    const request = { name: "raw", sources: [good], outDir: dir, flags: ["-fvisibility=default"], helperFlags: null };
    const ok = JSON.parse(build(JSON.stringify(request))) as { path: string };
    assert.equal(ok.path, path.join(dir, "raw.hpy0.wasm"));
    assert.deepEqual([...fs.readFileSync(ok.path).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);

    const bad = path.join(dir, "bad.c");
    fs.writeFileSync(bad, "int f(void) { return undeclared; }\n");
    const failed = JSON.parse(build(JSON.stringify({ ...request, name: "bad", sources: [bad] }))) as {
      error: string;
    };
    assert.match(failed.error, /undeclared/);
  });
});
