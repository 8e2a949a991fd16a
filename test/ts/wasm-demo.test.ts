/**
 * The WebAssembly host outside the Pyodide it was developed with:
 *  - the demo page (wasm/demo, `npx hpy-wasm demo`) served on 127.0.0.1 and
 *    opened in Debian's Chromium through playwright-core: the page loads
 *    Pyodide, installs the host from files fetched over HTTP, imports
 *    examples/quickstart built for wasm32 and shows what it returns;
 *  - the same host binary and the same quickstart.hpy0.wasm in the older
 *    Pyodide 0.29 (CPython 3.13) in Node;
 *  - the page's static server, and installHPy's browser side bundling
 *    without Node.
 * Both use the page's build (build/wasm/demo), made once per run. A
 * screenshot of the page is saved as build/wasm/demo-page.png.
 */
import { build } from "esbuild";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { loadPyodide } from "pyodide-0.29";
import { buildDemo, pyodideDir, serveDemo } from "../../wasm/src/demo.ts";
import { installHPy, missingSymbols, MissingSymbolsError } from "../../wasm/src/install.ts";
import { paths, repoRoot } from "../../wasm/src/paths.ts";
import { resolveRequest, serveStatic, type StaticServer } from "../../wasm/src/serve.ts";
import { compile, findClang, link, ToolchainError } from "../../wasm/src/toolchain.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.join(paths.buildDir, "demo-page.png");
/** Building the host, starting a browser and Pyodide: slow on a loaded machine. */
const TIMEOUT = 300_000;

function noToolchain(): string | false {
  try {
    findClang();
    return false;
  } catch (e) {
    if (e instanceof ToolchainError) return `no wasm32 toolchain: ${e.message}`;
    throw e;
  }
}

