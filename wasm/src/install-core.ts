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

/** The part of Pyodide's Emscripten module the check and the entry guard use. */
interface EmscriptenModule {
  [symbol: string]: unknown;
  LDSO?: { loadedLibsByName?: Record<string, { exports?: Record<string, unknown> } | undefined> };
}

/** What the entry guard needs of Pyodide's Emscripten module (every release has it). */
interface GuardRuntime {
  addFunction(f: (...args: number[]) => number, sig: string): number;
  /** The shadow stack pointer, shared by every module (read without a call into wasm). */
  ___stack_pointer: WebAssembly.Global;
  wasmTable: WebAssembly.Table;
  HEAPU8: Uint8Array;
}

/** The host's exports the guard uses (wasm/host/src/wasm_host.c, hpy/debug/src/debug_ctx.c). */
interface GuardExports {
  hpy_wasm_set_guard(index: number): void;
  hpy_wasm_guard_message_buffer(): number;
  hpy_wasm_guard_message_size(): number;
  hpy_wasm_guard_unwind(saved: number): void;
  hpy_wasm_set_stack_capturer(index: number): void;
}

/** What a guarded call ended with (wasm/host/src/wasm_guard.h). */
const GUARD_FAULT = 1;
const GUARD_STACK_OVERFLOW = 2;

/** "unreachable (trap.hpy0.wasm.boom_impl)": the error and the innermost frame of an HPy module. */
export function describeFault(e: unknown): string {
  const err = e instanceof Error ? e : undefined;
  const what =
    err === undefined
      ? `a JavaScript exception: ${String(e)}`
      : err instanceof WebAssembly.RuntimeError || err instanceof RangeError
        ? err.message
        : `a JavaScript exception, ${err.name}: ${err.message}`;
  const frame = (err?.stack ?? "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^at \S+\.hpy\d+\.wasm\./.test(l));
  return frame === undefined ? what : `${what} (${frame.split(" ")[1]})`;
}

/**
 * The entry guard of the debug and trace modes. Their contexts call every
 * implementation from CPython through it (wasm/host/src/wasm_guard.h):
 * a trap, a stack overflow or a JavaScript exception in the extension must
 * not unwind through CPython's frames (that leaves Pyodide unusable), so it
 * is caught here, the debug frames it abandoned are closed while their
 * memory is intact, the stack pointer is restored, and the call returns a
 * fault code that the host turns into a Python exception. One function for
 * every signature (the host passes ctx_CallRealFunctionFromTrampoline's
 * four arguments through); nothing is allocated unless there is a fault.
 */
function installGuard(runtime: GuardRuntime, host: GuardExports): void {
  const table = runtime.wasmTable;
  let targetIndex = -1;
  let target: (a: number, b: number, c: number, d: number) => void = () => {};
  const message = host.hpy_wasm_guard_message_buffer();
  const size = host.hpy_wasm_guard_message_size();
  const encoder = new TextEncoder();
  const stackPointer = runtime.___stack_pointer;
  if (!(stackPointer instanceof WebAssembly.Global)) {
    throw new Error("this Pyodide does not export __stack_pointer: the entry guard of the debug and trace modes needs it");
  }
  const guard = (t: number, a: number, b: number, c: number, d: number, saved: number): number => {
    const sp = stackPointer.value as number;
    try {
      if (t !== targetIndex) {
        target = table.get(t) as typeof target;
        targetIndex = t;
      }
      target(a, b, c, d);
      return 0;
    } catch (e) {
      // Not ours to catch: Pyodide's own unwinding (exit()) and non-errors.
      if (!(e instanceof Error) || e.name === "ExitStatus") throw e;
      const text = encoder.encode(describeFault(e)).subarray(0, size - 1);
      runtime.HEAPU8.set(text, message);
      runtime.HEAPU8[message + text.length] = 0;
      host.hpy_wasm_guard_unwind(saved);
      stackPointer.value = sp;
      return e instanceof RangeError ? GUARD_STACK_OVERFLOW : GUARD_FAULT;
    }
  };
  host.hpy_wasm_set_guard(runtime.addFunction(guard, "iiiiiii"));
}

/** "leak_impl (m.hpy0.wasm wasm-function[6]:0x505)": the frames of HPy modules in a JavaScript stack, innermost first. */
export function extensionFrames(stack: string, limit: number): string[] {
  const frames: string[] = [];
  for (const line of stack.split("\n")) {
    if (frames.length >= limit) break;
    const m = /^\s*at (?<module>\S+\.hpy\d+\.wasm)\.(?<name>\S+) \((?<at>.*)\)$/.exec(line);
    const g = m?.groups;
    if (g?.["module"] === undefined || g["name"] === undefined) continue;
    const where = /wasm-function\[\d+\]:0x[0-9a-f]+$/.exec(g["at"] ?? "");
    frames.push(`${g["name"]} (${g["module"]}${where === null ? "" : ` ${where[0]}`})`);
  }
  return frames;
}

/**
 * The creation stacks of debug handles (set_handle_stack_trace_limit):
 * WebAssembly has no backtrace(), but a JavaScript Error's stack holds the
 * wasm frames. Called only while the limit is set.
 */
function installStackCapturer(runtime: GuardRuntime, host: GuardExports): void {
  const encoder = new TextEncoder();
  const capture = (buf: number, size: number, limit: number): number => {
    // (the host's, CPython's and JavaScript frames come before and between
    // the extension's: take enough of them)
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 64 + 8 * limit;
    const stack = new Error().stack ?? "";
    Error.stackTraceLimit = saved;
    const frames = extensionFrames(stack, limit);
    const text = encoder.encode(frames.join("\n")).subarray(0, size - 1);
    runtime.HEAPU8.set(text, buf);
    runtime.HEAPU8[buf + text.length] = 0;
    return frames.length;
  };
  host.hpy_wasm_set_stack_capturer(runtime.addFunction(capture, "iiii"));
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
  const module = emscriptenModule(pyodide);
  // (the dynamic linker names it by the path CPython's importer gave it)
  const hostPath = `${pkg}/universal${suffix}`.replace(/\/+/g, "/");
  const libs = module.LDSO?.loadedLibsByName ?? {};
  const key = Object.keys(libs).find((k) => k.replace(/\/+/g, "/") === hostPath);
  const host = key === undefined ? undefined : libs[key]?.exports;
  if (host === undefined) throw new Error(`the HPy host was not loaded from ${hostPath}`);
  if (typeof host["hpy_wasm_set_guard"] !== "function") {
    throw new Error("this HPy host binary has no entry guard for the debug and trace modes: rebuild it");
  }
  installGuard(module as unknown as GuardRuntime, host as unknown as GuardExports);
  installStackCapturer(module as unknown as GuardRuntime, host as unknown as GuardExports);
}
