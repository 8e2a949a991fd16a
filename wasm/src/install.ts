/**
 * installHPy() in Node: as install-core.ts, with the host binary built from
 * this checkout and the hpy package's Python files read from it unless the
 * caller passes them.
 */
import type { PyodideInterface } from "pyodide";
import fs from "node:fs";
import path from "node:path";
import { installHPy as installWith, type HPyMode, type PyodideLike } from "./install-core.ts";
import { paths, repoRoot } from "./paths.ts";

export { MissingSymbolsError, importedSymbols, missingSymbols } from "./install-core.ts";
export type { HPyMode, HostFiles, PyodideLike } from "./install-core.ts";

export interface InstallOptions {
  /** Mode of every HPy module imported afterwards (sets HPY in os.environ); default universal. */
  mode?: HPyMode;
  /** The host binary; by default built from this checkout. */
  hostBinary?: Uint8Array<ArrayBuffer>;
  /** The Python files of the hpy package, by file name; by default read from this checkout. */
  pythonFiles?: Record<string, string>;
}

/** The hpy package's Python files (wasm/python/hpy, hpy/debug, hpy/trace), by path in the package. */
export function readPythonFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(paths.pythonPackage).sort()) {
    if (f.endsWith(".py")) files[f] = fs.readFileSync(path.join(paths.pythonPackage, f), "utf8");
  }
  // The version has one source, the native package's (hpy.universal.get_version reads it).
  files["_version.py"] ??= fs.readFileSync(path.join(repoRoot, "hpy/_version.py"), "utf8");
  // The Python side of the debug and trace modes is the native package's too.
  for (const sub of ["debug", "trace"]) {
    const dir = path.join(repoRoot, "hpy", sub);
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith(".py")) files[`${sub}/${f}`] = fs.readFileSync(path.join(dir, f), "utf8");
    }
  }
  return files;
}

async function defaultHostBinary(): Promise<Uint8Array<ArrayBuffer>> {
  const { buildHost } = await import("./host-build.ts");
  return new Uint8Array(fs.readFileSync(buildHost()));
}

export async function installHPy(pyodide: PyodideLike, options: InstallOptions = {}): Promise<void> {
  await installWith(pyodide, {
    ...(options.mode ? { mode: options.mode } : {}),
    hostBinary: options.hostBinary ?? (await defaultHostBinary()),
    pythonFiles: options.pythonFiles ?? readPythonFiles(),
  });
}

/**
 * Installs a wheel of HPy modules built for WebAssembly (setup.py
 * --hpy-abi=universal --hpy-target=wasm32 bdist_wheel) into Pyodide's
 * site-packages; its modules are then importable.
 */
export function installWheel(pyodide: PyodideInterface, wheel: Uint8Array<ArrayBuffer>): void {
  const site = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']") as string;
  pyodide.unpackArchive(wheel, "wheel", { extractDir: site });
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}
