/**
 * The demo page: examples/quickstart built for wasm32, running in Pyodide in
 * a browser. buildDemo() writes everything the page loads into
 * build/wasm/demo/ (the page, its script bundled for the browser, the host
 * binary, the hpy package's Python files as JSON, quickstart.hpy0.wasm);
 * serveDemo() serves that folder with Pyodide's own files under /pyodide/.
 */
import { build } from "esbuild";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildExtension } from "./ext-build.ts";
import { buildHost } from "./host-build.ts";
import { readPythonFiles } from "./install.ts";
import { paths, repoRoot } from "./paths.ts";
import { serveStatic, type StaticServer } from "./serve.ts";

export const demoDir = path.join(paths.buildDir, "demo");
const demoSources = path.join(repoRoot, "wasm/demo");
export const quickstartSource = path.join(repoRoot, "examples/quickstart/quickstart.c");

/** The folder of the npm package pyodide (the release the page loads). */
export function pyodideDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve("pyodide"));
}

/** Builds the page into build/wasm/demo/ and returns that folder. */
export async function buildDemo(): Promise<string> {
  fs.mkdirSync(demoDir, { recursive: true });
  fs.copyFileSync(buildHost(), path.join(demoDir, "hpy_universal.wasm"));
  fs.writeFileSync(path.join(demoDir, "hpy-python.json"), JSON.stringify(readPythonFiles()));
  buildExtension({ sources: [quickstartSource], outDir: demoDir });
  // platform "browser": a Node import reaching the bundle is a build error.
  await build({
    entryPoints: [path.join(demoSources, "main.ts")],
    outfile: path.join(demoDir, "demo.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    logLevel: "error",
  });
  fs.copyFileSync(path.join(demoSources, "index.html"), path.join(demoDir, "index.html"));
  return demoDir;
}

/** Serves a built page (buildDemo()) on 127.0.0.1; port 0 picks a free one. */
export function serveDemo(port = 0): Promise<StaticServer> {
  return serveStatic({ mounts: { "/": demoDir, "/pyodide/": pyodideDir() }, port });
}
