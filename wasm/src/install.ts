/**
 * installHPy(): makes HPy available inside a running Pyodide.
 *
 * It checks that Pyodide exports every symbol the host binary needs (a
 * missing one is reported by name, instead of a failure at the first call),
 * writes the host into site-packages as the extension module hpy.universal
 * (named with that Pyodide's own extension suffix, so CPython's importer
 * loads it) and the pure-Python part of the hpy package next to it, and
 * imports it. After that `import NAME` finds NAME.hpy0.wasm on sys.path, and
 * hpy.universal.load(name, path, spec) works as on CPython.
 */
import type { PyodideInterface } from "pyodide";
import fs from "node:fs";
import path from "node:path";
import { paths, repoRoot } from "./paths.ts";

export type HPyMode = "universal" | "debug" | "trace";

export interface InstallOptions {
  /** Mode of every HPy module imported afterwards (sets HPY in os.environ); default universal. */
  mode?: HPyMode;
  /** The host binary; by default built from this checkout (Node only). */
  hostBinary?: Uint8Array<ArrayBuffer>;
  /** The Python files of the hpy package, by file name; by default read from this checkout. */
  pythonFiles?: Record<string, string>;
}

/** What a Pyodide instance offers the host: its exported symbols. */
interface EmscriptenModule {
  [symbol: string]: unknown;
}

export class MissingSymbolsError extends Error {
  constructor(readonly symbols: readonly string[]) {
    super(
      `this Pyodide does not export ${symbols.length} symbol(s) the HPy host needs: ` +
        symbols.join(", "),
    );
  }
}

/** The symbols a side module imports from the main module (functions and data). */
export function importedSymbols(binary: Uint8Array<ArrayBuffer>): string[] {
  const mod = new WebAssembly.Module(binary);
  const names = new Set<string>();
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.module === "env" && imp.kind === "function") names.add(imp.name);
    else if (imp.module === "GOT.mem" || imp.module === "GOT.func") names.add(imp.name);
  }
  return [...names].sort();
}

/** Symbols of `binary` that the Pyodide of `module` does not export. */
export function missingSymbols(module: EmscriptenModule, binary: Uint8Array<ArrayBuffer>): string[] {
  // Symbols the side module defines itself also appear as GOT imports.
  const own = new Set(
    WebAssembly.Module.exports(new WebAssembly.Module(binary)).map((e) => e.name),
  );
  return importedSymbols(binary).filter(
    (s) => !own.has(s) && module[`_${s}`] === undefined && module[s] === undefined,
  );
}

function readPythonFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(paths.pythonPackage)) {
    if (f.endsWith(".py")) files[f] = fs.readFileSync(path.join(paths.pythonPackage, f), "utf8");
  }
  // The version has one source, the native package's (hpy.universal.get_version reads it).
  files["_version.py"] ??= fs.readFileSync(path.join(repoRoot, "hpy/_version.py"), "utf8");
  return files;
}

async function defaultHostBinary(): Promise<Uint8Array<ArrayBuffer>> {
  const { buildHost } = await import("./host-build.ts");
  return new Uint8Array(fs.readFileSync(buildHost()));
}

export async function installHPy(pyodide: PyodideInterface, options: InstallOptions = {}): Promise<void> {
  const binary = options.hostBinary ?? (await defaultHostBinary());
  const module = (pyodide as unknown as { _module: EmscriptenModule })._module;
  const missing = missingSymbols(module, binary);
  if (missing.length > 0) throw new MissingSymbolsError(missing);

  const info = pyodide.runPython(
    "import importlib.machinery, sysconfig\n" +
      "(importlib.machinery.EXTENSION_SUFFIXES[0], sysconfig.get_paths()['purelib'])",
  ) as { toJs(): [string, string]; destroy(): void };
  const [suffix, site] = info.toJs();
  info.destroy();
  const pkg = `${site}/hpy`;
  pyodide.FS.mkdirTree(pkg);
  for (const [name, text] of Object.entries(options.pythonFiles ?? readPythonFiles())) {
    pyodide.FS.writeFile(`${pkg}/${name}`, text);
  }
  pyodide.FS.writeFile(`${pkg}/universal${suffix}`, binary);
  const setMode = options.mode ? `os.environ["HPY"] = ${JSON.stringify(options.mode)}\n` : "";
  pyodide.runPython(`import os, importlib\n${setMode}importlib.invalidate_caches()\nimport hpy, hpy.universal`);
}
