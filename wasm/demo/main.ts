/**
 * The demo page's script, bundled for the browser into build/wasm/demo/demo.js
 * (wasm/src/demo.ts). It loads Pyodide from pyodide/ next to the page,
 * installs the HPy host with the binary and Python files fetched over HTTP,
 * writes quickstart.hpy0.wasm (built by `hpy-wasm build`) into Pyodide's file
 * system on sys.path, imports it and shows what its functions return.
 *
 * #result gets data-state="done" or "error" at the end: the browser test
 * waits for that attribute.
 */
import type { loadPyodide as LoadPyodide } from "pyodide";
import { installHPy, type PyodideLike } from "../src/install-core.ts";

/** Where the module goes inside Pyodide's file system. */
const MODULE_DIR = "/home/pyodide/hpy-demo";

function element(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e;
}

function log(line: string): void {
  element("log").textContent += `${line}\n`;
}

async function fetchBytes(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Calls each function once and formats the results; the last expression is the page's text. */
const SHOW_RESULTS = `
import sys, quickstart, pyodide

def _call(text, f):
    try:
        return f"{text:<29} -> {f()!r}"
    except Exception as e:
        return f"{text:<29} -> {type(e).__name__}: {e}"

"\\n".join([
    _call("quickstart.abi()", quickstart.abi),
    _call("quickstart.say_hello('HPy')", lambda: quickstart.say_hello("HPy")),
    _call("quickstart.add_ints(2, 40)", lambda: quickstart.add_ints(2, 40)),
    _call("quickstart.add_ints(1)", lambda: quickstart.add_ints(1)),
    f"loaded from {quickstart.__file__}",
    f"Python {sys.version.split()[0]} in Pyodide {pyodide.__version__}",
])
`;

async function run(): Promise<void> {
  const t0 = performance.now();
  const since = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const pyodideUrl = new URL("pyodide/pyodide.mjs", document.baseURI).href;
  const { loadPyodide } = (await import(pyodideUrl)) as { loadPyodide: typeof LoadPyodide };
  const pyodide = await loadPyodide({ stdout: log, stderr: log });
  log(`Pyodide ${pyodide.version} loaded (${since()})`);

  const [hostBinary, pythonFiles, module] = await Promise.all([
    fetchBytes("hpy_universal.wasm"),
    fetchJson<Record<string, string>>("hpy-python.json"),
    fetchBytes("quickstart.hpy0.wasm"),
  ]);
  await installHPy(pyodide as PyodideLike, { hostBinary, pythonFiles });
  log(`HPy host installed: ${hostBinary.length} bytes (${since()})`);

  pyodide.FS.mkdirTree(MODULE_DIR);
  pyodide.FS.writeFile(`${MODULE_DIR}/quickstart.hpy0.wasm`, module);
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(MODULE_DIR)})`);
  const text = pyodide.runPython(SHOW_RESULTS) as string;
  log(`quickstart.hpy0.wasm (${module.length} bytes) imported and called (${since()})`);

  const result = element("result");
  result.textContent = text;
  result.dataset["state"] = "done";

  const sayHello = pyodide.runPython("quickstart.say_hello") as (name: string) => string;
  const form = element("hello") as HTMLFormElement;
  const output = element("hello-output");
  form.hidden = false;
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = (element("name") as HTMLInputElement).value;
    try {
      output.textContent = sayHello(name);
    } catch (e) {
      output.textContent = e instanceof Error ? e.message : String(e);
    }
    output.hidden = false;
  });
}

run().catch((e: unknown) => {
  const result = element("result");
  result.textContent = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  result.dataset["state"] = "error";
});
