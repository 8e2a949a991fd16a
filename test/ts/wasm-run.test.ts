/**
 * `hpy-wasm run` and mountDir (wasm/src/run.ts) with folders inside one
 * another: the script's folder and each --path folder are mounted in
 * Pyodide, whichever of them holds the other and in whatever order.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mountDir, startPyodide } from "../../wasm/src/run.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function hpyWasmRun(args: string[]): { status: number; output: string } {
  const r = spawnSync("npx", ["hpy-wasm", "run", ...args], { cwd: ROOT, encoding: "utf8" });
  // the end only: an error in Pyodide's loader quotes its whole minified source
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`.slice(-4000) };
}

describe("hpy-wasm run with nested folders", () => {
  let top: string;
  let inner: string;

  before(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-run-"));
    inner = path.join(top, "lib", "inner");
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(inner, "inner_mod.py"), "VALUE = 'from inner'\n");
    fs.writeFileSync(path.join(top, "top_mod.py"), "VALUE = 'from top'\n");
    fs.writeFileSync(
      path.join(top, "main.py"),
      "import inner_mod, top_mod\nprint(inner_mod.VALUE, top_mod.VALUE)\n",
    );
    fs.writeFileSync(
      path.join(inner, "main_inner.py"),
      "import inner_mod, top_mod\nprint(inner_mod.VALUE, top_mod.VALUE)\n",
    );
  });

  after(() => {
    fs.rmSync(top, { recursive: true, force: true });
  });

  test("a --path folder inside the script's folder", () => {
    const r = hpyWasmRun(["--path", inner, path.join(top, "main.py")]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /^from inner from top$/m);
  });

  test("the script's folder inside a --path folder, and --path folders inside one another", () => {
    const r = hpyWasmRun(["--path", inner, "--path", top, path.join(inner, "main_inner.py")]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /^from inner from top$/m);
  });

  test("mountDir: a folder mounted after one inside it shows both", async () => {
    const pyodide = await startPyodide();
    mountDir(pyodide, inner);
    mountDir(pyodide, path.join(top, "lib"));
    mountDir(pyodide, top);
    mountDir(pyodide, inner); // already visible: nothing to do
    const names = pyodide.runPython(
      `import os; ",".join(sorted(os.listdir(${JSON.stringify(top)}))) + "|" + ` +
        `",".join(sorted(os.listdir(${JSON.stringify(inner)})))`,
    ) as string;
    assert.equal(names, "lib,main.py,top_mod.py|inner_mod.py,main_inner.py");
    // written in Pyodide, seen on this machine: the folder is the real one
    pyodide.runPython(`open(${JSON.stringify(path.join(inner, "out.txt"))}, "w").write("ok")`);
    assert.equal(fs.readFileSync(path.join(inner, "out.txt"), "utf8"), "ok");
  });
});
