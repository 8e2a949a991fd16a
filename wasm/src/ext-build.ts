/**
 * Builds an HPy extension for wasm32: the extension's sources and the
 * runtime helpers every universal extension carries (argument parsing,
 * HPy_BuildValue, formatting, ...), linked into one side module named
 * NAME.hpy0.wasm. That name cannot clash with a native build in the same
 * folder (NAME.hpy0.so and its NAME.py stub); in Pyodide the import hook
 * that installHPy() registers finds it, so no stub is written.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { paths } from "./paths.ts";
import { compile, extensionSuffix, link, ToolchainError } from "./toolchain.ts";

export interface ExtensionBuild {
  /** C sources of the extension. */
  sources: readonly string[];
  /** Output folder. */
  outDir: string;
  /** Module name; by default the first source's base name. */
  name?: string;
  includeDirs?: readonly string[];
  /** -D definitions: "NAME" or "NAME=VALUE". */
  defines?: readonly string[];
  /** Extra compiler flags (e.g. -O0 -g). */
  extraFlags?: readonly string[];
  /**
   * Objects of the runtime helpers built earlier by compileRuntimeHelpers()
   * with the same flags: used instead of compiling the helpers again (a
   * caller building many modules, such as the test-suite, saves most of the
   * build time this way).
   */
  helperObjects?: readonly string[];
}

/** The runtime helpers compiled into every universal extension (as hpy.devel does natively). */
export function runtimeHelperSources(): string[] {
  return fs
    .readdirSync(paths.runtimeSources)
    .filter((f) => f.endsWith(".c") && !f.startsWith("ctx_"))
    .sort()
    .map((f) => path.join(paths.runtimeSources, f));
}

/** The binary's file name for module NAME. */
export function extensionFileName(name: string): string {
  return `${name}${extensionSuffix}`;
}

const PYTHON_H_MESSAGE =
  "hybrid and legacy code include Python.h, which WebAssembly HPy modules cannot use: " +
  "the universal ABI is the only one on WebAssembly";

type FlagOptions = Pick<ExtensionBuild, "includeDirs" | "defines" | "extraFlags">;

function unitFlags(b: FlagOptions): string[] {
  return [
    "-DHPY",
    "-DHPY_ABI_UNIVERSAL",
    // As on CPython: Python.h stops a universal build with a clear error.
    "-I",
    path.join(paths.hpyInclude, "hpy/forbid_python_h"),
    "-I",
    paths.hpyInclude,
    ...(b.includeDirs ?? []).flatMap((d) => ["-I", d]),
    ...(b.defines ?? []).map((d) => `-D${d}`),
    ...(b.extraFlags ?? []),
  ];
}

function compileUnits(units: readonly string[], objDir: string, flags: readonly string[]): string[] {
  return units.map((source, i) => {
    const object = path.join(objDir, `${i}-${path.basename(source, ".c")}.o`);
    try {
      compile({ source, object, flags });
    } catch (e) {
      if (e instanceof ToolchainError && /Python\.h/.test(e.message)) {
        throw new ToolchainError(`${PYTHON_H_MESSAGE}\n${e.message}`);
      }
      throw e;
    }
    return object;
  });
}

/** Compiles the runtime helpers into objDir once, for buildExtension({helperObjects}). */
export function compileRuntimeHelpers(objDir: string, options: FlagOptions = {}): string[] {
  fs.mkdirSync(objDir, { recursive: true });
  return compileUnits(runtimeHelperSources(), objDir, unitFlags(options));
}

/** Builds the module; returns the path of the binary. */
export function buildExtension(b: ExtensionBuild): string {
  if (b.sources.length === 0) throw new ToolchainError("no C source given");
  const name = b.name ?? path.basename(b.sources[0]!).replace(/\.[^.]*$/, "");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ToolchainError(`invalid module name '${name}' (a C identifier is needed)`);
  }
  fs.mkdirSync(b.outDir, { recursive: true });
  const objDir = fs.mkdtempSync(path.join(os.tmpdir(), "hpy-wasm-"));
  try {
    const units = b.helperObjects ? b.sources : [...b.sources, ...runtimeHelperSources()];
    const objects = [...compileUnits(units, objDir, unitFlags(b)), ...(b.helperObjects ?? [])];
    const output = path.join(b.outDir, extensionFileName(name));
    link(objects, output);
    return output;
  } finally {
    fs.rmSync(objDir, { recursive: true, force: true });
  }
}