const skipNoClang = noToolchain();
const skipBrowser = skipNoClang || (fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)`);

let built: Promise<string> | undefined;
/** build/wasm/demo, built once for both suites. */
function demoBuilt(): Promise<string> {
  built ??= buildDemo();
  return built;
}

describe("the demo page in Chromium", { skip: skipBrowser, timeout: TIMEOUT }, () => {
  let server: StaticServer;
  let browser: Browser;

  before(async () => {
    await demoBuilt();
    server = await serveDemo();
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("shows what quickstart.hpy0.wasm returns, and calls it again on demand", async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    // A script that does not load or throws before the page reports leaves
    // #result "loading": fail at once instead of waiting for the timeout.
    const broken = new Promise<never>((_, reject) => {
      page.on("pageerror", (e) => {
        pageErrors.push(e.message);
        reject(new Error(`the page threw: ${e.message}`));
      });
      page.on("response", (r) => {
        if (r.status() >= 400) reject(new Error(`${r.url()}: HTTP ${r.status()}`));
      });
    });
    broken.catch(() => undefined);
    await page.goto(server.url);
    await Promise.race([
      page.locator("#result:not([data-state='loading'])").waitFor({ timeout: TIMEOUT }),
      broken,
    ]);
    const state = await page.getAttribute("#result", "data-state");
    const text = (await page.textContent("#result")) ?? "";
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    assert.equal(state, "done", `the page failed: ${text}`);
    const lines = text.split("\n");
    assert.deepEqual(lines.slice(0, 5), [
      "quickstart.abi()              -> 'universal'",
      "quickstart.say_hello('HPy')   -> 'Hello, HPy'",
      "quickstart.add_ints(2, 40)    -> 42",
      "quickstart.add_ints(1)        -> TypeError: add_ints() takes exactly 2 arguments",
      "loaded from /home/pyodide/hpy-demo/quickstart.hpy0.wasm",
    ]);
    const pyodideVersion = (JSON.parse(fs.readFileSync(path.join(pyodideDir(), "package.json"), "utf8")) as {
      version: string;
    }).version;
    assert.match(lines[5]!, new RegExp(`^Python 3\\.14\\.\\d+ in Pyodide ${pyodideVersion.replace(/\./g, "\\.")}$`));

    await page.fill("#name", "Chromium");
    await page.click("#hello button");
    await page.locator("#hello-output:not([hidden])").waitFor();
    assert.equal(await page.textContent("#hello-output"), "Hello, Chromium");
    assert.deepEqual(pageErrors, []);
    assert.ok(fs.statSync(SCREENSHOT).size > 0);
  });

});

/** The status of a request whose path is sent exactly as given. */
function rawStatus(base: string, rawPath: string, method = "GET"): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the demo's static server", () => {
  let server: StaticServer;
  let root: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-serve-"));
    fs.mkdirSync(path.join(root, "site"));
    fs.mkdirSync(path.join(root, "lib"));
    fs.writeFileSync(path.join(root, "secret.txt"), "outside");
    fs.writeFileSync(path.join(root, "site", "index.html"), "<p>page</p>");
    fs.writeFileSync(path.join(root, "site", "m.wasm"), new Uint8Array([0, 97, 115, 109]));
    fs.writeFileSync(path.join(root, "lib", "x.mjs"), "export {};");
    server = await serveStatic({ mounts: { "/": path.join(root, "site"), "/lib/": path.join(root, "lib") } });
  });

  after(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("listens on 127.0.0.1 and serves files with their content type", async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await page.text(), "<p>page</p>");
    const wasm = await fetch(server.url + "m.wasm");
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.deepEqual(new Uint8Array(await wasm.arrayBuffer()), new Uint8Array([0, 97, 115, 109]));
    const lib = await fetch(server.url + "lib/x.mjs", { method: "HEAD" });
    assert.equal(lib.status, 200);
    assert.equal(lib.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await lib.text(), "");
  });

  test("refuses paths outside its folders, missing files and other methods", async () => {
    // Sent as they are: fetch() would normalise the dots away.
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/lib/../../secret.txt", "/lib/%2e%2e/%2e%2e/secret.txt",
      "/..%2fsecret.txt", "/lib/..%2f..%2fsecret.txt", "/%E0%A4%A", "/nothing.html", "/lib/"]) {
      assert.equal(await rawStatus(server.url, p), 404, p);
    }
    assert.equal(await rawStatus(server.url, "/lib/x.mjs"), 200);
    assert.equal(await rawStatus(server.url, "/", "POST"), 405);
    assert.equal(resolveRequest({ "/": "/srv" }, "/a/../../etc/passwd"), undefined);
    assert.equal(resolveRequest({ "/": "/srv" }, "/a/b.js?x=1"), "/srv/a/b.js");
  });
});

describe("the browser side of installHPy", () => {
  test("install-core.ts bundles for the browser: it imports nothing from Node", async () => {
    const out = await build({
      entryPoints: [path.join(repoRoot, "wasm/src/install-core.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const text = out.outputFiles[0]!.text;
    assert.match(text, /export \{[^}]*installHPy/);
    assert.doesNotMatch(text, /node:/);
  });
});

describe("the same binaries in Pyodide 0.29 (CPython 3.13)", { skip: skipNoClang, timeout: TIMEOUT }, () => {
  let pyodide: Awaited<ReturnType<typeof loadPyodide>>;

  before(async () => {
    pyodide = await loadPyodide();
  });

  test("the host installs and quickstart.hpy0.wasm, built once, runs", async () => {
    const dir = await demoBuilt();
    await installHPy(pyodide, { hostBinary: new Uint8Array(fs.readFileSync(path.join(dir, "hpy_universal.wasm"))) });
    pyodide.FS.mkdirTree("/home/pyodide/hpy-demo");
    pyodide.FS.writeFile(
      "/home/pyodide/hpy-demo/quickstart.hpy0.wasm",
      new Uint8Array(fs.readFileSync(path.join(dir, "quickstart.hpy0.wasm"))),
    );
    const result = pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide/hpy-demo")
import quickstart
try:
    quickstart.add_ints(1)
except TypeError as e:
    error = str(e)
try:
    quickstart.say_hello(3)
except TypeError as e:
    error2 = type(e).__name__
[f"{sys.version_info[0]}.{sys.version_info[1]}", quickstart.abi(), quickstart.say_hello("0.29"),
 quickstart.add_ints(2, 40), error, error2, quickstart.__file__]
`) as { toJs(): unknown[]; destroy(): void };
    const values = result.toJs();
    result.destroy();
    assert.deepEqual(values, [
      "3.13",
      "universal",
      "Hello, 0.29",
      42,
      "add_ints() takes exactly 2 arguments",
      "TypeError",
      "/home/pyodide/hpy-demo/quickstart.hpy0.wasm",
    ]);
  });

  test("the symbol check knows libc functions the module object does not show, and names missing ones", async () => {
    // Pyodide 0.29 has no _malloc or _memcpy property, yet its dynamic linker resolves both.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-syms-"));
    try {
      const source = path.join(tmp, "m.c");
      fs.writeFileSync(
        source,
        "#include <stdlib.h>\n#include <string.h>\n" +
          "int hpy_test_no_such_function(void);\n" +
          "__attribute__((visibility(\"default\"))) void *f(const void *p, size_t n) {\n" +
          "    void *q = malloc(n);\n    if (q) memcpy(q, p, n);\n" +
          "    return hpy_test_no_such_function() ? q : 0;\n}\n",
      );
      compile({ source, object: path.join(tmp, "m.o"), flags: [] });
      link([path.join(tmp, "m.o")], path.join(tmp, "m.wasm"));
      const binary = new Uint8Array(fs.readFileSync(path.join(tmp, "m.wasm")));
      const module = (pyodide as unknown as { _module: Record<string, unknown> })._module;
      assert.equal(module["_malloc"], undefined, "this Pyodide shows _malloc: the case is not tested");
      assert.deepEqual(missingSymbols(module, binary), ["hpy_test_no_such_function"]);
      await assert.rejects(installHPy(pyodide, { hostBinary: binary }), (e: unknown) => {
        assert.ok(e instanceof MissingSymbolsError);
        assert.deepEqual(e.symbols, ["hpy_test_no_such_function"]);
        assert.match(e.message, /does not export 1 symbol\(s\) the HPy host needs: hpy_test_no_such_function$/);
        return true;
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
