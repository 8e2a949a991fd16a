/**
 * installHPy() without Node: makes HPy available inside a running Pyodide,
 * given the host binary and the Python files of the hpy package. This file
 * imports nothing from Node (the browser demo bundles it); install.ts adds
 * the Node defaults that build or read them from this checkout.
 *
 * It checks that Pyodide's dynamic linker can resolve every symbol the host
 * binary imports (a missing one is reported by name, instead of a failure at
 * the first call), writes the host into site-packages as the extension module
 * hpy.universal (named with that Pyodide's own extension suffix, so CPython's
 * importer loads it) and the pure-Python part of the hpy package next to it,
 * and imports it. After that `import NAME` finds NAME.hpy0.wasm on sys.path,
 * and hpy.universal.load(name, path, spec) works as on CPython.
 */

export type HPyMode = "universal" | "debug" | "trace";

/** What installHPy() needs of a Pyodide instance; any release has it, so none is named. */
export interface PyodideLike {
  runPython(code: string): unknown;
  FS: {
    mkdirTree(path: string): unknown;
    writeFile(path: string, data: string | Uint8Array): unknown;
  };
}

export interface HostFiles {
  /** Mode of every HPy module imported afterwards (sets HPY in os.environ); default universal. */
  mode?: HPyMode;
  /** The host binary (build/wasm/hpy_universal.wasm). */
  hostBinary: Uint8Array<ArrayBuffer>;
  /** The Python files of the hpy package (wasm/python/hpy, hpy/debug, hpy/trace), by path in the package ("debug/leakdetector.py"). */
  pythonFiles: Record<string, string>;
}

/** The part of Pyodide's Emscripten module the check reads. */
interface EmscriptenModule {
  [symbol: string]: unknown;
  LDSO?: { loadedLibsByName?: Record<string, { exports?: Record<string, unknown> } | undefined> };
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

/**
 * Whether the dynamic linker of `module` resolves `symbol`. It resolves a
 * side module's imports against the main module's whole symbol table
 * (LDSO's "__main__" entry), which holds more than the `_name` properties
 * of the module object: Pyodide 0.29 has no `_malloc` or `_memcpy` there,
 * yet side modules that call them load.
 */
function resolves(module: EmscriptenModule, symbol: string): boolean {
  const main = module.LDSO?.loadedLibsByName?.["__main__"]?.exports;
  if (main !== undefined && main[symbol] !== undefined) return true;
  return module[`_${symbol}`] !== undefined || module[symbol] !== undefined;
}

/** Symbols of `binary` that the Pyodide of `module` does not export. */
export function missingSymbols(module: EmscriptenModule, binary: Uint8Array<ArrayBuffer>): string[] {
  // Symbols the side module defines itself also appear as GOT imports.
  const own = new Set(
    WebAssembly.Module.exports(new WebAssembly.Module(binary)).map((e) => e.name),
  );
  return importedSymbols(binary).filter((s) => !own.has(s) && !resolves(module, s));
}

function emscriptenModule(pyodide: PyodideLike): EmscriptenModule {
  return (pyodide as unknown as { _module: EmscriptenModule })._module;
}

export async function installHPy(pyodide: PyodideLike, files: HostFiles): Promise<void> {
  const binary = files.hostBinary;
  const missing = missingSymbols(emscriptenModule(pyodide), binary);
  if (missing.length > 0) throw new MissingSymbolsError(missing);

  const info = pyodide.runPython(
    "import importlib.machinery, sysconfig\n" +
      "(importlib.machinery.EXTENSION_SUFFIXES[0], sysconfig.get_paths()['purelib'])",
  ) as { toJs(): [string, string]; destroy(): void };
  const [suffix, site] = info.toJs();
  info.destroy();
  const pkg = `${site}/hpy`;
  pyodide.FS.mkdirTree(pkg);
  for (const [name, text] of Object.entries(files.pythonFiles)) {
    const slash = name.lastIndexOf("/");
    if (slash > 0) pyodide.FS.mkdirTree(`${pkg}/${name.slice(0, slash)}`);
    pyodide.FS.writeFile(`${pkg}/${name}`, text);
  }
  pyodide.FS.writeFile(`${pkg}/universal${suffix}`, binary);
  const setMode = files.mode ? `os.environ["HPY"] = ${JSON.stringify(files.mode)}\n` : "";
  pyodide.runPython(`import os, importlib\n${setMode}importlib.invalidate_caches()\nimport hpy, hpy.universal`);
}
