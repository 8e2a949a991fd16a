/**
 * Where the WebAssembly host finds the project's C sources and headers, and
 * where it keeps what it builds. Everything is relative to this checkout.
 */
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The root of the repository (the folder holding api/, hpy/ and wasm/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const paths = {
  /** HPy's public headers (hpy.h). */
  hpyInclude: path.join(repoRoot, "hpy/devel/include"),
  /** Runtime helper sources: compiled into every extension, and into the host. */
  runtimeSources: path.join(repoRoot, "hpy/devel/src/runtime"),
  /** The CPython host's sources, compiled for wasm32 as the WebAssembly host's core. */
  universalSources: path.join(repoRoot, "hpy/universal/src"),
  /** The debug and trace contexts, compiled into the host as they are natively. */
  debugSources: path.join(repoRoot, "hpy/debug/src"),
  traceSources: path.join(repoRoot, "hpy/trace/src"),
  /** The wasm32 toolchain description shared with hpy.devel (clang, flags, suffix). */
  toolchainJson: path.join(repoRoot, "hpy/devel/wasm32/toolchain.json"),
  /** The declarations of Pyodide's C library that side modules see (next to it). */
  libcInclude: path.join(repoRoot, "hpy/devel/wasm32/include"),
  /** The stable-ABI Python.h of the host. */
  hostInclude: path.join(repoRoot, "wasm/host/include"),
  hostSources: path.join(repoRoot, "wasm/host/src"),
  /** The Python side of the host (the hpy package installed into Pyodide). */
  pythonPackage: path.join(repoRoot, "wasm/python/hpy"),
  /** Build products (the host binary), one folder per checkout. */
  buildDir: path.join(repoRoot, "build/wasm"),
} as const;
