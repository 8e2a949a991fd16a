/**
 * The C toolchain of the WebAssembly host: Debian's clang building wasm32
 * side modules that share Pyodide's memory, function table, stack and libc.
 * No Emscripten SDK is involved. The flags are those of
 * hpy/devel/wasm32/toolchain.json, which hpy.devel's setuptools build reads
 * too (see docs/wasm.md).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { paths } from "./paths.ts";

interface ToolchainDescription {
  clang: string[];
  compile: string[];
  link: string[];
  suffix: string;
}

const description = JSON.parse(fs.readFileSync(paths.toolchainJson, "utf8")) as ToolchainDescription;

/** The clang binaries tried in order; HPY_WASM_CC overrides them. */
const CLANG_CANDIDATES: readonly string[] = description.clang;

/** The libc headers of side modules (declarations of Pyodide's libc). */
export const libcInclude = paths.libcInclude;

/** The file suffix of an HPy module built for WebAssembly. */
export const extensionSuffix = description.suffix;

export class ToolchainError extends Error {}

let cachedClang: string | undefined;

function supportsWasm32(clang: string): boolean {
  const r = spawnSync(clang, ["--target=wasm32-unknown-emscripten", "-print-targets"], {
    encoding: "utf8",
  });
  return r.status === 0 && /wasm32/.test(r.stdout);
}

/** The clang to use, or a ToolchainError saying how to get one. */
export function findClang(): string {
  if (cachedClang !== undefined) return cachedClang;
  const fromEnv = process.env.HPY_WASM_CC;
  const candidates = fromEnv ? [fromEnv] : CLANG_CANDIDATES;
  for (const c of candidates) {
    if (supportsWasm32(c)) {
      cachedClang = c;
      return c;
    }
  }
  throw new ToolchainError(
    `no clang with the wasm32 target found (tried ${candidates.join(", ")}); ` +
      "install Debian's clang-19 and lld-19 (apt-get install clang-19 lld-19) or set HPY_WASM_CC",
  );
}

/** Flags for every translation unit of a side module. */
export const compileFlags: readonly string[] = [...description.compile, "-I", libcInclude];

/** The host's own sources are held to the project's standard. */
export const hostWarningFlags: readonly string[] = ["-Wextra", "-Werror"];

/** Flags of the link step that makes a side module. */
export const linkFlags: readonly string[] = description.link;

export interface CompileUnit {
  source: string;
  object: string;
  flags: readonly string[];
}

/** Compiles one unit; a compiler error becomes a ToolchainError with its output. */
export function compile(unit: CompileUnit): void {
  const clang = findClang();
  const args = [...compileFlags, ...unit.flags, "-c", unit.source, "-o", unit.object];
  const r = spawnSync(clang, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new ToolchainError(`${clang} failed on ${unit.source}:\n${r.stderr}${r.stdout}`);
  }
}

/** Links objects into a side module; extra: more linker flags. */
export function link(objects: readonly string[], output: string, extra: readonly string[] = []): void {
  const clang = findClang();
  try {
    execFileSync(clang, [...linkFlags, ...extra, ...objects, "-o", output], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new ToolchainError(`linking ${output} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
}
